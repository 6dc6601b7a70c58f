/* verify: issue (token + outbox row in the caller's transaction), consume (token and account
 * update in one transaction), resend (limits, then issue). */
#include "verify.h"

#include <ctype.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "arena.h"
#include "audit.h"
#include "config.h"
#include "i18n.h"
#include "identity.h"
#include "log.h"
#include "mail.h"
#include "ratelimit.h"
#include "store.h"
#include "tmpl.h"
#include "token.h"

int verify_send(struct st_conn *c, struct arena *a, int64_t account_id, const char *email,
                const char *lang, int64_t now)
{
    char *norm = arena_strdup(a, email);
    for (char *p = norm; *p; p++) *p = (char)tolower((unsigned char)*p);
    char tok[TOKEN_LEN + 1];
    if (token_issue(c, "verify", account_id, norm, now, cfg->verify_ttl, tok) != 0) return -1;
    /* another account's verified address: the link is issued as for any (every page looks the
     * same) but only its owner hears of it, by a notice (account.h invariant 4) */
    int used = account_address_used(c, a, norm, account_id, lang, now);
    if (used != 0) return used < 0 ? -1 : 0;
    struct tmpl_ctx *v = tmpl_ctx_new(a, NULL);
    tmpl_set(v, "link", arena_printf(a, "%s/verify?token=%s", cfg->origin, tok));
    tmpl_set(v, "email", email);
    tmpl_set(v, "duration", i18n_duration(a, lang, cfg->verify_ttl));
    return mail_enqueue(c, a, account_id, "verify", email, lang, v, now);
}

/* The proof's consequences (identity.h invariant 4), inside the transaction: the holder's
 * browser adopts the identities; from outside, the ways in nobody proved end, and a mail to
 * the address says what went. */
static int proven(struct st_conn *c, struct arena *a, int64_t id, int64_t signed_in_as,
                  const char *lang, int64_t now, struct ways_removed *removed)
{
    if (signed_in_as == id) return identity_proof_holder(c, id);
    if (identity_proof_outside(c, a, id, lang, removed) != 0) return -1;
    if (!removed->identities && !removed->sessions) return 0;
    struct account acct;
    if (account_by_id(c, a, id, &acct) != ACCT_OK) return -1;
    struct tmpl_ctx *v = tmpl_ctx_new(a, NULL);
    identity_removed_vars(a, v, removed);
    tmpl_set(v, "username", acct.username);
    tmpl_set(v, "email", acct.email);
    tmpl_set(v, "link", arena_printf(a, "%s/password/forgot", cfg->origin));
    if (mail_enqueue(c, a, id, "ways_removed", acct.email, lang, v, now) != 0) return -1;
    return 0;
}

enum verify_rc verify_consume(struct arena *a, const struct verify_in *in, int64_t *account_id,
                              char **email, struct ways_removed *removed)
{
    const char *token = in->token, *ip = in->ip;
    memset(removed, 0, sizeof(*removed));
    struct st_conn *c = st_get();
    if (!c) return VERIFY_ERR;
    int64_t now = time(NULL);
    if (st_begin(c) != ST_OK) return VERIFY_ERR;
    enum verify_rc out = VERIFY_ERR;
    /* the address's claims are locked before the token (account_lock_claims) */
    int found = token_peek(c, a, "verify", token, account_id, email);
    if (found < 0 || (found && *email && account_lock_claims(c, *email, 0) != 0)) goto fail;
    switch (token_consume(c, a, "verify", token, now, account_id, email)) {
    case TOKEN_OK:
        break;
    case TOKEN_UNKNOWN:
        out = VERIFY_UNKNOWN;
        goto fail;
    case TOKEN_USED:
        out = VERIFY_USED;
        goto fail;
    case TOKEN_EXPIRED:
        out = VERIFY_EXPIRED;
        goto fail;
    default:
        out = VERIFY_ERR;
        goto fail;
    }
    switch (account_verify_email(c, *account_id, *email, now)) {
    case ACCT_OK:
        break;
    case ACCT_NOTFOUND:
        out = VERIFY_STALE;
        goto fail;
    case ACCT_EMAIL_TAKEN:
        out = VERIFY_TAKEN;
        goto fail;
    default:
        out = VERIFY_ERR;
        goto fail;
    }
    if (proven(c, a, *account_id, in->signed_in_as, in->lang, now, removed) != 0) goto fail;
    audit_log(c, *account_id, AUDIT_EMAIL_VERIFIED, ip, *email, now);
    if (st_commit(c) != ST_OK) return VERIFY_ERR;
    if (removed->identities || removed->sessions) mail_kick();
    return VERIFY_OK;
fail:
    st_rollback(c);
    return out;
}

enum resend_rc verify_resend(struct arena *a, int64_t account_id, const char *ip, const char *lang,
                             int64_t now)
{
    struct st_conn *c = st_get();
    if (!c) return RESEND_ERR;
    struct account acct;
    if (account_by_id(c, a, account_id, &acct) != ACCT_OK) return RESEND_ERR;
    if (!acct.email || acct.email_verified) return RESEND_NOTHING;
    char *k1 = arena_printf(a, "resend:acct:%lld", (long long)account_id);
    char *k2 = arena_printf(a, "resend:acctday:%lld", (long long)account_id);
    char *k3 = arena_printf(a, "resend:ip:%s", ip);
    const char *keys[3] = {k1, k2, k3};
    const struct rate *rates[3] = {&cfg->limit_resend_account, &cfg->limit_resend_account_day,
                                   &cfg->limit_resend_ip};
    enum rl_rc rl = ratelimit_hit_all(c, 3, keys, rates, now);
    if (rl == RL_ERR) return RESEND_ERR;
    if (rl == RL_DENY) return RESEND_LIMITED;
    if (st_begin(c) != ST_OK) return RESEND_ERR;
    if (verify_send(c, a, account_id, acct.email, lang, now) != 0) goto fail;
    audit_log(c, account_id, AUDIT_VERIFY_RESENT, ip, NULL, now);
    if (st_commit(c) != ST_OK) return RESEND_ERR;
    mail_kick();
    return RESEND_OK;
fail:
    st_rollback(c);
    return RESEND_ERR;
}
