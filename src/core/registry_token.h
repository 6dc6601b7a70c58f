/* registry_token: the Distribution token endpoint's domain (GET /v2/token). A client (docker,
 * skopeo) presents HTTP Basic credentials — username + password (unless
 * registry_password_login = 0) or username + access token — with the registry's `service` and
 * the `scope`s it wants; it gets a short-lived JWT (registry_jwt.h) granting what the policy
 * allows (registry_scope.h). Password logins go through the web sign-in's limits (login.c);
 * there is no captcha for a CLI, so past the limit the answer is 429 with a clear message, and
 * the audit log says why. Refusals carry a stable code and a message for the client. */
#ifndef DAOID_REGISTRY_TOKEN_H
#define DAOID_REGISTRY_TOKEN_H

#include <stdint.h>

struct arena;

#define REG_AUTH_HEADER_MAX 4096

struct reg_token_in {
    const char *authorization; /* the header, or NULL */
    const char *service;
    const char *const *scopes; /* the scope parameters (each may hold several, space-separated) */
    int nscopes;
    const char *ip;
};

enum rt_rc {
    RT_OK,
    RT_BAD_REQUEST,  /* 400 */
    RT_UNAUTHORIZED, /* 401 */
    RT_LIMITED,      /* 429 */
    RT_UNAVAILABLE,  /* 503: no signing key, or the store failed */
};

struct reg_token_out {
    char *token;
    int64_t expires_in, issued_at;
    const char *code, *message; /* on refusal: stable code and English message */
};

enum rt_rc registry_token_issue(struct arena *a, const struct reg_token_in *in,
                                struct reg_token_out *out);

/* A token for daoid itself (the console's listing): subject "@daoid", the scopes given (the
 * catalog and pulls), registry_token_ttl. NULL without a key. */
char *registry_token_self(struct arena *a, const char *const *scopes, int n);

#endif
