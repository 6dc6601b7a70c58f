/* h_signup: the email sign-up form (with its captcha) and its submission; "with a passkey"
 * (the form's second button, shown by passkey.js) makes the account without a password and
 * goes on to adding the passkey on /settings/security. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "text.h"
#include "captcha.h"
#include "handlers.h"
#include "http.h"
#include "i18n.h"
#include "log.h"
#include "page.h"
#include "websession.h"
#include "signup.h"
#include "tmpl.h"

/* What the form says for a sign-up that did not create the account. */
static const struct page_outcome pages[] = {
    {REG_INVALID, 400, NULL, "signup.err.summary"},
    {REG_LIMITED, 429, NULL, "signup.err.rate"},
    {REG_BUSY, 503, NULL, "error.busy"},
    {0, 0, NULL, "error.unavailable"},
};

void h_form_errors(struct req *r, struct tmpl_ctx *c, const reg_errors errors, const char *form_key)
{
    static const char *const names[RF_COUNT] = {"err_email", "err_username", "err_password",
                                                "err_captcha", "err_terms"};
    for (int i = 0; i < RF_COUNT; i++)
        if (errors[i]) tmpl_set(c, names[i], page_t(r, c, errors[i]));
    if (form_key) tmpl_set(c, "form_error", page_t(r, c, form_key));
}

/* The form; after a refused submission (out) with its errors and the row of pages for rc. */
static void render_form(struct req *r, const char *email, const char *username,
                        const struct signup_out *out, enum reg_outcome rc)
{
    struct tmpl_ctx *c = page_ctx(r);
    tmpl_set(c, "email", email);
    tmpl_set(c, "username", username);
    tmpl_set(c, "refresh_href",
             arena_printf(r->a, "/signup?email=%s&username=%s", text_urlencode(r->a, email),
                          text_urlencode(r->a, username)));
    int status = 200;
    if (out) {
        const struct page_outcome *o = page_outcome_find(pages, (int)rc);
        status = o->status ? o->status : 503;
        h_form_errors(r, c, out->errors, o->msg_key);
    }
    int cs = page_captcha(r, c);
    if (cs) status = cs;
    page_render(r, status, "signup", c);
}

void h_signup_form(struct req *r)
{
    if (r->sess) {
        resp_redirect(r, "/console");
        return;
    }
    render_form(r, req_arg(r, "email"), req_arg(r, "username"), NULL, REG_OK);
}

void h_signup_submit(struct req *r)
{
    struct signup_in in = {
        .email = req_form(r, "email"),
        .username = req_form(r, "username"),
        .password = req_form(r, "password"),
        .captcha_id = req_form(r, "captcha_id"),
        .captcha_answer = req_form(r, "captcha"),
        .terms = req_form(r, "terms") != NULL,
        .passkey = req_form(r, "with") && !strcmp(req_form(r, "with"), "passkey"),
        .ip = r->ip,
        .lang = r->lang,
    };
    struct signup_out out;
    enum reg_outcome rc = signup_run(r->a, &in, &out);
    if (rc != REG_OK) {
        render_form(r, in.email, in.username, &out, rc);
        return;
    }
    /* with a passkey: nothing proven yet (amr empty); its owner adds the passkey next */
    if (websession_begin(r, out.account_id, in.passkey ? "" : "pwd") != 0) {
        page_notice(r, 503, "error.title", "signup.err.session", "/login", "login.title");
        return;
    }
    resp_redirect(r, in.passkey ? "/settings/security?first=passkey" : "/console");
}

void h_captcha_new(struct req *r)
{
    char *id = NULL, *img = NULL;
    int cr = captcha_new(r->a, r->ip, time(NULL), &id, &img);
    if (cr == CAPTCHA_NEW_LIMITED) {
        resp_json(r, 429, "{\"error\":\"limited\"}");
        return;
    }
    if (cr != 0) {
        resp_json(r, 503, "{\"error\":\"unavailable\"}");
        return;
    }
    json_t *j = json_pack("{s:s, s:s}", "id", id, "image", img);
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    char *body = arena_strdup(r->a, s);
    free(s);
    resp_json(r, 200, body);
}
