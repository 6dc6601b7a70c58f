/* closure: see closure.h. The account row is locked first (accounts_lock: the lock every
 * change of an account takes, identity.c too), then everything else follows in the same
 * transaction. */
#include "closure.h"

#include <stdint.h>
#include <time.h>

#include "account.h"
#include "arena.h"
#include "audit.h"
#include "config.h"
#include "held_usernames.h"
#include "i18n.h"
#include "identities.h"
#include "log.h"
#include "mail.h"
#include "outbox.h"
#include "registry_repos.h"
#include "sessions.h"
#include "store.h"
#include "tmpl.h"

/* The username held until hold_until (owner: none; 0: released at once), the rows that
 * outlive the account detached. */
static int release(struct st_conn *c, const struct account *acct, int64_t hold_until, int64_t now)
{
    if (hold_until && held_usernames_hold(c, acct->username, 0, hold_until, now) != 0) return -1;
    if (held_usernames_detach(c, acct->id) != 0) return -1;
    if (audit_detach(c, acct->id) != 0) return -1;
    return outbox_detach(c, acct->id);
}

/* The sweep's second look, under the lock: still nobody verified it and nothing is linked. */
static int still_unverified(struct st_conn *c, const struct account *acct, int64_t before)
{
    int64_t n = 0;
    if (acct->email_verified || acct->created_at >= before) return 0;
    return identities_count(c, acct->id, NULL, &n) == 0 && n == 0;
}

/* The sweep's round: accounts created before `before` are candidates; now is the round's. */
struct sweep {
    int64_t before, now;
};

/* Until then the sweep does not ask the registry (it failed: down or slow), 0: it may. */
static _Atomic int64_t sweep_registry_after;

/* Whether the account may have pushed images: it logged in to the registry with its password
 * or made an access token (both audited, login_run and access_token.c). 1 maybe, 0 never, -1.
 * Audit rows older than audit_retention are gone: an account older than that counts as maybe. */
static int registry_used(struct st_conn *c, const struct account *acct, int64_t now)
{
    if (!*cfg->registry_address) return 0;
    if (cfg->audit_retention && now - acct->created_at >= cfg->audit_retention * 86400) return 1;
    int used = audit_has(c, acct->id, AUDIT_REGISTRY_LOGIN);
    return used == 0 ? audit_has(c, acct->id, AUDIT_ACCESS_TOKEN_CREATED) : used;
}

enum purge {
    PURGE_DONE, /* nothing is left (or there was nothing to do) */
    PURGE_LEFT, /* images may remain: the username is held for good (CLOSURE_HOLD_FOREVER) */
    PURGE_SKIP, /* the sweep leaves the account for a later round (the registry failed) */
};

/* The namespace's images deleted before the account (outside its transaction: the registry
 * may be slow or down, bounded by registry_repos_purge's deadline). The sweep asks the
 * registry only for accounts that may have pushed, and not at all for CLOSURE_REGISTRY_RETRY
 * after a failure: a registry that is down costs a janitor round one deadline at most. */
static enum purge purge_images(struct arena *a, struct st_conn *c, int64_t account_id,
                               const struct sweep *sw)
{
    struct account pre;
    if (account_by_id(c, a, account_id, &pre) != ACCT_OK) return PURGE_DONE;
    if (sw) {
        if (!still_unverified(c, &pre, sw->before)) return PURGE_DONE;
        int used = registry_used(c, &pre, sw->now);
        if (used == 0) return PURGE_DONE;
        if (used < 0 || sw->now < sweep_registry_after) return PURGE_SKIP;
    }
    if (registry_repos_purge(a, pre.username) == 0) return PURGE_DONE;
    if (sw) {
        sweep_registry_after = sw->now + CLOSURE_REGISTRY_RETRY;
        log_warnx("closure: the registry did not answer: unverified accounts that used it are "
                  "swept in a later round");
        return PURGE_SKIP;
    }
    log_warnx("closure: the images of %s may remain in the registry: its username is held until "
              "an operator releases it (daoid admin release-username)",
              pre.username);
    return PURGE_LEFT;
}

/* One deletion (invariant 1); sw (NULL: none) makes it the sweep's (invariant 3): the
 * account must still be unverified then, and its username is released, not held. */
static enum closure_rc delete_one(struct arena *a, int64_t account_id, const char *actor,
                                  const char *ip, const char *lang, const struct sweep *sw)
{
    struct st_conn *c = st_get();
    if (!c) return CLOSE_ERR;
    enum purge purged = purge_images(a, c, account_id, sw);
    if (purged == PURGE_SKIP) return CLOSE_NOTFOUND;
    int64_t now = time(NULL);
    if (st_begin(c) != ST_OK) return CLOSE_ERR;
    enum closure_rc out = CLOSE_ERR;
    int locked = accounts_lock(c, account_id);
    if (locked == 0) out = CLOSE_NOTFOUND;
    if (locked <= 0) goto fail;
    struct account acct;
    if (account_by_id(c, a, account_id, &acct) != ACCT_OK) goto fail;
    if (sw && !still_unverified(c, &acct, sw->before)) {
        out = CLOSE_NOTFOUND;
        goto fail;
    }
    int64_t until = purged == PURGE_LEFT ? CLOSURE_HOLD_FOREVER : sw ? 0 : now + cfg->username_hold;
    if (release(c, &acct, until, now) != 0) goto fail;
    if (acct.email && acct.email_verified) {
        struct tmpl_ctx *v = tmpl_ctx_new(a, NULL);
        tmpl_set(v, "username", acct.username);
        tmpl_set(v, "duration", i18n_duration(a, lang, cfg->username_hold));
        tmpl_set_bool(v, "images_left", purged == PURGE_LEFT);
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

enum closure_rc closure_delete(struct arena *a, int64_t account_id, const char *actor,
                               const char *ip, const char *lang)
{
    return delete_one(a, account_id, actor, ip, lang, NULL);
}

int64_t closure_sweep_unverified(struct st_conn *c, int64_t now)
{
    int64_t life = CLOSURE_UNVERIFIED_TTLS * cfg->verify_ttl, ids[CLOSURE_SWEEP_BATCH];
    int64_t before = now - (life > CLOSURE_UNVERIFIED_MIN ? life : CLOSURE_UNVERIFIED_MIN);
    int n = accounts_unverified_before(c, before, ids, CLOSURE_SWEEP_BATCH);
    if (n < 0) return -1;
    const struct sweep sw = {.before = before, .now = now};
    int64_t gone = 0;
    struct arena *a = arena_new();
    for (int i = 0; i < n; i++) {
        enum closure_rc rc = delete_one(a, ids[i], "sweep", NULL, "zh-CN", &sw);
        if (rc == CLOSE_ERR) {
            gone = -1;
            break;
        }
        gone += rc == CLOSE_OK;
    }
    arena_free(a);
    return gone;
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
    audit_log(c, account_id, disabled ? AUDIT_ACCOUNT_DISABLED : AUDIT_ACCOUNT_ENABLED, ip, "admin",
              now);
    if (st_commit(c) != ST_OK) return CLOSE_ERR;
    if (sessions_ended) *sessions_ended = ended;
    return CLOSE_OK;
fail:
    st_rollback(c);
    return out;
}
