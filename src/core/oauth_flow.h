/* oauth_flow: signing up, signing in, binding and re-authenticating through an OAuth2
 * provider (GitHub, Bitbucket, Coding), and unbinding.
 *
 * A flow:
 *   oauth_flow_start: a state row (hashed state, hashed browser cookie, provider, intent,
 *     PKCE verifier, next page) → the browser goes to the provider's authorize page
 *   oauth_flow_callback: the state row is consumed, the code exchanged, the user read, then
 *     by intent
 *       signin  identity known                               → SIGNED_IN (handler: session)
 *               unknown, its verified address is an account's → EMAIL_TAKEN (nothing kept)
 *               unknown                                       → COMPLETE (a pending row)
 *       bind    not linked → BOUND; linked here → ALREADY; linked elsewhere → TAKEN;
 *               the account has another identity there → PROVIDER_TAKEN
 *       reauth  the account's own identity → REAUTHED; another one → REAUTH_MISMATCH
 *   oauth_flow_register (the "complete your account" form): the pending row is consumed and
 *     the account, its identity and its verified flag or verification mail are written in
 *     one transaction → signed in
 *
 * Invariants:
 *  1. A state works once (DELETE … RETURNING), within OAUTH_STATE_TTL, only in the browser
 *     holding the cookie whose hash it keeps, and only on its own provider's callback path.
 *  2. Nothing is linked by email or username (identity.h invariant 2): an identity is linked
 *     only to the account that started a bind and is still signed in at the callback, or to
 *     an account created in the same transaction.
 *  3. A pending sign-up is used once; a failed registration leaves it (and nothing else).
 *  4. Keeping the provider's verified address marks it verified with account_verify_email
 *     (so other accounts' unverified claims end); any other address gets a verification mail.
 *  5. Provider access tokens never reach the logs, and reach the store only sealed
 *     (provider_token.h): kept for the account after a bind, a sign-in or a re-authentication
 *     (a sign-in never narrows what a bind granted), and with the pending row of a sign-up
 *     until its registration moves them to the new account.
 *  6. Unbinding keeps a way to sign in that works now (identity.h invariant 3: identities at
 *     providers no longer configured do not count) and needs a recent sign-in, the password,
 *     or a re-authentication at a provider. */
#ifndef DAOID_OAUTH_FLOW_H
#define DAOID_OAUTH_FLOW_H

#include <stdint.h>

#include "registration.h"

struct arena;
struct identity;

#define OAUTH_STATE_TTL      600
#define OAUTH_PENDING_TTL    1800
#define OAUTH_BROWSER_COOKIE "oauth"
#define OAUTH_PENDING_COOKIE "oauth_signup"

enum oauth_intent { OAUTH_INTENT_SIGNIN, OAUTH_INTENT_BIND, OAUTH_INTENT_REAUTH };

/* "signin", "bind", "reauth" (static). */
const char *oauth_intent_name(enum oauth_intent i);

/* ---- start ---- */

struct oauth_start_in {
    const char *provider;
    enum oauth_intent intent;
    int64_t account_id;  /* the signed-in account (bind, reauth); 0 for signin */
    const char *next;    /* a checked same-site path, or NULL */
    const char *browser; /* the browser's OAUTH_BROWSER_COOKIE, or NULL */
    const char *ip;
    int repos; /* ask for repository access too (the provider's repos_scope: Code Build) */
};

enum oauth_start_rc { OSTART_OK, OSTART_OFF, OSTART_LIMITED, OSTART_ERR };

struct oauth_start_out {
    const char *url;     /* the provider's authorize URL */
    const char *browser; /* the value to (re)set as OAUTH_BROWSER_COOKIE */
};

/* Records a new state and gives the authorize URL. Strings in a. */
enum oauth_start_rc oauth_flow_start(struct arena *a, const struct oauth_start_in *in,
                                     struct oauth_start_out *out);

/* ---- callback ---- */

enum oauth_outcome {
    OAUTH_SIGNED_IN,
    OAUTH_COMPLETE,
    OAUTH_BOUND,
    OAUTH_ALREADY,
    OAUTH_REAUTHED,
    OAUTH_OFF,             /* the provider is not configured */
    OAUTH_DENIED,          /* the person cancelled at the provider */
    OAUTH_PROVIDER_ERROR,  /* the provider sent another error, or no code */
    OAUTH_BAD_STATE,       /* missing, unknown, used, expired, other browser or provider */
    OAUTH_SESSION_CHANGED, /* bind/reauth: not signed in as the account that started */
    OAUTH_REJECTED,        /* the provider refused the code (used, expired) */
    OAUTH_TIMEOUT,
    OAUTH_UNAVAILABLE, /* unreachable or an HTTP error */
    OAUTH_BAD_RESPONSE,
    OAUTH_EMAIL_TAKEN,    /* the provider's verified address is an existing account's */
    OAUTH_TAKEN,          /* the identity is linked to another account */
    OAUTH_PROVIDER_TAKEN, /* the account has another identity at this provider */
    OAUTH_REAUTH_MISMATCH,
    OAUTH_DISABLED,
    OAUTH_STORE_ERR,
};

