/* reauth: rate limit → the account's hash → argon2id verify (the dummy hash when there is none,
 * so the answer takes the same time) → audit; a code: rate limit → mfa_prove_code in a
 * transaction → audit (and the notice mail for a recovery code). The providers offered instead are
 * the bound ones, each with its /auth/PROVIDER?intent=reauth (oauth_flow.c, wechat_login.c), and
 * only those offered now (ways_in_provider): a removed provider's link would lead nowhere. */
#include "reauth.h"

#include <string.h>
#include <time.h>

#include "account.h"
#include "arena.h"
#include "audit.h"
#include "config.h"
#include "identity.h"
#include "mfa.h"
#include "password.h"
#include "ratelimit.h"
#include "store.h"
#include "ways_in.h"

static const char *fail_key(struct arena *a, int64_t account_id)
{
    return arena_printf(a, "reauthfail:acct:%lld", (long long)account_id);
}

/* REAUTH_LIMITED past limit_login_account wrong answers lately, REAUTH_ERR, else REAUTH_OK. */
static enum reauth_rc limited(struct st_conn *c, struct arena *a, int64_t account_id, int64_t now)
{
    int64_t fails =
        ratelimit_peek(c, fail_key(a, account_id), cfg->limit_login_account.window, now);
    if (fails < 0) return REAUTH_ERR;
    return fails >= cfg->limit_login_account.count ? REAUTH_LIMITED : REAUTH_OK;
}

/* A wrong answer: counted, audited; rc returned. */
static enum reauth_rc failed(struct st_conn *c, struct arena *a, int64_t account_id, const char *ip,
                             int64_t now, enum reauth_rc rc)
{
    const struct rate count_all = {1000000, cfg->limit_login_account.window};
    ratelimit_hit(c, fail_key(a, account_id), &count_all, now);
    audit_log(c, account_id, AUDIT_REAUTH_FAILED, ip, NULL, now);
    return rc;
}

enum reauth_rc reauth_password(struct arena *a, int64_t account_id, const char *password,
                               const char *ip)
{
    struct st_conn *c = st_get();
    if (!c) return REAUTH_ERR;
    int64_t now = time(NULL);
    struct account acct;
    enum acct_rc ar = account_by_id(c, a, account_id, &acct);
    if (ar != ACCT_OK) return REAUTH_ERR;
    if (!acct.password_hash) return REAUTH_NO_PASSWORD;
    enum reauth_rc lim = limited(c, a, account_id, now);
    if (lim != REAUTH_OK) return lim;
    const char *pw = password_normalize(a, password ? password : "");
    int rehash = 0;
    enum pw_rc pr = password_verify(acct.password_hash, pw, &rehash);
    if (pr == PWR_BUSY) return REAUTH_BUSY;
    if (pr == PWR_ERR) return REAUTH_ERR;
    if (pr != PWR_OK) return failed(c, a, account_id, ip, now, REAUTH_BAD);
    audit_log(c, account_id, AUDIT_REAUTH, ip, "password", now);
    return REAUTH_OK;
}

enum reauth_rc reauth_code(struct arena *a, int64_t account_id, const char *code, const char *ip,
                           const char *lang)
{
    struct st_conn *c = st_get();
    if (!c) return REAUTH_ERR;
    int64_t now = time(NULL);
    enum reauth_rc lim = limited(c, a, account_id, now);
    if (lim != REAUTH_OK) return lim;
    if (st_begin(c) != ST_OK) return REAUTH_ERR;
    int recovery = 0;
    enum mfa_rc m = mfa_prove_code(c, a, account_id, code, ip, now, &recovery);
    if (m == MFA_ERR) goto fail;
    if (m != MFA_OK) {
        st_rollback(c);
        return failed(c, a, account_id, ip, now, m == MFA_REUSED ? REAUTH_REUSED : REAUTH_BAD);
    }
    if (!recovery) {
        audit_log(c, account_id, AUDIT_REAUTH, ip, "totp", now);
        if (st_commit(c) != ST_OK) goto fail;
        return REAUTH_OK;
    }
    /* a recovery code: audited as used (mfa_prove_code) and mailed, like at sign-in */
    return mfa_commit_change(c, a, account_id, AUDIT_REAUTH, ip, "recovery_code", lang,
                             "mfa.notice.recovery_used", now) == 0
               ? REAUTH_OK
               : REAUTH_ERR;
fail:
    if (st_in_transaction(c)) st_rollback(c);
    return REAUTH_ERR;
}

int reauth_passkey_done(int64_t account_id, const char *ip)
{
    struct st_conn *c = st_get();
    if (!c) return -1;
    audit_log(c, account_id, AUDIT_REAUTH, ip, "passkey", time(NULL));
    return 0;
}

int reauth_ways(struct arena *a, int64_t account_id, struct reauth_ways *out)
{
    memset(out, 0, sizeof(*out));
    struct st_conn *c = st_get();
    if (!c) return -1;
    struct account acct;
    struct mfa_factors f;
    if (account_by_id(c, a, account_id, &acct) != ACCT_OK || mfa_factors(c, account_id, &f) != 0)
        return -1;
    out->totp = f.totp;
    out->passkeys = f.passkeys;
    out->factor = f.totp || f.passkeys > 0;
    if (out->factor) return 0;
    out->has_password = acct.password_hash != NULL;
    struct identity *ids = NULL;
    int k = 0;
    if (identity_list(c, a, account_id, &ids, &k) != 0) return -1;
    const char **v = arena_alloc(a, sizeof(*v) * (size_t)(k + 1));
    int m = 0;
    for (int i = 0; i < k; i++)
        if (ways_in_provider(ids[i].provider)) v[m++] = ids[i].provider;
    out->providers = v;
    out->nproviders = m;
    return 0;
}
