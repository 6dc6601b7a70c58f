/* oidc_authz: the authorization endpoint's decisions (OpenID Connect Core §3.1.2, RFC 6749
 * §4.1, RFC 7636, RFC 9207, RFC 9700): code flow only, response_mode=query, redirect URI matched
 * exactly, PKCE S256 required of public clients and accepted from all ("plain" refused), state
 * and nonce carried, prompt=none|login|consent, max_age, login_hint. The consent page's answer
 * comes back through the same call (decision): "allow" is recorded and the browser sent to the
 * request again; "deny" answers access_denied, which the page offers as a link. A code is 256
 * random bits, stored hashed, single use, valid OIDC_CODE_TTL seconds, bound to the client, the
 * redirect URI, the PKCE challenge and the session's sign-in (auth_time, amr). Errors before the
 * redirect URI is verified are answered on a page, never by a redirect (no open redirector); later
 * ones go back to the client as error=…&state=…&iss=…. */
#ifndef DAOID_OIDC_AUTHZ_H
#define DAOID_OIDC_AUTHZ_H

#include <stdint.h>

#include "oidc_clients.h"

struct arena;
struct session;

#define OIDC_CODE_TTL 60

/* The request's parameters (NULL when absent). */
struct oa_req {
    const char *client_id, *redirect_uri, *response_type, *scope, *state, *nonce;
    const char *code_challenge, *code_challenge_method, *prompt, *max_age, *login_hint;
    const char *response_mode, *request, *request_uri;
    const char *login_after; /* daoid's own: set on the way back from a forced sign-in */
};

enum oa_rc {
    OA_BAD_CLIENT,   /* unknown client_id: a page, no redirect */
    OA_BAD_REDIRECT, /* redirect_uri missing or not registered: a page, no redirect */
    OA_REDIRECT,     /* back to the client: out->location (an error, or the code) */
    OA_LOGIN,        /* no session: to the sign-in page, then back here */
    OA_REAUTH,       /* a sign-in again (prompt=login, max_age): /reauth, then back here */
    OA_CONSENT,      /* show the consent page (out->client, out->scope) */
    OA_AGAIN,        /* "allow" recorded: the same request again as a GET (a redirect after a
                      * form may not leave the site: CSP form-action 'self') */
    OA_BUSY,         /* the store failed */
};

struct oa_out {
    struct oidc_client_row client;
    const char *scope;    /* the scopes asked for, checked */
    const char *location; /* OA_REDIRECT */
    const char *error;    /* OA_REDIRECT with an error: its code (for logs and tests) */
};

/* decision: 0 a plain request, 1 the consent page's "allow", -1 its "deny". s: the browser's
 * session or NULL. */
enum oa_rc oidc_authorize(struct arena *a, const struct oa_req *q, const struct session *s,
                          int decision, int64_t now, struct oa_out *out);
/* This service's issuer (cfg->origin). */
const char *oidc_issuer(void);
/* uri with the space-separated pairs of params (key, value, …, NULL; NULL values left out)
 * appended as a query, in a. */
char *oidc_url_with(struct arena *a, const char *uri, const char *const *params);
/* Where RP-initiated logout ends: uri with state when it is one of client_id's registered
 * post-logout redirect URIs (exact match), else NULL. In a. */
const char *oidc_logout_target(struct arena *a, const char *client_id, const char *uri,
                               const char *state);

#endif
