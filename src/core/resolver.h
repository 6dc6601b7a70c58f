/* resolver: what an identity at an outside provider (GitHub, Bitbucket, Coding, WeChat) means
 * for the person presenting it, the same for every provider. The caller has done its
 * protocol (OAuth state and code exchange, WeChat QR ticket and scan) and knows who the
 * provider says this is; resolver_run decides by intent and writes what follows:
 *
 *   signin  known identity, account active   → RESOLVED_SIGNIN (touched, audited "login")
 *           known identity, account disabled → RESOLVE_DISABLED (audited)
 *           unknown, its verified address is an account's → RESOLVE_EMAIL_TAKEN
 *           unknown                          → RESOLVED_SIGNUP (the caller registers it:
 *                                              registration.h)
 *   bind    unknown → linked: RESOLVED_BOUND (audited "identity_linked"); this account's
 *           already → RESOLVED_ALREADY; another account's → RESOLVE_TAKEN; the account has
 *           another identity at the provider → RESOLVE_PROVIDER_TAKEN
 *   reauth  the account's own identity → RESOLVED_REAUTHED (touched, audited "reauth");
 *           any other or none → RESOLVE_MISMATCH (audited "reauth_refused")
 *
 * It runs on the caller's connection, inside the caller's transaction when it has one (the
 * WeChat ticket's), and never links by email or username (identity.h invariant 2). */
#ifndef DAOID_RESOLVER_H
#define DAOID_RESOLVER_H

#include <stdint.h>

#include "identity.h"

struct arena;
struct st_conn;

enum resolve_intent { RESOLVE_SIGNIN, RESOLVE_BIND, RESOLVE_REAUTH };

enum resolve_outcome {
    RESOLVED_SIGNIN,
    RESOLVED_SIGNUP,
    RESOLVED_BOUND,
    RESOLVED_ALREADY,
    RESOLVED_REAUTHED,
    RESOLVE_EMAIL_TAKEN,
    RESOLVE_TAKEN,
    RESOLVE_PROVIDER_TAKEN,
    RESOLVE_MISMATCH,
    RESOLVE_DISABLED,
    RESOLVE_ERR,
};

struct resolve_in {
    const char *provider;
    enum resolve_intent intent;
    int64_t account_id; /* bind, reauth: the signed-in account that asked */
    /* who the provider says this is; login, email (a verified address in display form) and
     * extra may be NULL; at sign-in and re-authentication they replace the stored ones
     * (extra NULL: kept) */
    const char *subject, *login, *email, *email_norm, *extra;
    const char *ip;
    /* how the identity is looked up: NULL for by (provider, subject); WeChat finds a person
     * by either of two ids. IDENT_OK, IDENT_NOTFOUND or IDENT_STORE_ERR. */
    enum ident_rc (*find)(struct st_conn *c, struct arena *a, void *ctx, struct identity *out);
    void *find_ctx;
};

struct resolve_out {
    int64_t account_id;       /* RESOLVED_SIGNIN, RESOLVE_DISABLED: the identity's account */
    struct identity identity; /* the identity found (not for RESOLVED_SIGNUP, RESOLVED_BOUND) */
};

/* Resolves in->subject at in->provider for in->intent at now. Strings in a. */
enum resolve_outcome resolver_run(struct st_conn *c, struct arena *a, const struct resolve_in *in,
                                  int64_t now, struct resolve_out *out);

#endif
