/* twostep: see twostep.h. */
#include "twostep.h"

#include <string.h>
#include <time.h>

#include "arena.h"
#include "audit.h"
#include "captcha.h"
#include "config.h"
#include "login.h"
#include "mfa.h"
#include "mfa_pending.h"
#include "ratelimit.h"
#include "store.h"

static const struct rate fail_rate = {1000000, LOGIN_FAIL_WINDOW};

int twostep_begin(int64_t account, const char *first_amr, const char *next, char tok[TOKEN_LEN + 1])
{
    struct st_conn *c = st_get();
    if (!c) return -1;
    char h[TOKEN_HASH_LEN + 1];
    token_new_hashed(tok, h);
    int64_t now = time(NULL);
    return mfa_pending_insert(c, h, account, first_amr, next, now, now + TWOSTEP_TTL);
}

static enum st_rc load(struct st_conn *c, struct arena *a, const char *tok, int64_t now,
                       struct mfa_pending_row *row)
{
    if (!tok || !token_wellformed(tok)) return ST_NOTFOUND;
    char h[TOKEN_HASH_LEN + 1];
    token_hash(tok, h);
    return mfa_pending_get(c, a, h, now, row);
}

static int take(struct st_conn *c, const char *tok, int64_t now)
{
    char h[TOKEN_HASH_LEN + 1];
    token_hash(tok, h);
    return mfa_pending_take(c, h, now);
}

static const char *ip_key(struct arena *a, const char *ip)
{
    return arena_printf(a, "2fafail:ip:%s", ip);
}

static const char *acct_key(struct arena *a, int64_t account)
{
    return arena_printf(a, "2fafail:acct:%lld", (long long)account);
}

static int captcha_due(struct st_conn *c, struct arena *a, int64_t account, const char *ip,
                       int64_t now)
{
    int64_t fi = ratelimit_peek(c, ip_key(a, ip), LOGIN_FAIL_WINDOW, now);
    int64_t fa = ratelimit_peek(c, acct_key(a, account), LOGIN_FAIL_WINDOW, now);
    if (fi < 0 || fa < 0) return -1;
    return fi >= cfg->login_captcha_after || fa >= cfg->login_captcha_after;
}

int twostep_get(struct arena *a, const char *tok, const char *ip, struct twostep_state *out)
{
    memset(out, 0, sizeof(*out));
    struct st_conn *c = st_get();
    if (!c) return -1;
    int64_t now = time(NULL);
    struct mfa_pending_row row;
    enum st_rc rc = load(c, a, tok, now, &row);
    if (rc == ST_NOTFOUND) return 0;
    if (rc != ST_OK) return -1;
    struct mfa_factors f;
    if (mfa_factors(c, row.account_id, &f) != 0) return -1;
    out->account_id = row.account_id;
    out->first_amr = row.first_amr;
    out->next = row.next;
    out->totp = f.totp;
    out->passkeys = f.passkeys;
    int due = captcha_due(c, a, row.account_id, ip, now);
    if (due < 0) return -1;
    out->want_captcha = due;
    return 1;
}

static enum twostep_rc failed(struct st_conn *c, struct arena *a, int64_t account, const char *ip,
                              int64_t now, struct twostep_out *out, enum twostep_rc rc)
{
    ratelimit_hit(c, ip_key(a, ip), &fail_rate, now);
    ratelimit_hit(c, acct_key(a, account), &fail_rate, now);
    audit_log(c, account, AUDIT_MFA_FAILED, ip, NULL, now);
    out->want_captcha = captcha_due(c, a, account, ip, now) != 0;
    return rc;
}

enum twostep_rc twostep_code(struct arena *a, const struct twostep_in *in, struct twostep_out *out)
{
    memset(out, 0, sizeof(*out));
    struct st_conn *c = st_get();
    if (!c) return TWOSTEP_BUSY;
    int64_t now = time(NULL);
    struct mfa_pending_row row;
    enum st_rc rc = load(c, a, in->tok, now, &row);
    if (rc == ST_NOTFOUND) return TWOSTEP_GONE;
    if (rc != ST_OK) return TWOSTEP_BUSY;
    int64_t acct = row.account_id;
    const char *keys[2] = {arena_printf(a, "2fa:ip:%s", in->ip),
                           arena_printf(a, "2fa:acct:%lld", (long long)acct)};
    const struct rate *rates[2] = {&cfg->limit_login_ip, &cfg->limit_login_account};
    unsigned over = 0;
    if (ratelimit_hit_each(c, 2, keys, rates, now, &over) == RL_ERR) return TWOSTEP_BUSY;
    if (over & 1u) return TWOSTEP_LIMITED;
    int due = captcha_due(c, a, acct, in->ip, now);
    if (due < 0) return TWOSTEP_BUSY;
    if (due || (over & 2u)) {
        out->want_captcha = 1;
        if (!in->captcha_id) return TWOSTEP_CAPTCHA_NEEDED;
        enum captcha_rc cr = captcha_check(a, in->captcha_id, in->captcha_answer, now);
        if (cr == CAPTCHA_STORE_ERR) return TWOSTEP_BUSY;
        if (cr == CAPTCHA_MISSING) return TWOSTEP_CAPTCHA_MISSING;
        if (cr != CAPTCHA_OK) return failed(c, a, acct, in->ip, now, out, TWOSTEP_CAPTCHA_WRONG);
    }
    if (st_begin(c) != ST_OK) return TWOSTEP_BUSY;
    enum mfa_rc m = mfa_prove_code(c, a, acct, in->code, in->ip, now, &out->recovery_used);
    if (m == MFA_ERR) goto busy;
    if (m != MFA_OK) {
        st_rollback(c);
        return failed(c, a, acct, in->ip, now, out, m == MFA_REUSED ? TWOSTEP_REUSED : TWOSTEP_BAD);
    }
    int t = take(c, in->tok, now);
    if (t < 0) goto busy;
    if (t == 0) {
        st_rollback(c);
        return TWOSTEP_GONE;
    }
    audit_log(c, acct, AUDIT_LOGIN, in->ip, out->recovery_used ? "recovery_code" : "totp", now);
    if (out->recovery_used &&
        mfa_notice(c, a, acct, cfg->default_lang, "mfa.notice.recovery_used", now) != 0)
        goto busy;
    if (st_commit(c) != ST_OK) return TWOSTEP_BUSY;
    ratelimit_reset(c, acct_key(a, acct));
    out->account_id = acct;
    out->amr = arena_printf(a, "%s otp mfa", row.first_amr);
    out->next = row.next;
    return TWOSTEP_OK;
busy:
    st_rollback(c);
    return TWOSTEP_BUSY;
}

enum twostep_rc twostep_passkey(struct arena *a, const char *tok, int64_t account,
                                const char *passkey_amr, struct twostep_out *out)
{
    memset(out, 0, sizeof(*out));
    struct st_conn *c = st_get();
    if (!c) return TWOSTEP_BUSY;
    int64_t now = time(NULL);
    struct mfa_pending_row row;
    enum st_rc rc = load(c, a, tok, now, &row);
    if (rc == ST_NOTFOUND || (rc == ST_OK && row.account_id != account)) return TWOSTEP_GONE;
    if (rc != ST_OK) return TWOSTEP_BUSY;
    int t = take(c, tok, now);
    if (t <= 0) return t < 0 ? TWOSTEP_BUSY : TWOSTEP_GONE;
    out->account_id = account;
    out->amr = arena_printf(a, "%s %s", row.first_amr, passkey_amr);
    out->next = row.next;
    return TWOSTEP_OK;
}
