/* reauth: rate limit → the account's hash → argon2id verify (the dummy hash when there is none,
 * so the answer takes the same time) → audit. The providers offered instead are the bound ones,
 * each with its /auth/PROVIDER?intent=reauth (oauth_flow.c, wechat_login.c), and only those
 * offered now (ways_in_provider): a removed provider's link would lead nowhere. */
#include "reauth.h"

#include <time.h>

#include "account.h"
#include "arena.h"
#include "audit.h"
#include "config.h"
#include "identity.h"
#include "password.h"
#include "ratelimit.h"
#include "store.h"
#include "ways_in.h"

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
    const char *key = arena_printf(a, "reauthfail:acct:%lld", (long long)account_id);
    int64_t fails = ratelimit_peek(c, key, cfg->limit_login_account.window, now);
    if (fails < 0) return REAUTH_ERR;
    if (fails >= cfg->limit_login_account.count) return REAUTH_LIMITED;
    const char *pw = password_normalize(a, password ? password : "");
    int rehash = 0;
    enum pw_rc pr = password_verify(acct.password_hash, pw, &rehash);
    if (pr == PWR_BUSY) return REAUTH_BUSY;
    if (pr == PWR_ERR) return REAUTH_ERR;
    if (pr != PWR_OK) {
        const struct rate count_all = {1000000, cfg->limit_login_account.window};
        ratelimit_hit(c, key, &count_all, now);
        audit_log(c, account_id, AUDIT_REAUTH_FAILED, ip, NULL, now);
        return REAUTH_BAD;
    }
    audit_log(c, account_id, AUDIT_REAUTH, ip, "password", now);
    return REAUTH_OK;
}

int reauth_methods(struct arena *a, int64_t account_id, const char ***out, int *n,
                   int *has_password)
{
    struct st_conn *c = st_get();
    if (!c) return -1;
    struct account acct;
    if (account_by_id(c, a, account_id, &acct) != ACCT_OK) return -1;
    *has_password = acct.password_hash != NULL;
    struct identity *ids = NULL;
    int k = 0;
    if (identity_list(c, a, account_id, &ids, &k) != 0) return -1;
    const char **v = arena_alloc(a, sizeof(*v) * (size_t)(k + 1));
    int m = 0;
    for (int i = 0; i < k; i++)
        if (ways_in_provider(ids[i].provider)) v[m++] = ids[i].provider;
    *out = v;
    *n = m;
    return 0;
}
