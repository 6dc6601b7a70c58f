/* signup: rate limit → captcha (consumed) → field rules → taken checks → hash → one
 * transaction (account, token, outbox, audit); all but the captcha are registration's. With
 * a passkey instead of a password: no password rule, no hash, an account without one. */
#include "signup.h"

#include <string.h>
#include <time.h>

#include "captcha.h"
#include "store.h"

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

enum reg_outcome signup_run(struct arena *a, const struct signup_in *in, struct signup_out *out)
{
    memset(out, 0, sizeof(*out));
    int64_t now = time(NULL);
    struct st_conn *c = NULL;
    enum reg_outcome o = registration_start(a, in->ip, now, &c);
    if (o != REG_OK) return o;

    enum captcha_rc cr = captcha_check(a, in->captcha_id, in->captcha_answer, now);
    if (cr == CAPTCHA_STORE_ERR) return REG_STORE_ERR;
    if (cr != CAPTCHA_OK) out->errors[RF_CAPTCHA] = captcha_key(cr);

    struct reg_fields f = {
        .username = in->username,
        .email = in->email,
        .password = in->password,
        .terms = in->terms,
        .with_password = !in->passkey,
        .email_taken_key = "signup.err.email_taken",
    };
    struct reg_form form;
    o = registration_check(c, a, &f, &form, out->errors);
    if (o != REG_OK) return o;
    struct reg_new n = {
        .form = &form,
        .email_taken_key = f.email_taken_key,
        .ip = in->ip,
        .lang = in->lang,
        .audit_detail = in->passkey ? "passkey" : "email",
    };
    return registration_create(c, a, &n, out->errors, &out->account_id);
}