struct oauth_callback_in {
    const char *provider;             /* from the callback path */
    const char *code, *state, *error; /* query parameters, NULL when absent */
    const char *browser;              /* OAUTH_BROWSER_COOKIE */
    int64_t session_account;          /* 0 when not signed in */
    const char *ip;
};

struct oauth_callback_out {
    enum oauth_outcome outcome;
    enum oauth_intent intent; /* the state's, when it was valid; else OAUTH_INTENT_SIGNIN */
    int64_t account_id;       /* SIGNED_IN */
    const char *pending;      /* COMPLETE: the value for OAUTH_PENDING_COOKIE */
    const char *next;         /* the state's next page, or NULL */
    int repos;                /* the state's flow asked for repository access */
    const char *label;        /* "GitHub" */
    const char *login;        /* the provider's login, when known */
    const char *email;        /* EMAIL_TAKEN: the address */
};

/* Runs the callback. Strings in a. */
void oauth_flow_callback(struct arena *a, const struct oauth_callback_in *in,
                         struct oauth_callback_out *out);

/* ---- complete your account ---- */

struct oauth_pending {
    const char *provider, *label, *subject, *login, *name;
    const char *email;      /* the provider's verified address, or NULL */
    const char *suggestion; /* a free username made from the login */
    const char *next;
};

/* The pending sign-up of token: 1 (out filled, in a), 0 when none (used, expired, unknown),
 * -1 on a store error. */
int oauth_flow_pending(struct arena *a, const char *token, struct oauth_pending *out);

struct oauth_register_in {
    const char *pending; /* OAUTH_PENDING_COOKIE */
    const char *username, *email;
    int terms;
    const char *ip, *lang;
};

struct oauth_register_out {
    reg_errors errors; /* catalog key per field (RF_*) */
    int64_t account_id;
    int verified; /* the provider's address was kept (no mail) */
    const char *next;
    const char *provider; /* whose identity signed up ("github", ...; session amr) */
};

/* Registers the pending sign-up (registration.h): REG_OK (created: signed in next),
 * REG_INVALID (out->errors), REG_LIMITED, REG_GONE (no pending sign-up: used, expired,
 * unknown), REG_TAKEN (the identity was registered meanwhile) or REG_STORE_ERR. */
enum reg_outcome oauth_flow_register(struct arena *a, const struct oauth_register_in *in,
                                     struct oauth_register_out *out);

/* A username for login: NFKC + case folded, runs of other characters turned into one '-',
 * at most 26 characters, "user" when nothing is left; then the first of base, base-2, base-3
 * … that is valid, not reserved and not taken(ctx, name) (1 taken, 0 free, -1 error).
 * In a; NULL when taken() failed (the base itself when nothing was free). */
const char *oauth_flow_suggest_username(struct arena *a, const char *login,
                                        int (*taken)(void *ctx, const char *name), void *ctx);

/* ---- linked accounts ---- */

struct oauth_account_row {
    const char *provider; /* "github", …, "wechat" */
    const char *label;    /* NULL for wechat (pages use their catalog) */
    const char *bind_href;
    int offered; /* the provider is configured (binding possible) */
    int bound;
    const char *login;
    int64_t linked_at;
};

/* The providers to show on the linked-accounts page: each configured one (and WeChat when
 * wechat_app_id is set) plus any other the account is bound to. *has_password tells whether
 * the account has one. 0, or -1 on a store error. In a. */
int oauth_flow_accounts(struct arena *a, int64_t account_id, struct oauth_account_row **rows,
                        int *n, int *has_password);
/* The account's identities, oldest first (for the API). 0 or -1. */
int oauth_flow_identities(struct arena *a, int64_t account_id, struct identity **out, int *n);

enum oauth_unbind_rc {
    OUNBIND_OK,
    OUNBIND_NOTFOUND,
    OUNBIND_LAST,          /* the last way to sign in */
    OUNBIND_LAST_UNUSABLE, /* the last way that works: the account's other identities are at
                              providers not configured now */
    OUNBIND_NEED_PASSWORD, /* not fresh: the password is needed */
    OUNBIND_BAD_PASSWORD,
    OUNBIND_NEED_REAUTH, /* not fresh and no password: sign in again at a provider */
    OUNBIND_LIMITED,
    OUNBIND_BUSY,
    OUNBIND_ERR,
};

struct oauth_unbind_in {
    int64_t account_id;
    const char *provider;
    const char *password; /* NULL or "" when the form had none */
    int fresh;            /* session_fresh() */
    const char *ip;
};

struct oauth_unbind_out {
    const char *reauth_provider; /* NEED_REAUTH: the provider to sign in again with, or NULL */
    int password_ok;             /* the password was checked (the session may count as fresh) */
};

enum oauth_unbind_rc oauth_flow_unbind(struct arena *a, const struct oauth_unbind_in *in,
                                       struct oauth_unbind_out *out);

#endif
