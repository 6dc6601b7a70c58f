/* closure: see closure.h. The account row is locked first (accounts_lock: the lock every
 * change of an account takes, identity.c too), then everything else follows in the same
 * transaction. */
#include "closure.h"

#include <time.h>

#include "account.h"
#include "arena.h"
#include "audit.h"
#include "config.h"
#include "held_usernames.h"
#include "i18n.h"
#include "log.h"
#include "mail.h"
#include "outbox.h"
#include "sessions.h"
#include "store.h"
#include "tmpl.h"

/* The username held (owner: none), the rows that outlive the account detached. */
static int release(struct st_conn *c, const struct account *acct, int64_t now)
{
    if (held_usernames_hold(c, acct->username, 0, now + cfg->username_hold, now) != 0 ||
        held_usernames_detach(c, acct->id) != 0)
        return -1;
    if (audit_detach(c, acct->id) != 0) return -1;
    return outbox_detach(c, acct->id);
}

enum closure_rc closure_delete(struct arena *a, int64_t account_id, const char *actor,
                               const char *ip, const char *lang)
{
    struct st_conn *c = st_get();
    if (!c) return CLOSE_ERR;
    int64_t now = time(NULL);
    if (st_begin(c) != ST_OK) return CLOSE_ERR;
    enum closure_rc out = CLOSE_ERR;
    int locked = accounts_lock(c, account_id);
    if (locked == 0) out = CLOSE_NOTFOUND;
    if (locked <= 0) goto fail;
    struct account acct;
    if (account_by_id(c, a, account_id, &acct) != ACCT_OK) goto fail;
    if (release(c, &acct, now) != 0) goto fail;
    if (acct.email && acct.email_verified) {
        struct tmpl_ctx *v = tmpl_ctx_new(a, NULL);
        tmpl_set(v, "username", acct.username);
        tmpl_set(v, "duration", i18n_duration(a, lang, cfg->username_hold));
        if (mail_enqueue(c, a, 0, "deleted", acct.email, lang, v, now) != 0) goto fail;
    }
    audit_log(
        c, 0, AUDIT_ACCOUNT_DELETED, ip,
        arena_printf(a, "id=%lld username=%s by=%s", (long long)account_id, acct.username, actor),
        now);
    if (accounts_delete(c, account_id) != 0) goto fail;
    if (st_commit(c) != ST_OK) return CLOSE_ERR;
    mail_kick();
    log_info("closure: account %lld deleted (%s)", (long long)account_id, actor);
    return CLOSE_OK;
fail:
    st_rollback(c);
    return out;
}

enum closure_rc closure_set_status(int64_t account_id, int disabled, const char *ip,
                                   int64_t *sessions_ended)
{
    struct st_conn *c = st_get();
    if (!c) return CLOSE_ERR;
    int64_t now = time(NULL), ended = 0;
    if (st_begin(c) != ST_OK) return CLOSE_ERR;
    enum closure_rc out = CLOSE_ERR;
    int locked = accounts_lock(c, account_id);
    if (locked == 0) out = CLOSE_NOTFOUND;
    if (locked <= 0) goto fail;
    if (accounts_set_status(c, account_id, disabled, now) != 0) goto fail;
    if (disabled && (ended = sessions_end_all(c, account_id)) < 0) goto fail;
    audit_log(c, account_id, disabled ? AUDIT_ACCOUNT_DISABLED : AUDIT_ACCOUNT_ENABLED, ip,
              "admin", now);
    if (st_commit(c) != ST_OK) return CLOSE_ERR;
    if (sessions_ended) *sessions_ended = ended;
    return CLOSE_OK;
fail:
    st_rollback(c);
    return out;
}
