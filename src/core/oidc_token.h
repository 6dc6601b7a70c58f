/* oidc_token: the token endpoint (RFC 6749 §3.2: authorization_code with PKCE, refresh_token
 * with rotation), userinfo (OpenID Connect Core §5.3), revocation (RFC 7009) and introspection
 * (RFC 7662). Access tokens are opaque: 256 random bits ("dao_at_" + 43 characters) stored
 * hashed, checked against the database on every use, so revoking a grant, a consent or an
 * account ends them at once on every node; resource servers ask the introspection endpoint.
 * Refresh tokens ("dao_rt_") rotate on each use; a rotated one used again revokes its whole
 * family (the grant), as does a code redeemed twice (RFC 6749 §4.1.2). Every answer is a
 * status and a JSON body; errors use RFC 6749 §5.2's codes; a store failure answers 503
 * temporarily_unavailable, never 500. */
#ifndef DAOID_OIDC_TOKEN_H
#define DAOID_OIDC_TOKEN_H

#include <jansson.h>
#include <stdint.h>

struct arena;

/* One request: its form fields and the Authorization header. */
struct ot_in {
    const char *authorization;
    const char *grant_type, *code, *redirect_uri, *code_verifier, *refresh_token, *scope;
    const char *client_id, *client_secret;
    const char *token, *token_type_hint; /* revocation, introspection */
};
/* The answer: HTTP status, body (a new reference the caller sends and frees), and for a 401
 * the WWW-Authenticate value (static) or NULL. */
struct ot_out {
    int status;
    json_t *body;
    const char *www_authenticate;
};

void oidc_token_endpoint(struct arena *a, const struct ot_in *in, int64_t now, struct ot_out *out);
void oidc_token_revoke(struct arena *a, const struct ot_in *in, int64_t now, struct ot_out *out);
void oidc_token_introspect(struct arena *a, const struct ot_in *in, int64_t now,
                           struct ot_out *out);
/* userinfo for a bearer access token (the Authorization header, or the form's access_token). */
void oidc_userinfo(struct arena *a, const char *authorization, const char *form_token, int64_t now,
                   struct ot_out *out);

#endif
