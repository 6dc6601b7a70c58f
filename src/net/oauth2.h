/* oauth2: one generic OAuth2 authorization-code client. A provider is a description (URLs,
 * client authentication style, scopes, PKCE, where the id, login, name and email sit in its
 * JSON, an optional emails endpoint); oauth2_providers.c holds the presets (GitHub,
 * Bitbucket, Coding). Calls go through httpc.h with one deadline for the whole exchange, so a
 * slow provider never holds a request longer than oauth_timeout. Errors that providers send with
 * HTTP 200 (GitHub's token endpoint, Coding's open-api) count as errors. Nothing here logs a code,
 * a verifier or a token. */
#ifndef DAOID_OAUTH2_H
#define DAOID_OAUTH2_H

#include <stddef.h>
#include <stdint.h>

struct arena;

enum oauth2_client_auth {
    OAUTH2_AUTH_FORM,  /* client_id and client_secret in the token request's form */
    OAUTH2_AUTH_BASIC, /* HTTP Basic client_id:client_secret (Bitbucket) */
};

struct oauth2_provider {
    const char *name;  /* "github": the path /auth/NAME and identities.provider */
    const char *label; /* "GitHub" */
    const char *client_id, *client_secret;
    const char *authorize_url, *token_url, *user_url;
    const char *emails_url; /* NULL: the email is in the user document */
    const char *scope;      /* NULL: none sent */
    int pkce;               /* send an S256 code_challenge and the code_verifier */
    enum oauth2_client_auth auth;
    const char *user_body;  /* user_url is POSTed this JSON (Coding's open-api); NULL: GET */
    const char *api_accept; /* Accept of API calls */
    const char *api_header; /* one more API header ("Name: value"), or NULL */
    /* dotted JSON paths in the user document; NULL: absent */
    const char *id_path, *login_path, *name_path, *email_path;
    const char *email_verified_path; /* truthy (true, non-zero, "1", "true") when verified */
    const char *error_path;          /* present in a 200 answer: the call failed */
    /* the emails document: the list's path ("" or NULL: the root) and each item's keys */
    const char *emails_list, *emails_addr, *emails_primary, *emails_verified;
    /* repositories (the Code Build page): repos_url is GET (or POSTed repos_body); "{login}"
     * in it is the identity's login. NULL: no listing. */
    const char *repos_url, *repos_body;
    /* the scope a bind from Code Build asks for instead of scope (repository access), and the
     * word of a granted scope that means private repositories are readable; NULL: none */
    const char *repos_scope, *repos_grant;
    /* the list's path, and each item's name (prefixed by owner/ when repo_owner is set),
     * private flag (repo_public: a flag meaning the opposite), default branch, last update
     * (ISO 8601 or Unix seconds/milliseconds) and web link; NULL: not given */
    const char *repos_list, *repo_name, *repo_owner, *repo_private, *repo_public, *repo_branch,
        *repo_updated, *repo_link;
    /* more pages: the next page's URL in the answer (Bitbucket), or the page count (Coding);
     * GitHub's Link header (rel="next") is always read */
    const char *repos_next, *repos_pages;
    /* an error code in a 200 answer (Coding's Response.Error.Code); codes starting with
     * auth_error mean the token was refused */
    const char *error_code_path, *auth_error;
};

enum oauth2_rc {
    OAUTH2_OK,
    OAUTH2_TIMEOUT,      /* no complete answer before the deadline */
    OAUTH2_UNREACHABLE,  /* no connection (refused, DNS, TLS) */
    OAUTH2_HTTP_ERROR,   /* an HTTP error status (5xx, or 4xx other than a refused code) */
    OAUTH2_BAD_RESPONSE, /* not JSON, or JSON without what must be there */
    OAUTH2_REJECTED,     /* the provider refused the code (used, expired, wrong verifier) */
    OAUTH2_UNAUTHORIZED, /* an API refused the access token (HTTP 401, or its auth error) */
};

/* What the token endpoint gave. The access token stays in the caller's arena only. */
struct oauth2_token {
    char *access_token, *token_type, *scope, *refresh_token;
    int64_t expires_in; /* seconds; 0 when not given (numbers and numeric strings accepted) */
};

/* The person at the provider. Strings in the caller's arena. */
struct oauth2_user {
    char *id;    /* the stable id as text: numbers are printed, strings kept */
    char *login; /* may be NULL */
    char *name;  /* may be NULL */
    char *email; /* the primary verified address, or NULL when there is none */
};

/* The whole exchange after the callback, in one place: what a later feature that keeps
 * provider tokens (encrypted) would take from here. */
struct oauth2_result {
    struct oauth2_token token;
    struct oauth2_user user;
    char *error; /* the provider's error code when it gave one (e.g. "bad_verification_code") */
};

