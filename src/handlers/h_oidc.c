/* h_oidc: the OpenID Connect provider's browser-facing endpoints: discovery
 * (/.well-known/openid-configuration), the JWKS (/oauth/jwks), the authorization endpoint
 * (GET /oauth/authorize; POST is the consent page's answer, CSRF-checked) and RP-initiated
 * logout (/oauth/logout). The decisions are oidc_authz.c's; this file maps them to pages and
 * redirects. The machine endpoints are in h_oidc_token.c. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "config.h"
#include "handlers.h"
#include "http.h"
#include "json_reply.h"
#include "oidc_authz.h"
#include "oidc_client.h"
#include "oidc_key.h"
#include "page.h"
#include "session.h"
#include "text.h"
#include "tmpl.h"
#include "websession.h"

#define AUTHORIZE "/oauth/authorize"

void h_oidc_discovery(struct req *r)
{
    const char *iss = oidc_issuer();
    json_t *j = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[s], s:[s], s:[s,s], s:[s], s:[s,s], "
        "s:[s,s,s,s],"
        " s:[s,s,s], s:[s,s], s:[s], s:[s,s,s,s], s:b, s:b, s:b, s:b, s:[s,s,s,s]}",
        "issuer", iss, "authorization_endpoint", arena_printf(r->a, "%s" AUTHORIZE, iss),
        "token_endpoint", arena_printf(r->a, "%s/oauth/token", iss), "userinfo_endpoint",
        arena_printf(r->a, "%s/oauth/userinfo", iss), "jwks_uri",
        arena_printf(r->a, "%s/oauth/jwks", iss), "revocation_endpoint",
        arena_printf(r->a, "%s/oauth/revoke", iss), "introspection_endpoint",
        arena_printf(r->a, "%s/oauth/introspect", iss), "end_session_endpoint",
        arena_printf(r->a, "%s/oauth/logout", iss), "response_types_supported", "code",
        "response_modes_supported", "query", "grant_types_supported", "authorization_code",
        "refresh_token", "subject_types_supported", "public",
        "id_token_signing_alg_values_supported", "RS256", "ES256", "scopes_supported", "openid",
        "profile", "email", "offline_access", "token_endpoint_auth_methods_supported",
        "client_secret_basic", "client_secret_post", "none",
        "revocation_endpoint_auth_methods_supported", "client_secret_basic", "client_secret_post",
        "code_challenge_methods_supported", "S256", "prompt_values_supported", "none", "login",
        "consent", "select_account", "authorization_response_iss_parameter_supported", 1,
        "request_parameter_supported", 0, "request_uri_parameter_supported", 0,
        "claims_parameter_supported", 0, "claims_supported", "sub", "preferred_username", "email",
        "email_verified");
    json_object_set_new(j, "introspection_endpoint_auth_methods_supported",
                        json_pack("[s,s]", "client_secret_basic", "client_secret_post"));
    json_object_set_new(j, "ui_locales_supported", json_pack("[s,s]", "zh-CN", "en"));
    json_reply(r, 200, j);
}

void h_oidc_jwks(struct req *r)
{
    char *jwks = oidc_key_jwks(r->a, (int64_t)time(NULL));
    if (!jwks) {
        resp_json(r, 503, "{\"error\":\"temporarily_unavailable\"}");
        return;
    }
    resp_send(r, 200, "application/jwk-set+json", jwks, strlen(jwks));
}

/* the parameters, from the query (GET) or the consent form (POST) */
static const char *const names[] = {
    "client_id", "redirect_uri", "response_type",  "scope",
    "state",     "nonce",        "code_challenge", "code_challenge_method",
    "prompt",    "max_age",      "login_hint",     "response_mode",
    "request",   "request_uri",  "login_after",    NULL,
};

static void read_params(struct req *r, const char **v)
{
    int post = !strcmp(r->method, "POST");
    for (int i = 0; names[i]; i++) v[i] = post ? req_form(r, names[i]) : req_arg(r, names[i]);
}

/* this request again as a same-site path, prompt dropped and login_after set when after > 0 */
static const char *again(struct req *r, const char **v, int64_t after)
{
    const char *p[2 * 16 + 1];
    int n = 0;
    for (int i = 0; names[i]; i++) {
        if (after && (!strcmp(names[i], "prompt") || !strcmp(names[i], "login_after"))) continue;
        p[n++] = names[i];
        p[n++] = v[i];
    }
    if (after) {
        p[n++] = "login_after";
        p[n++] = arena_printf(r->a, "%lld", (long long)after);
    }
    p[n] = NULL;
    return oidc_url_with(r->a, AUTHORIZE, p);
}

static void consent_page(struct req *r, const char **v, const struct oa_out *o)
{
    struct tmpl_ctx *c = page_ctx(r);
    tmpl_set(c, "app", o->client.name);
    tmpl_set(c, "username", r->sess->username);
    for (int i = 0; names[i]; i++) {
        if (!v[i] || !strcmp(names[i], "prompt")) continue;
        struct tmpl_ctx *it = tmpl_list_add(c, "fields");
        tmpl_set(it, "name", names[i]);
        tmpl_set(it, "value", v[i]);
    }
    static const char *const scopes[] = {"openid", "profile", "email", "offline_access", NULL};
    for (int i = 0; scopes[i]; i++) {
        if (!oidc_word_in(o->scope, scopes[i])) continue;
        struct tmpl_ctx *it = tmpl_list_add(c, "scopes");
        tmpl_set(it, "text", page_t(r, c, arena_printf(r->a, "oidc.scope.%s", scopes[i])));
    }
    page_render(r, 200, "oidc_consent", c);
}

