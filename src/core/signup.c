/* signup: rate limit → captcha (consumed) → field rules → taken checks → hash → one
 * transaction (account, token, outbox, audit). */
#include "signup.h"

#include <string.h>
#include <time.h>

#include "account.h"
#include "arena.h"
#include "audit.h"
#include "captcha.h"
#include "config.h"
#include "log.h"
#include "mail.h"
#include "password.h"
#include "ratelimit.h"
#include "store.h"
#include "verify.h"

static const char *captcha_key(enum captcha_rc rc)
{
    switch (rc) {
    case CAPTCHA_MISSING:
        return "captcha.err.missing";
    case CAPTCHA_UNKNOWN:
        return "captcha.err.expired";
    default:
        return "captcha.err.wrong";
    }
}

static int has_errors(const struct signup_out *o)
{
    for (int i = 0; i < SF_COUNT; i++)
        if (o->errors[i]) return 1;
    return 0;
}

/* field rules; fills out->errors and the canonical forms */
static void check_fields(struct arena *a, const struct signup_in *in, struct signup_out *out,
                         const char **user, const char **email, const char **email_norm,
                         const char **pw)
{
    enum name_rc nr = account_username_normalize(a, in->username, user);
    if (nr != NAME_OK) out->errors[SF_USERNAME] = account_name_error(nr);
    enum email_rc er = account_email_normalize(a, in->email, email, email_norm);
    if (er != EMAIL_OK) out->errors[SF_EMAIL] = account_email_error(er);
    enum pw_policy pr = password_check(a, in->password, nr == NAME_OK ? *user : in->username,
                                       er == EMAIL_OK ? *email : NULL, pw);
    if (pr != PW_OK) out->errors[SF_PASSWORD] = password_policy_error(pr);
    if (!in->terms) out->errors[SF_TERMS] = "signup.err.terms";
}

static void fail_status(struct signup_out *out, int status, const char *key)
{
    out->status = status;
    out->error = key;
}

void signup_run(struct arena *a, const struct signup_in *in, struct signup_out *out)
{
    memset(out, 0, sizeof(*out));
    int64_t now = time(NULL);
    struct st_conn *c = st_get();
    if (!c) return fail_status(out, 503, "error.unavailable");
    enum rl_rc rl =
        ratelimit_hit(c, arena_printf(a, "signup:ip:%s", in->ip), &cfg->limit_signup_ip, now);
    if (rl == RL_ERR) return fail_status(out, 503, "error.unavailable");
    if (rl == RL_DENY) return fail_status(out, 429, "signup.err.rate");

    enum captcha_rc cr = captcha_check(a, in->captcha_id, in->captcha_answer, now);
    if (cr == CAPTCHA_STORE_ERR) return fail_status(out, 503, "error.unavailable");
    if (cr != CAPTCHA_OK) out->errors[SF_CAPTCHA] = captcha_key(cr);

    const char *user = NULL, *email = NULL, *email_norm = NULL, *pw = NULL;
    check_fields(a, in, out, &user, &email, &email_norm, &pw);
    out->status = 400;
    if (has_errors(out)) return;

    int taken = account_username_exists(c, user);
    if (taken < 0) return fail_status(out, 503, "error.unavailable");
    if (taken) out->errors[SF_USERNAME] = "signup.err.username_taken";
    taken = account_email_verified_elsewhere(c, email_norm, 0);
    if (taken < 0) return fail_status(out, 503, "error.unavailable");
    if (taken) out->errors[SF_EMAIL] = "signup.err.email_taken";
    if (has_errors(out)) return;

    char hash[PASSWORD_HASH_MAX];
    enum pw_rc hr = password_hash(pw, hash);
    if (hr == PWR_BUSY) return fail_status(out, 503, "error.busy");
    if (hr != PWR_OK) return fail_status(out, 503, "error.unavailable");

    if (st_begin(c) != ST_OK) return fail_status(out, 503, "error.unavailable");
    enum acct_rc ar = account_insert(c, user, email, email_norm, 0, hash, now, &out->account_id);
    if (ar == ACCT_USERNAME_TAKEN) out->errors[SF_USERNAME] = "signup.err.username_taken";
    if (ar == ACCT_EMAIL_TAKEN) out->errors[SF_EMAIL] = "signup.err.email_taken";
    if (ar != ACCT_OK) goto fail;
    if (verify_send(c, a, out->account_id, email, in->lang, now) != 0) goto fail;
    audit_log(c, out->account_id, "signup", in->ip, "email", now);
    if (st_commit(c) != ST_OK) goto fail;
    mail_kick();
    out->status = 200;
    log_info("signup: account %lld created", (long long)out->account_id);
    return;
fail:
    st_rollback(c);
    out->account_id = 0;
    if (!has_errors(out)) fail_status(out, 503, "error.unavailable");
}
