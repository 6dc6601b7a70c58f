/* h_login: the sign-in form, its submission and signing out. */
#include <string.h>
#include <time.h>

#include "arena.h"
#include "captcha.h"
#include "handlers.h"
#include "http.h"
#include "i18n.h"
#include "login.h"
#include "page.h"
#include "websession.h"
#include "tmpl.h"

static void render_form(struct req *r, int status, const char *identifier, const char *err_key,
                        int want_captcha)
{
    struct tmpl_ctx *c = page_ctx(r);
    tmpl_set(c, "identifier", identifier);
    const char *next = req_arg(r, "next");
    if (!next) next = req_form(r, "next");
    if (http_safe_next(next)) tmpl_set(c, "next", next);
    tmpl_set(c, "refresh_href", "/login");
    if (err_key) tmpl_set(c, "form_error", i18n_get(i18n_cat(r->lang), err_key));
    if (want_captcha || login_captcha_for_ip(r->a, r->ip)) {
        char *id = NULL, *img = NULL;
        if (captcha_new(r->a, time(NULL), &id, &img) == 0) {
            tmpl_set(c, "captcha_id", id);
            tmpl_set(c, "captcha_img", img);
        } else {
            tmpl_set(c, "captcha_error", i18n_get(i18n_cat(r->lang), "error.unavailable"));
            status = 503;
        }
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

void h_login_submit(struct req *r)
{
    struct login_in in = {
        .identifier = req_form(r, "identifier"),
        .password = req_form(r, "password"),
        .captcha_id = req_form(r, "captcha_id"),
        .captcha_answer = req_form(r, "captcha"),
        .ip = r->ip,
    };
    struct login_out out;
    enum login_rc rc = login_run(r->a, &in, &out);
    switch (rc) {
    case LOGIN_OK:
        break;
    case LOGIN_BAD:
        render_form(r, 401, in.identifier, "login.err.bad", out.want_captcha);
        return;
    case LOGIN_CAPTCHA_NEEDED:
        render_form(r, 401, in.identifier, "login.err.captcha_needed", 1);
        return;
    case LOGIN_CAPTCHA_WRONG:
        render_form(r, 401, in.identifier, "captcha.err.wrong", 1);
        return;
    case LOGIN_CAPTCHA_MISSING:
        render_form(r, 401, in.identifier, "captcha.err.missing", 1);
        return;
    case LOGIN_DISABLED:
        render_form(r, 403, in.identifier, "login.err.disabled", 0);
        return;
    case LOGIN_LIMITED:
        render_form(r, 429, in.identifier, "login.err.rate", 1);
        return;
    default:
        render_form(r, 503, in.identifier, "error.busy", 0);
        return;
    }
    if (websession_begin(r, out.account_id) != 0) {
        page_error(r, 503, "error.unavailable");
        return;
    }
    const char *next = req_form(r, "next");
    resp_redirect(r, http_safe_next(next) ? next : "/console");
}

void h_logout(struct req *r)
{
    websession_end(r);
    resp_redirect(r, "/");
}