/* A page that goes on to href by itself (Refresh: 0) and offers it as a link: the answer to a
 * form (consent, logout) whose next stop is the app. A form's redirects may not leave the site
 * (CSP form-action 'self', which browsers apply to every redirect of the submission); a refresh
 * is a navigation of its own. */
static void go_on(struct req *r, const char *href, const char *msg_key, const char *link_key)
{
    resp_header(r, "Refresh", arena_printf(r->a, "0;url=%s", href));
    page_notice(r, 200, "oidc.consent.title", msg_key, href, link_key);
}

/* "deny": a page with the way back to the app (a link: a form's redirect may not leave the
 * site) */
static void declined(struct req *r, const struct oa_out *o)
{
    struct tmpl_ctx *c = page_ctx(r);
    tmpl_set(c, "app", o->client.name);
    tmpl_set(c, "title", page_t(r, c, "oidc.denied.title"));
    tmpl_set(c, "message", page_t(r, c, "oidc.denied.text"));
    tmpl_set(c, "href", o->location);
    resp_header(r, "Refresh", arena_printf(r->a, "0;url=%s", o->location));
    tmpl_set(c, "link", page_t(r, c, "oidc.denied.back"));
    page_render(r, 200, "notice", c);
}

void h_oidc_authorize(struct req *r)
{
    const char *v[16];
    read_params(r, v);
    struct oa_req q = {v[0], v[1], v[2],  v[3],  v[4],  v[5],  v[6], v[7],
                       v[8], v[9], v[10], v[11], v[12], v[13], v[14]};
    int decision = 0;
    if (!strcmp(r->method, "POST")) decision = req_form(r, "allow") ? 1 : -1;
    int64_t now = (int64_t)time(NULL);
    struct oa_out o;
    switch (oidc_authorize(r->a, &q, r->sess, decision, now, &o)) {
    case OA_BAD_CLIENT:
        return page_notice(r, 400, "oidc.err.title", "oidc.err.client", NULL, NULL);
    case OA_BAD_REDIRECT:
        return page_notice(r, 400, "oidc.err.title", "oidc.err.redirect", NULL, NULL);
    case OA_REDIRECT:
        if (decision < 0) return declined(r, &o);
        return resp_redirect(r, o.location);
    case OA_AGAIN:
        return go_on(r, again(r, v, 0), "oidc.consent.saved", "oidc.consent.continue");
    case OA_LOGIN: {
        const char *p[] = {"next", again(r, v, 0), "login_hint", q.login_hint, NULL};
        return resp_redirect(r, oidc_url_with(r->a, "/login", p));
    }
    case OA_REAUTH:
        return page_reauth(r, again(r, v, now));
    case OA_CONSENT:
        return consent_page(r, v, &o);
    case OA_BUSY:
        break;
    }
    page_error(r, 503, "error.unavailable");
}

static const char *form_or_arg(struct req *r, const char *name)
{
    return !strcmp(r->method, "POST") ? req_form(r, name) : req_arg(r, name);
}

/* GET: ends the session at once when id_token_hint is one this service signed for the signed-in
 * account (or nobody is signed in); otherwise asks (a form that POSTs here, CSRF-checked). */
void h_oidc_logout(struct req *r)
{
    const char *hint = form_or_arg(r, "id_token_hint"),
               *uri = form_or_arg(r, "post_logout_redirect_uri");
    const char *state = form_or_arg(r, "state"), *client_id = form_or_arg(r, "client_id");
    json_t *claims = hint ? oidc_key_verify(r->a, (int64_t)time(NULL), hint) : NULL;
    const char *aud = json_string_value(json_object_get(claims, "aud"));
    const char *sub = json_string_value(json_object_get(claims, "sub"));
    int hint_ok = claims && aud && sub && (!client_id || !strcmp(client_id, aud));
    if (hint_ok && !client_id) client_id = arena_strdup(r->a, aud);
    int mine = hint_ok && r->sess && strtoll(sub, NULL, 10) == r->sess->account_id;
    json_decref(claims);
    if (hint && !hint_ok) return page_notice(r, 400, "oidc.err.title", "oidc.err.hint", NULL, NULL);
    const char *target = oidc_logout_target(r->a, client_id, uri, state);
    if (uri && !target)
        return page_notice(r, 400, "oidc.err.title", "oidc.err.logout_uri", NULL, NULL);
    if (r->sess && !mine && strcmp(r->method, "POST")) {
        struct tmpl_ctx *c = page_ctx(r);
        tmpl_set(c, "id_token_hint", hint);
        tmpl_set(c, "post_logout_redirect_uri", uri);
        tmpl_set(c, "state", state);
        tmpl_set(c, "client_id", client_id);
        return page_render(r, 200, "oidc_logout", c);
    }
    if (r->sess) websession_end(r);
    /* after the confirmation form, a link: a form's redirect may not leave the site */
    if (target && strcmp(r->method, "POST")) return resp_redirect(r, target);
    if (target) return go_on(r, target, "oidc.logout.done", "oidc.logout.back");
    page_notice(r, 200, "oidc.logout.title", "oidc.logout.done", "/login", "oidc.logout.again");
}
