/* h_reauth: /reauth?next=…, confirming a signed-in browser again before a sensitive change:
 * the password, or for accounts without one a link to sign in again with a bound provider
 * (the provider's flow with intent=reauth); an account with a second factor confirms with it:
 * the app's code or a recovery code (POST /reauth/code), or a passkey (/reauth/passkey/begin
 * and /finish, JSON for web/static/passkey.js). A password or a provider confirms the sign-in
 * (session_reauthenticated); a factor signs the browser in again with it added to the
 * session's amr, so the session counts as signed in with two factors. Then back to next (a
 * same-origin path). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "text.h"
#include "handlers.h"
#include "http.h"
#include "i18n.h"
#include "json_reply.h"
#include "mfa.h"
#include "page.h"
#include "passkey.h"
#include "reauth.h"
#include "session.h"
#include "tmpl.h"
#include "websession.h"

#define REAUTH_WA_COOKIE "reauth_wa" /* the passkey challenge of a confirmation */

static const char *next_of(struct req *r)
{
    const char *next = req_form(r, "next");
    if (!next) next = req_arg(r, "next");
    return http_safe_next(next) ? next : "/settings";
}

static void render(struct req *r, int status, const char *err_key)
{
    struct reauth_ways w;
    if (reauth_ways(r->a, r->sess->account_id, &w) != 0) {
        page_error(r, 503, "error.unavailable");
        return;
    }
    struct tmpl_ctx *c = page_ctx(r);
    const char *next = next_of(r);
    tmpl_set(c, "next", next);
    tmpl_set_bool(c, "has_password", w.has_password);
    tmpl_set_bool(c, "factor", w.factor);
    tmpl_set_bool(c, "totp", w.totp);
    tmpl_set_bool(c, "passkeys", w.passkeys > 0);
    tmpl_set_bool(c, "none", !w.factor && !w.has_password && !w.nproviders);
    for (int i = 0; i < w.nproviders; i++) {
        struct tmpl_ctx *it = tmpl_list_add(c, "providers");
        tmpl_set(it, "id", w.providers[i]);
        tmpl_set(it, "label",
                 i18n_get(i18n_cat(r->lang), arena_printf(r->a, "provider.%s", w.providers[i])));
        tmpl_set(it, "href",
                 arena_printf(r->a, "/auth/%s?intent=reauth&next=%s", w.providers[i],
                              text_urlencode(r->a, next)));
    }
    if (err_key) tmpl_set(c, "form_error", i18n_get(i18n_cat(r->lang), err_key));
    page_render(r, status, "reauth", c);
}

void h_reauth_form(struct req *r)
{
    render(r, 200, NULL);
}

static const struct page_outcome refusals[] = {
    {REAUTH_BAD, 401, NULL, "reauth.err.bad"},
    {REAUTH_NO_PASSWORD, 400, NULL, "reauth.err.no_password"},
    {REAUTH_FACTOR, 400, NULL, "reauth.err.factor"},
    {REAUTH_LIMITED, 429, NULL, "reauth.err.limited"},
    {REAUTH_BUSY, 503, NULL, "error.busy"},
    {0, 0, NULL, "error.unavailable"},
};

static void refused(struct req *r, int rc, const struct page_outcome *table)
{
    const struct page_outcome *o = page_outcome_own(r, table, rc, NULL, NULL);
    if (o) render(r, o->status, o->msg_key);
}

void h_reauth_submit(struct req *r)
{
    int has = mfa_has_factor(r->sess->account_id);
    if (has < 0) return page_error(r, 503, "error.unavailable");
    int rc = has ? REAUTH_FACTOR
                 : reauth_password(r->a, r->sess->account_id, req_form(r, "password"), r->ip);
    if (rc != REAUTH_OK) return refused(r, rc, refusals);
    if (session_reauthenticated(r->sess) != 0) {
        page_error(r, 503, "error.unavailable");
        return;
    }
    resp_redirect(r, next_of(r));
}

/* Signs the browser in again with the factor's amr words added: a new session (the old one
 * ends), so what it may do now is a new identity's, not the old cookie's. 0 or -1. */
static int upgrade(struct req *r, const char *factor_amr)
{
    return websession_begin(r, r->sess->account_id, mfa_amr_add(r->a, r->sess->amr, factor_amr));
}

static const struct page_outcome code_refusals[] = {
    {REAUTH_BAD, 401, NULL, "mfa.err.bad"},
    {REAUTH_REUSED, 401, NULL, "mfa.err.reused"},
    {REAUTH_LIMITED, 429, NULL, "reauth.err.code_limited"},
    {0, 0, NULL, "error.unavailable"},
};

void h_reauth_code(struct req *r)
{
    enum reauth_rc rc = reauth_code(r->a, r->sess->account_id, req_form(r, "code"), r->ip, r->lang);
    if (rc != REAUTH_OK) return refused(r, (int)rc, code_refusals);
    if (upgrade(r, "otp mfa") != 0) return page_error(r, 503, "error.unavailable");
    resp_redirect(r, next_of(r));
}

static void json_err(struct req *r, int status, const char *code)
{
    resp_json(r, status, arena_printf(r->a, "{\"error\":\"%s\"}", code));
}

void h_reauth_passkey_begin(struct req *r)
{
    char tok[TOKEN_LEN + 1], *json = NULL;
    if (passkey_login_begin(r->a, r->sess->account_id, tok, &json) != PK_OK)
        return json_err(r, 503, "unavailable");
    resp_cookie(r, REAUTH_WA_COOKIE, tok, PASSKEY_CHALLENGE_TTL);
    resp_json(r, 200, json);
}

void h_reauth_passkey_finish(struct req *r)
{
    struct pk_assertion in;
    h_passkey_assertion(r, REAUTH_WA_COOKIE, &in);
    int64_t account = 0;
    char *amr = NULL;
    int alone = 0; /* the session is the first factor: presence is enough */
    enum pk_rc rc = passkey_login_finish(r->a, &in, &account, &amr, &alone);
    resp_cookie(r, REAUTH_WA_COOKIE, "", -1);
    if (rc == PK_ERR) return json_err(r, 503, "unavailable");
    /* the challenge was begun for this account, which takes only its credentials */
    if (rc != PK_OK || account != r->sess->account_id) return json_err(r, 403, "refused");
    if (reauth_passkey_done(account, r->ip) != 0 || upgrade(r, amr) != 0)
        return json_err(r, 503, "unavailable");
    json_reply(r, 200, json_pack("{s:s}", "next", next_of(r)));
}
