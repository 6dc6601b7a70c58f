/* provider_token: the provider access tokens (and refresh tokens) an account granted daoid at
 * GitHub, Bitbucket or Coding, kept sealed in the provider_tokens table for the Code Build
 * page.
 *
 * A row: saved (provider_token_put, at a bind, sign-in, re-authentication or the end of a
 *   sign-up) → read (provider_token_get) → when expired or refused: leased by one caller
 *   (provider_token_lease) → refreshed (provider_token_refreshed: new tokens, generation + 1)
 *   or released (provider_token_release, optionally forgetting a refused refresh token)
 *   → deleted with its identity (unbind) or its account (deletion), by foreign-key cascades.
 *
 * Values are sealed by seal.h with the service's token key (secrets.h) for the place
 * (provider, the provider's user id, "access" or "refresh"), so a value only opens in its own
 * row and field.
 *
 * Invariants:
 *  1. A token reaches the store only sealed, and never a log line.
 *  2. A row belongs to an identity of its own account (written by a copy from the
 *     identity's row, provider_tokens.c), so it can never be attached to another account, and goes with the identity.
 *  3. At most one caller refreshes a row at a time (the lease, taken on the generation it
 *     read); a refresh lands only on that generation. Others wait for the new generation.
 *  4. A value that does not open (another key, damaged, another row's) counts as no token:
 *     the page asks to bind again; nothing is guessed. */
#ifndef DAOID_PROVIDER_TOKEN_H
#define DAOID_PROVIDER_TOKEN_H

#include <stdint.h>

struct arena;
struct st_conn;

/* Tokens in clear (in some arena). expires_at: Unix time, 0 when the provider gave none. */
struct pt_plain {
    const char *access, *refresh, *scope;
    int64_t expires_at;
};
/* The same, sealed; scope and expires_at are kept in clear. */
struct pt_sealed {
    const char *access_ct, *refresh_ct, *scope;
    int64_t expires_at;
};

/* Seals t with the service's token key (secrets.h). 0, or -1 when there is no key or no
 * usable access token. Strings in a. */
int provider_token_seal(struct arena *a, const char *provider, const char *subject,
                        const struct pt_plain *t, struct pt_sealed *out);
/* Saves s as the account's tokens at provider, for its identity (provider, subject) only
 * (invariant 2). With wide (a scope word, may be NULL): when the stored row's scope has wide
 * and s's does not, the stored row stays (a sign-in does not take back what a bind granted).
 * Works inside or outside the caller's transaction. 1 saved, 0 not (no such identity of the
 * account, or the wider grant kept), -1 on a store error. */
int provider_token_put(struct st_conn *c, int64_t account_id, const char *provider,
                       const char *subject, const struct pt_sealed *s, const char *wide,
                       int64_t now);

enum pt_rc {
    PT_OK,
    PT_NONE,       /* no row */
    PT_UNREADABLE, /* a row whose access token does not open (invariant 4) */
    PT_ERR,
};

struct pt_row {
    const char *subject; /* the identity's id at the provider */
    struct pt_plain tok; /* opened; refresh NULL when there is none or it does not open */
    int64_t generation;
    int64_t lease_until;
    int64_t updated_at;
};

/* The account's tokens at provider, opened with the service's key. Strings in a. */
enum pt_rc provider_token_get(struct st_conn *c, struct arena *a, int64_t account_id,
                              const char *provider, struct pt_row *out);

/* Takes the refresh lease until now + ttl on the row as it was at generation (invariant 3).
 * 1 taken, 0 not (someone holds it, or the row moved on), -1 on a store error. */
int provider_token_lease(struct st_conn *c, int64_t account_id, const char *provider,
                         int64_t generation, int64_t now, int64_t ttl);
/* Stores refreshed tokens (t->refresh and t->scope NULL: the old ones stay) on the row still
 * at generation, ending the lease. 1 stored, 0 the row moved on, -1 on an error. */
int provider_token_refreshed(struct st_conn *c, struct arena *a, int64_t account_id,
                             const char *provider, const char *subject, int64_t generation,
                             const struct pt_plain *t, int64_t now);
/* Ends the lease of the row at generation without new tokens; with drop_refresh the refresh
 * token is forgotten (the provider refused it) and the generation moves on, so waiters see
 * the outcome. 0 or -1. */
int provider_token_release(struct st_conn *c, int64_t account_id, const char *provider,
                           int64_t generation, int drop_refresh);

/* 1 when the scope list (words separated by spaces or commas) has word. */
int provider_token_scope_has(const char *scope, const char *word);

#endif
