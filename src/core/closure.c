/* closure: see closure.h. The account row is locked first ({{FOR_UPDATE}}: the lock every
 * change of an account's sign-in methods takes, identity.c), then everything else follows in
 * the same transaction. */
#include "closure.h"

#include <time.h>

#include "account.h"
#include "arena.h"
#include "audit.h"
#include "config.h"
#include "i18n.h"
#include "log.h"
#include "mail.h"
#include "store.h"
#include "tmpl.h"

static int lock_account(struct st_conn *c, int64_t account_id)
{
    int64_t id = 0;
    enum st_rc rc = st_one(c, NULL, "SELECT id FROM accounts WHERE id = ? {{FOR_UPDATE}}", "i", "i",
                           account_id, &id);
    return rc == ST_OK ? 1 : rc == ST_NOTFOUND ? 0 : -1;
}

/* The username held (owner: none), the rows that outlive the account detached. */
static int release(struct st_conn *c, const struct account *acct, int64_t now)
{
    if (st_exec(c,
                "INSERT INTO held_usernames (username, account_id, held_until, created_at)"
                " VALUES (?, NULL, ?, ?) ON CONFLICT (username) DO UPDATE SET account_id = NULL,"
                " held_until = excluded.held_until, created_at = excluded.created_at",
                "sii", acct->username, now + cfg->username_hold, now) != ST_OK)
        return -1;
    if (st_exec(c, "UPDATE held_usernames SET account_id = NULL WHERE account_id = ?", "i",
                acct->id) != ST_OK)
        return -1;
    if (audit_detach(c, acct->id) != 0) return -1;
    return st_exec(c, "UPDATE outbox SET account_id = NULL WHERE account_id = ?", "i", acct->id) ==
                   ST_OK
               ? 0
               : -1;
}

enum closure_rc closure_delete(struct arena *a, int64_t account_id, const char *actor,
                               const char *ip, const char *lang)
{
    struct st_conn *c = st_get();
    if (!c) return CLOSE_ERR;
    int64_t now = time(NULL);
    if (st_begin(c) != ST_OK) return CLOSE_ERR;
    enum closure_rc out = CLOSE_ERR;
    int locked = lock_account(c, account_id);
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
    if (st_exec(c, "DELETE FROM accounts WHERE id = ?", "i", account_id) != ST_OK) goto fail;
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
    int locked = lock_account(c, account_id);
    if (locked == 0) out = CLOSE_NOTFOUND;
    if (locked <= 0) goto fail;
    if (st_exec(c, "UPDATE accounts SET status = ?, updated_at = ? WHERE id = ?", "iii",
                (int64_t)(disabled != 0), now, account_id) != ST_OK)
        goto fail;
    if (disabled) {
        if (st_exec(c, "DELETE FROM sessions WHERE account_id = ?", "i", account_id) != ST_OK)
            goto fail;
        ended = st_changes(c);
    }
    audit_log(c, account_id, disabled ? AUDIT_ACCOUNT_DISABLED : AUDIT_ACCOUNT_ENABLED, ip, "admin",
              now);
    if (st_commit(c) != ST_OK) return CLOSE_ERR;
    if (sessions_ended) *sessions_ended = ended;
    return CLOSE_OK;
fail:
    st_rollback(c);
    return out;
}