/* {origin}/auth/{name}/callback, in a. origin is scheme://host[:port] of public_url. */
char *oauth2_redirect_uri(struct arena *a, const char *origin, const char *name);
/* base64url(SHA-256(verifier)) without padding, in a. */
char *oauth2_pkce_challenge(struct arena *a, const char *verifier);
/* The authorize URL with response_type, client_id, redirect_uri, scope, state and (when the
 * provider takes PKCE) code_challenge + code_challenge_method=S256, in a. */
char *oauth2_authorize_url(struct arena *a, const struct oauth2_provider *p,
                           const char *redirect_uri, const char *state, const char *verifier);

/* Exchanges code for a token, then reads the user (and the emails) before deadline_us
 * (clock_mono_us() clock). verifier may be NULL. Fills out (strings in a). Needs
 * curl_global_init() done by the program. */
enum oauth2_rc oauth2_complete(struct arena *a, const struct oauth2_provider *p, const char *code,
                               const char *redirect_uri, const char *verifier, int64_t deadline_us,
                               struct oauth2_result *out);

/* The parsers oauth2_complete uses (exposed for tests). body need not be NUL-terminated. */
enum oauth2_rc oauth2_parse_token(struct arena *a, const char *body, size_t len,
                                  struct oauth2_token *tok, char **error);
enum oauth2_rc oauth2_parse_user(struct arena *a, const struct oauth2_provider *p, const char *body,
                                 size_t len, struct oauth2_user *u);
/* Sets u->email to the primary verified address of an emails document (NULL when none). */
enum oauth2_rc oauth2_parse_emails(struct arena *a, const struct oauth2_provider *p,
                                   const char *body, size_t len, struct oauth2_user *u);

/* ---- API calls with a stored token (the Code Build page) ---- */

/* An API answer (in the caller's arena). */
struct oauth2_answer {
    long status;
    const char *body;
    size_t len;
    const char *link; /* the Link header, or NULL */
};

/* GET url (or POST post as JSON) with the access token as a bearer token, before deadline_us.
 * OAUTH2_OK (HTTP 200, and no error code in the body), OAUTH2_UNAUTHORIZED (401, or an auth
 * error code), OAUTH2_HTTP_ERROR (any other status or error code), OAUTH2_TIMEOUT,
 * OAUTH2_UNREACHABLE, OAUTH2_BAD_RESPONSE (too large). */
enum oauth2_rc oauth2_api(struct arena *a, const struct oauth2_provider *p, const char *url,
                          const char *post, const char *token, int64_t deadline_us,
                          struct oauth2_answer *out);
/* Trades a refresh token for new tokens at the token endpoint (grant_type=refresh_token,
 * the provider's client authentication). OAUTH2_REJECTED when the provider refused it
 * (*error: its code). Strings in a. */
enum oauth2_rc oauth2_refresh(struct arena *a, const struct oauth2_provider *p,
                              const char *refresh_token, int64_t deadline_us,
                              struct oauth2_token *tok, char **error);

/* A repository as the Code Build page lists it. Strings in the caller's arena. */
struct oauth2_repo {
    char *name;      /* "owner/name" (or the provider's full name) */
    int private_;    /* 1 private, 0 public, -1 not said */
    char *branch;    /* default branch, or NULL */
    int64_t updated; /* Unix time, 0 when not given or not understood */
    char *link;      /* an http(s) URL of its page, or NULL */
};

struct oauth2_repos {
    struct oauth2_repo *v;
    int n;
    int more; /* the provider has more than these */
};

/* Reads up to max repositories of an answer by the provider's description; items that are
 * not objects or have no name are skipped. link: the answer's Link header (may be NULL).
 * OAUTH2_OK, OAUTH2_BAD_RESPONSE (not JSON, no list), OAUTH2_UNAUTHORIZED or
 * OAUTH2_HTTP_ERROR (an error code in the body). */
enum oauth2_rc oauth2_parse_repos(struct arena *a, const struct oauth2_provider *p,
                                  const char *body, size_t len, const char *link, int max,
                                  struct oauth2_repos *out);
/* A time as providers write it: ISO 8601 ("2024-05-01T12:00:00Z", fractions and offsets
 * allowed), or a number of seconds (milliseconds when above 1e11). 0 when not understood. */
int64_t oauth2_parse_time(const char *s);
/* 1 when a Link header has a rel="next" entry. */
int oauth2_link_has_next(const char *link);

/* "timeout", "unreachable", … (static), for logs. */
const char *oauth2_rc_name(enum oauth2_rc rc);

/* ---- the presets, from the config (oauth2_providers.c) ---- */

/* The providers daoid knows, in the order pages show them; NULL-terminated. */
extern const char *const oauth2_provider_names[];
/* 1 when name is a known provider with a client id (Coding also needs coding_url). */
int oauth2_provider_enabled(const char *name);
/* "GitHub", "Bitbucket", "Coding" (static); NULL for an unknown name. */
const char *oauth2_provider_label(const char *name);
/* The description of name built from the config (strings in a), or NULL when it is unknown
 * or not enabled. */
const struct oauth2_provider *oauth2_provider_get(struct arena *a, const char *name);

#endif
