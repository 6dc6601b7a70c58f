/* h_password: "forgot password" (/password/forgot: one answer for every address) and the
 * reset link's page (/password/reset: a new password, then sign in; the page's URL carries a
 * token, so no Referer leaves the site from it, and the token moves into the form). */
#include "config.h"
#include "handlers.h"
#include "http.h"
#include "i18n.h"
#include "identity.h"
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

static const struct page_outcome forgot_refusals[] = {
    {RESET_INVALID, 400, NULL, NULL}, /* the domain's message for the field */
    {RESET_LIMITED, 429, NULL, "forgot.err.limited"},
    {0, 0, NULL, "error.unavailable"},
};

void h_password_forgot(struct req *r)
{
    const char *email = req_form(r, "email"), *err = NULL;
    int rc = reset_request(r->a, email, r->ip, r->lang, &err);
    if (rc == RESET_OK) {
        render_forgot(r, 200, email, NULL, 1);
        return;
    }
    const struct page_outcome *o = page_outcome_own(r, forgot_refusals, rc, NULL, NULL);
    if (o) render_forgot(r, o->status, email, o->msg_key ? o->msg_key : err, 0);
}

/* A link that cannot be used says why and leads to a new one; the form shows a refused password
 * (the domain's message). */
static const struct page_outcome reset_answers[] = {
    {RESET_INVALID, 400, NULL, NULL},
    {RESET_UNKNOWN, 404, "reset.err.title", "reset.err.unknown"},
    {RESET_USED, 410, "reset.err.title", "reset.err.used"},
    {RESET_EXPIRED, 410, "reset.err.title", "reset.err.expired"},
    {RESET_STALE, 410, "reset.err.title", "reset.err.stale"},
    {RESET_BUSY, 503, "error.title", "error.busy"},
    {0, 0, NULL, "error.unavailable"},
};

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
    int rc = reset_check(r->a, token, &username);
    if (rc == RESET_OK)
        render_reset(r, 200, token, username, NULL);
    else if (page_outcome_own(r, reset_answers, rc, "/password/forgot", "forgot.again"))
        page_error(r, 503, "error.unavailable"); /* a look refuses no password */
}

void h_password_reset(struct req *r)
{
    const char *token = req_form(r, "token"), *err = NULL;
    struct ways_removed removed;
    int rc = reset_complete(r->a, token, req_form(r, "password"), r->ip, r->lang, &err, &removed);
    if (rc == RESET_OK) {
        /* every session ended, this browser's too: it signs in with the new password (and
         * gets a new CSRF cookie, as at every sign-in and sign-out) */
        websession_end(r);
        h_notice_removed(r, "reset.ok.title", "reset.ok.message", "/login", "login.title",
                         &removed);
        return;
    }
    const struct page_outcome *o =
        page_outcome_own(r, reset_answers, rc, "/password/forgot", "forgot.again");
    if (!o) return;
    char *username = NULL;
    reset_check(r->a, token, &username);
    render_reset(r, o->status, token, username, err);
}
