/* provider_tokens: owner of the provider_tokens table — one row per (account, provider): the
 * sealed access and refresh tokens of the bound identity (provider_token.c seals and opens them;
 * this file only ever sees sealed text), their scope and expiry, a generation that every write
 * bumps, and a refresh lease. Rows go with their identity or account (foreign keys): no sweep. */
#ifndef DAOID_PROVIDER_TOKENS_H
#define DAOID_PROVIDER_TOKENS_H

#include "store.h"

/* The stored scope: ST_OK, ST_NOTFOUND or an error. */
enum st_rc provider_tokens_scope(struct st_conn *c, struct arena *a, int64_t account,
                                 const char *provider, char **scope);

struct provider_tokens_row {
    char *subject; /* of the identity the row belongs to */
    char *access_ct, *refresh_ct, *scope;
    int64_t expires_at, generation, lease_until, updated_at;
};
/* What a write stores (sealed text; refresh_ct may be NULL). */
struct provider_tokens_put {
    const char *access_ct, *refresh_ct, *scope;
    int64_t expires_at;
};
/* Stores the row for the identity (account, provider, subject), replacing an older one
 * (generation + 1, lease ended); rows written (0: no such identity), or -1. */
int provider_tokens_put(struct st_conn *c, int64_t account, const char *provider,
                        const char *subject, const struct provider_tokens_put *row, int64_t now);
enum st_rc provider_tokens_get(struct st_conn *c, struct arena *a, int64_t account,
                               const char *provider, struct provider_tokens_row *out);
/* Takes the refresh lease until now + ttl when generation is current and no lease holds:
 * 1 taken, 0 not, -1 on error. */
int provider_tokens_lease(struct st_conn *c, int64_t account, const char *provider,
                          int64_t generation, int64_t now, int64_t ttl);
/* Stores refreshed tokens over generation (refresh_ct and scope kept when NULL): 1 written,
 * 0 generation moved on, -1 on error. */
int provider_tokens_refreshed(struct st_conn *c, int64_t account, const char *provider,
                              int64_t generation, const struct provider_tokens_put *row,
                              int64_t now);
/* Ends the lease on generation; drop_refresh also forgets the refresh token. 0 or -1. */
int provider_tokens_release(struct st_conn *c, int64_t account, const char *provider,
                            int64_t generation, int drop_refresh);

#endif
