/* oidc_client: the relying parties (registered by an operator with `daoid client …`) and
 * their authentication at the token, revocation and introspection endpoints. A client_id is
 * 22 random base64url characters; a confidential client's secret is a token (token.h), shown
 * once and kept only as its hash. Redirect URIs are matched exactly (RFC 9700 §4.1.3). */
#ifndef DAOID_OIDC_CLIENT_H
#define DAOID_OIDC_CLIENT_H

#include "oidc_clients.h" /* struct oidc_client_row, the table's owner */

struct arena;

/* The scopes daoid knows, space-separated. */
#define OIDC_SCOPES "openid profile email offline_access"

enum ocl_rc { OCL_OK, OCL_INVALID, OCL_NOTFOUND, OCL_BUSY };

struct ocl_new {
    const char *name;
    const char *redirect_uris;    /* space-separated absolute http(s) URIs, no fragment */
    const char *post_logout_uris; /* the same, or NULL */
    const char *scopes;           /* NULL: OIDC_SCOPES */
    int is_public, first_party;
    const char *id_token_alg; /* "RS256" or "ES256"; NULL: RS256 */
};
/* Registers a client: OCL_OK with *client_id and (confidential) *secret in a; OCL_INVALID with
 * *err saying what is wrong; OCL_BUSY. */
enum ocl_rc oidc_client_add(struct arena *a, const struct ocl_new *in, char **client_id,
                            char **secret, const char **err);
/* A new secret for a confidential client: OCL_OK (*secret in a), OCL_NOTFOUND (none such or
 * public), OCL_BUSY. The old one stops working at once. */
enum ocl_rc oidc_client_rotate_secret(struct arena *a, const char *client_id, char **secret);
/* The algorithm of the client's ID tokens: OCL_OK, OCL_INVALID (not RS256 or ES256),
 * OCL_NOTFOUND, OCL_BUSY. */
enum ocl_rc oidc_client_set_alg(const char *client_id, const char *alg);
/* 1 when word is one of the space-separated words of list. */
int oidc_word_in(const char *list, const char *word);
/* 1 when every space-separated word of want is in have. */
int oidc_words_within(struct arena *a, const char *want, const char *have);
/* 1 when uri is an absolute http(s) URI without a fragment, at most 1000 bytes. */
int oidc_uri_ok(const char *uri);

/* How a request authenticated its client. */
struct ocl_auth_in {
    const char *authorization;             /* the Authorization header, or NULL */
    const char *client_id, *client_secret; /* form fields, or NULL */
};
/* The client: OCL_OK (*out in a), OCL_INVALID (unknown client, wrong or missing secret, two
 * methods at once: the caller answers invalid_client), OCL_BUSY. *basic is set when the
 * request used HTTP Basic (the 401 then carries WWW-Authenticate). */
enum ocl_rc oidc_client_auth(struct arena *a, const struct ocl_auth_in *in,
                             struct oidc_client_row *out, int *basic);

#endif
