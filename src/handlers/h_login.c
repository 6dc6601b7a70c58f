/* h_login: the sign-in form, its submission and signing out. */
#include <string.h>
#include <time.h>

#include "arena.h"
#include "captcha.h"
#include "handlers.h"
#include "http.h"
#include "i18n.h"
#include "login.h"
#include "opsmetrics.h"
#include "page.h"
#include "websession.h"
#include "text.h"
#include "tmpl.h"

/* A field left empty: its own message under it (the form has novalidate: the page's language,
 * not the browser's bubble) and the summary above. */
static void empty_fields(struct req *r, struct tmpl_ctx *c, const char *identifier,
                         const char *password)
{
    const struct i18n_cat *cat = i18n_cat(r->lang);
    if (!identifier || !*identifier)
        tmpl_set(c, "err_identifier", i18n_get(cat, "login.err.identifier_empty"));
    if (!password || !*password)
        tmpl_set(c, "err_password", i18n_get(cat, "login.err.password_empty"));
}

static void render_form(struct req *r, int status, const char *identifier, const char *err_key,
                        int want_captcha)
{
    struct tmpl_ctx *c = page_ctx(r);
    tmpl_set(c, "identifier", identifier);
    if (err_key && !strcmp(err_key, "signup.err.summary"))
        empty_fields(r, c, identifier, req_form(r, "password"));
    const char *next = req_arg(r, "next");
    if (!next) next = req_form(r, "next");
    if (http_safe_next(next)) tmpl_set(c, "next", next);
    if (http_safe_next(next)) tmpl_set(c, "next_q", text_urlencode(r->a, next));
    if (!identifier) identifier = req_arg(r, "login_hint"); /* OpenID Connect login_hint */
    tmpl_set(c, "refresh_href", "/login");
    if (err_key) tmpl_set(c, "form_error", i18n_get(i18n_cat(r->lang), err_key));
    if (want_captcha || login_captcha_for_ip(r->a, r->ip)) {
        int cs = page_captcha(r, c);
        if (cs) status = cs;
    }
    page_render(r, status, "login", c);
}

void h_login_form(struct req *r)
{
    if (r->sess) {
        resp_redirect(r, "/console");
        return;
    }
    render_form(r, 200, NULL, NULL, 0);
}

/* The refusals: the form again with the message, and the captcha after the captcha's own
 * refusals and the rate limit (after a wrong password: when login_run asks for it). */
static const struct page_outcome refusals[] = {
    {LOGIN_BAD, 401, NULL, "login.err.bad"},
    {LOGIN_CAPTCHA_NEEDED, 401, NULL, "login.err.captcha_needed"},
    {LOGIN_CAPTCHA_WRONG, 401, NULL, "captcha.err.wrong"},
    {LOGIN_CAPTCHA_MISSING, 401, NULL, "captcha.err.missing"},
    {LOGIN_DISABLED, 403, NULL, "login.err.disabled"},
    {LOGIN_LIMITED, 429, NULL, "login.err.rate"},
    {LOGIN_BUSY, 503, NULL, "error.busy"},
    {0, 0, NULL, "error.unavailable"},
};

void h_login_submit(struct req *r)
{
    struct login_in in = {
        .identifier = req_form(r, "identifier"),
        .password = req_form(r, "password"),
        .captcha_id = req_form(r, "captcha_id"),
        .captcha_answer = req_form(r, "captcha"),
        .ip = r->ip,
    };
    if (!in.identifier || !*in.identifier || !in.password || !*in.password) {
        render_form(r, 400, in.identifier, "signup.err.summary", in.captcha_id != NULL);
        return;
    }
    struct login_out out;
    enum login_rc rc = login_run(r->a, &in, &out);
    opsmetrics_signin("password", rc);
    if (rc != LOGIN_OK) {
        const struct page_outcome *o = page_outcome_own(r, refusals, (int)rc, NULL, NULL);
        int captcha = rc == LOGIN_BAD ? out.want_captcha : rc != LOGIN_DISABLED && rc != LOGIN_BUSY;
        if (o) render_form(r, o->status, in.identifier, o->msg_key, captcha);
        return;
    }
    const char *next = req_form(r, "next");
    const char *to = h_mfa_signin(r, out.account_id, "pwd", http_safe_next(next) ? next : NULL);
    if (!to) {
        page_error(r, 503, "error.unavailable");
        return;
    }
    resp_redirect(r, to);
}

void h_logout(struct req *r)
{
    websession_end(r);
    resp_redirect(r, "/");
}
