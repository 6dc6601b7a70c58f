/* h_password: "forgot password" (/password/forgot: one answer for every address) and the
 * reset link's page (/password/reset: a new password, then sign in; the page's URL carries a
 * token, so no Referer leaves the site from it, and the token moves into the form). */
#include "config.h"
#include "handlers.h"
#include "http.h"
#include "i18n.h"
#include "page.h"
#include "reset.h"
#include "websession.h"
#include "tmpl.h"

static void render_forgot(struct req *r, int status, const char *email, const char *err, int sent)
{
    struct tmpl_ctx *c = page_ctx(r);
    tmpl_set(c, "email", email);
    tmpl_set(c, "duration", i18n_duration(r->a, r->lang, cfg->reset_ttl));
    if (err) tmpl_set(c, "err_email", page_t(r, c, err));
    if (sent) {
        tmpl_set_bool(c, "sent", 1);
        tmpl_set(c, "notice", page_t(r, c, "forgot.sent"));
    }
    page_render(r, status, "password_forgot", c);
}

void h_password_forgot_form(struct req *r)
{
    render_forgot(r, 200, req_arg(r, "email"), NULL, 0);
}

void h_password_forgot(struct req *r)
{
    const char *email = req_form(r, "email"), *err = NULL;
    switch (reset_request(r->a, email, r->ip, r->lang, &err)) {
    case RESET_OK:
        render_forgot(r, 200, email, NULL, 1);
        return;
    case RESET_INVALID:
        render_forgot(r, 400, email, err, 0);
        return;
    case RESET_LIMITED:
        render_forgot(r, 429, email, "forgot.err.limited", 0);
        return;
    default:
        page_error(r, 503, "error.unavailable");
        return;
    }
}

/* A link that cannot be used: why, and where to get a new one. */
static int bad_link(struct req *r, enum reset_rc rc)
{
    const char *key;
    int status;
    switch (rc) {
    case RESET_UNKNOWN:
        key = "reset.err.unknown", status = 404;
        break;
    case RESET_USED:
        key = "reset.err.used", status = 410;
        break;
    case RESET_EXPIRED:
        key = "reset.err.expired", status = 410;
        break;
    case RESET_STALE:
        key = "reset.err.stale", status = 410;
        break;
    default:
        return 0;
    }
    page_notice(r, status, "reset.err.title", key, "/password/forgot", "forgot.again");
    return 1;
}

static void render_reset(struct req *r, int status, const char *token, const char *username,
                         const char *err)
{
    struct tmpl_ctx *c = page_ctx(r);
    tmpl_set(c, "token", token);
    tmpl_set(c, "reset_user", username);
    if (err) {
        tmpl_set(c, "err_password", page_t(r, c, err));
        tmpl_set(c, "form_error", page_t(r, c, "signup.err.summary"));
    }
    page_render(r, status, "password_reset", c);
}

void h_password_reset_form(struct req *r)
{
    /* the URL carries the token: no Referer leaves the site; same-origin ones stay, so the
     * form's POST keeps its Origin (no-referrer would make it "null" and fail the CSRF check) */
    resp_header(r, "Referrer-Policy", "same-origin");
    const char *token = req_arg(r, "token");
    char *username = NULL;
    enum reset_rc rc = reset_check(r->a, token, &username);
    if (bad_link(r, rc)) return;
    if (rc != RESET_OK) {
        page_error(r, 503, "error.unavailable");
        return;
    }
    render_reset(r, 200, token, username, NULL);
}

void h_password_reset(struct req *r)
{
    const char *token = req_form(r, "token"), *err = NULL;
    enum reset_rc rc = reset_complete(r->a, token, req_form(r, "password"), r->ip, r->lang, &err);
    if (bad_link(r, rc)) return;
    switch (rc) {
    case RESET_OK:
        /* every session ended, this browser's too: it signs in with the new password */
        if (r->sess) websession_end(r);
        page_notice(r, 200, "reset.ok.title", "reset.ok.message", "/login", "login.title");
        return;
    case RESET_INVALID: {
        char *username = NULL;
        reset_check(r->a, token, &username);
        render_reset(r, 400, token, username, err);
        return;
    }
    case RESET_BUSY:
        page_error(r, 503, "error.busy");
        return;
    default:
        page_error(r, 503, "error.unavailable");
        return;
    }
}
