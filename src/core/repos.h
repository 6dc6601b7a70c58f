/* repos: the Code Build page's service: the Git platforms (GitHub, Bitbucket, Coding), which
 * ones the account has bound, and one bound platform's repositories, read from the provider's
 * API with the token the account granted (provider_token.h).
 *
 * Listing a platform's repositories:
 *   no stored token (bound before tokens were kept, or one that no longer opens) → REBIND
 *   the token is known to have expired (expires_at)        → refresh, then the API
 *   the API answers                                         → LIST
 *   the API refuses a token whose scope lacks the provider's repos_grant → GRANT (no refresh)
 *   the API refuses the token (401, or Coding's AuthFailure) → refresh once, then the API
 *   refresh: without a refresh token → REBIND; one caller per row asks the provider (the lease)
 *     while the others wait for its outcome; the provider refuses it → REBIND (and the refresh
 *     token is forgotten)
 *   no answer in time → TIMEOUT; unreachable or an HTTP error → DOWN; nonsense → BAD
 *
 * Invariants:
 *  1. One view asks at most one provider, and everything it asks happens before one deadline,
 *     oauth_timeout after the view started: a slow or failing provider gives a message in time,
 *     never an error page.
 *  2. Tokens stay in the request's arena and the store (sealed); nothing here logs them. */
#ifndef DAOID_REPOS_H
#define DAOID_REPOS_H

#include <stdint.h>

#include "oauth2.h"

struct arena;

#define REPOS_MAX       100 /* repositories listed; the page says when the provider has more */
#define REPOS_PLATFORMS 3

enum repos_state {
    RS_NONE,    /* no platform bound: nothing to list */
    RS_OFF,     /* bound, but the site no longer offers the platform */
    RS_LIST,    /* repos holds the list */
    RS_REBIND,  /* no usable token: bind the platform again */
    RS_GRANT,   /* the token works but was never granted repository access (a bind from
                   settings asks only for the profile): grant it, nothing "expired" */
    RS_TIMEOUT, /* the provider did not answer in time */
    RS_DOWN,    /* unreachable, or it answered with an error */
    RS_BAD,     /* it answered something unreadable */
    RS_STORE,   /* the stored token could not be read or written */
};

struct repos_platform {
    const char *name, *label; /* "github", "GitHub" */
    int offered, bound;
    const char *login;     /* the bound identity's login, or NULL */
    const char *bind_href; /* a bind that asks for repository access and comes back here */
};

struct repos_view {
    struct repos_platform platforms[REPOS_PLATFORMS];
    int selected; /* the platform shown (index), -1 when none is bound */
    enum repos_state state;
    struct oauth2_repos repos; /* RS_LIST */
    int need_grant;            /* RS_LIST: the grant does not cover private repositories */
};

/* What /build shows. want: the platform asked for (may be NULL or unknown: the first bound
 * one). All in a. 0, or -1 when the store failed (the platforms are unknown). */
int repos_view(struct arena *a, int64_t account_id, const char *want, struct repos_view *out);

/* "/build?p=NAME" style paths: the bind link of a platform, in a. */
const char *repos_bind_href(struct arena *a, const char *name);

#endif
