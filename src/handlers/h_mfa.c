/* h_mfa: the second step of a sign-in (/login/2fa) and the decision every sign-in goes through
 * (h_mfa_signin): a second factor asked when the account has one, set-up offered when the
 * operator requires one. */
#include <string.h>
#include <time.h>

#include "arena.h"
#include "captcha.h"
#include "config.h"
#include "handlers.h"
#include "http.h"
#include "i18n.h"
#include "mfa.h"
#include "page.h"
#include "tmpl.h"
#include "twostep.h"
#include "websession.h"

#define SECURITY "/settings/security"

/* 1 when amr is a provider's (not a password) and the operator trusts providers' own checks. */
static int trusted_provider(const char *amr)
{
    return cfg->trust_provider_mfa && strcmp(amr, "pwd") != 0;
}

const char *h_mfa_signin(struct req *r, int64_t account, const char *amr, const char *next)
{
    int has = mfa_has_factor(account);
    if (has < 0) return NULL;
    if (has && !trusted_provider(amr)) {
        char tok[TOKEN_LEN + 1];
        if (twostep_begin(account, amr, next, tok) != 0) return NULL;
        resp_cookie(r, MFA_COOKIE, tok, TWOSTEP_TTL);
        return "/login/2fa";
    }
    if (websession_begin(r, account, amr) != 0) return NULL;
    if (!has && cfg->require_2fa) return SECURITY "?setup=1";
    return next ? next : "/console";
}

static void render(struct req *r, int status, const struct twostep_state *st, const char *err_key,
                   int want_captcha)
{
    struct tmpl_ctx *c = page_ctx(r);
    tmpl_set_bool(c, "totp", st->totp);
    tmpl_set_bool(c, "passkeys", st->passkeys > 0);
    tmpl_set(c, "refresh_href", "/login/2fa");
    if (err_key) tmpl_set(c, "form_error", i18n_get(i18n_cat(r->lang), err_key));
    if (want_captcha || st->want_captcha) page_captcha(r, c);
    page_render(r, status, "login_2fa", c);
}

static void gone(struct req *r)
{
    resp_cookie(r, MFA_COOKIE, "", -1);
    page_notice(r, 410, "mfa.gone.title", "mfa.gone.text", "/login", "login.title");
}

void h_mfa_form(struct req *r)
{
    struct twostep_state st;
    int n = twostep_get(r->a, req_cookie(r, MFA_COOKIE), r->ip, &st);
    if (n < 0) return page_error(r, 503, "error.unavailable");
    if (n == 0) return gone(r);
    render(r, 200, &st, NULL, 0);
}

static const struct page_outcome refusals[] = {
    {TWOSTEP_BAD, 401, NULL, "mfa.err.bad"},
    {TWOSTEP_REUSED, 401, NULL, "mfa.err.reused"},
    {TWOSTEP_CAPTCHA_NEEDED, 401, NULL, "login.err.captcha_needed"},
    {TWOSTEP_CAPTCHA_WRONG, 401, NULL, "captcha.err.wrong"},
    {TWOSTEP_CAPTCHA_MISSING, 401, NULL, "captcha.err.missing"},
    {TWOSTEP_LIMITED, 429, NULL, "login.err.rate"},
    {TWOSTEP_BUSY, 503, NULL, "error.busy"},
    {0, 0, NULL, "error.unavailable"},
};

/* Signs the browser in after a second step: the session, the two-step cookie gone. */
void h_mfa_done(struct req *r, const struct twostep_out *out)
{
    resp_cookie(r, MFA_COOKIE, "", -1);
    if (websession_begin(r, out->account_id, out->amr) != 0)
        return page_error(r, 503, "error.unavailable");
    resp_redirect(r, out->next ? out->next : "/console");
}

void h_mfa_submit(struct req *r)
{
    struct twostep_in in = {
        .tok = req_cookie(r, MFA_COOKIE),
        .code = req_form(r, "code"),
        .captcha_id = req_form(r, "captcha_id"),
        .captcha_answer = req_form(r, "captcha"),
        .ip = r->ip,
    };
    struct twostep_out out;
    enum twostep_rc rc = twostep_code(r->a, &in, &out);
    if (rc == TWOSTEP_OK) return h_mfa_done(r, &out);
    if (rc == TWOSTEP_GONE) return gone(r);
    struct twostep_state st;
    int n = twostep_get(r->a, in.tok, r->ip, &st);
    if (n < 0) return page_error(r, 503, "error.unavailable");
    if (n == 0) return gone(r);
    const struct page_outcome *o = page_outcome_find(refusals, (int)rc);
    render(r, o->status ? o->status : 503, &st, o->msg_key,
           out.want_captcha || rc == TWOSTEP_CAPTCHA_NEEDED || rc == TWOSTEP_CAPTCHA_WRONG);
}
