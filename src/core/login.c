/* login: limits → captcha when failures piled up → lookup → verify (dummy hash when there is
 * nothing to verify) → count failure or reset, re-hash when parameters changed. */
#include "login.h"

#include <string.h>
#include <time.h>

#include "account.h"
#include "arena.h"
#include "audit.h"
#include "captcha.h"
#include "config.h"
#include "log.h"
#include "password.h"
#include "ratelimit.h"
#include "store.h"
#include "text.h"

static const struct rate fail_rate = {1000000, LOGIN_FAIL_WINDOW};

/* The failure counter's key: the account's once the identifier names one, so its username
 * and its email share one count; the identifier's when it names none, so unknown names are
 * counted too (never a way around the captcha). */
static char *id_key(struct arena *a, const char *identifier, const struct account *acct)
{
    if (acct->id) return arena_printf(a, "loginfail:acct:%lld", (long long)acct->id);
    const char *f = text_fold(a, text_trim(a, identifier ? identifier : ""));
    return arena_printf(a, "loginfail:id:%.200s", f ? f : "");
}

static int64_t failures(struct st_conn *c, const char *key, int64_t now)
{
    return ratelimit_peek(c, key, LOGIN_FAIL_WINDOW, now);
}

int login_captcha_for_ip(struct arena *a, const char *ip)
{
    struct st_conn *c = st_get();
    if (!c) return 0;
    return failures(c, arena_printf(a, "loginfail:ip:%s", ip), time(NULL)) >=
           cfg->login_captcha_after;
}

static enum login_rc fail(struct st_conn *c, const char *ipk, const char *idk, int64_t acct,
                          const char *ip, int64_t now, struct login_out *out, enum login_rc rc)
{
    ratelimit_hit(c, ipk, &fail_rate, now);
    ratelimit_hit(c, idk, &fail_rate, now);
    if (acct) audit_log(c, acct, AUDIT_LOGIN_FAILED, ip, NULL, now);
    out->want_captcha = failures(c, ipk, now) >= cfg->login_captcha_after ||
                        failures(c, idk, now) >= cfg->login_captcha_after;
    return rc;
}

enum login_rc login_run(struct arena *a, const struct login_in *in, struct login_out *out)
{
    memset(out, 0, sizeof(*out));
    int64_t now = time(NULL);
    struct st_conn *c = st_get();
    if (!c) return LOGIN_BUSY;
    const char *ipk = arena_printf(a, "loginfail:ip:%s", in->ip);
    /* looked up first, whatever comes next: the counters below are the account's */
    struct account acct = {0};
    enum acct_rc ar = account_by_login(c, a, in->identifier, &acct);
    if (ar == ACCT_STORE_ERR) return LOGIN_BUSY;
    if (ar != ACCT_OK) memset(&acct, 0, sizeof(acct));
    const char *idk = id_key(a, in->identifier, &acct);
    const char *keys[2] = {arena_printf(a, "login:ip:%s", in->ip),
                           arena_printf(a, "login:%s", idk)};
    const struct rate *rates[2] = {&cfg->limit_login_ip, &cfg->limit_login_account};
    /* Past the address's limit the answer is "too many"; past the account's, the captcha is
     * required: whoever tries an account from many addresses cannot lock its owner out. */
    unsigned over = 0;
    enum rl_rc rl = ratelimit_hit_each(c, 2, keys, rates, now, &over);
    if (rl == RL_ERR) return LOGIN_BUSY;
    if (over & 1u) return LOGIN_LIMITED;
    int account_busy = (over & 2u) != 0;

    int64_t fip = failures(c, ipk, now), fid = failures(c, idk, now);
    if (fip < 0 || fid < 0) return LOGIN_BUSY;
    if (account_busy || fip >= cfg->login_captcha_after || fid >= cfg->login_captcha_after) {
        out->want_captcha = 1;
        if (!in->captcha_id) return LOGIN_CAPTCHA_NEEDED;
        enum captcha_rc cr = captcha_check(a, in->captcha_id, in->captcha_answer, now);
        if (cr == CAPTCHA_STORE_ERR) return LOGIN_BUSY;
        if (cr == CAPTCHA_MISSING) return LOGIN_CAPTCHA_MISSING;
        if (cr != CAPTCHA_OK) return fail(c, ipk, idk, 0, in->ip, now, out, LOGIN_CAPTCHA_WRONG);
    }

    const char *pw = password_normalize(a, in->password ? in->password : "");
    int rehash = 0;
    enum pw_rc pr = password_verify(ar == ACCT_OK ? acct.password_hash : NULL, pw, &rehash);
    if (pr == PWR_BUSY || pr == PWR_ERR) return LOGIN_BUSY;
    if (pr != PWR_OK) return fail(c, ipk, idk, acct.id, in->ip, now, out, LOGIN_BAD);
    if (acct.status != 0) {
        audit_log(c, acct.id, AUDIT_LOGIN_REFUSED_DISABLED, in->ip, NULL, now);
        return LOGIN_DISABLED;
    }
    if (rehash) {
        char h[PASSWORD_HASH_MAX];
        if (password_hash(pw, h) == PWR_OK) account_set_password_hash(c, acct.id, h, now);
    }
    if (fid > 0) ratelimit_reset(c, idk);
    audit_log(c, acct.id, in->channel == LOGIN_REGISTRY ? AUDIT_REGISTRY_LOGIN : AUDIT_LOGIN,
              in->ip, "password", now);
    out->account_id = acct.id;
    return LOGIN_OK;
}
