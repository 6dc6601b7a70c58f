/* oauth_pending: the owner of the oauth_pending table: a sign-up through an OAuth provider
 * waiting for its "complete your account" form, keyed by the hash of the browser's cookie,
 * with the provider's sealed tokens until the registration moves them to the new account.
 * Taking a row (oauth_pending_take) deletes it in the statement that reads it. */
#ifndef DAOID_OAUTH_PENDING_H
#define DAOID_OAUTH_PENDING_H

#include <stdint.h>

#include "store.h"

struct arena;

struct oauth_pending_row {
    char *id_hash, *provider, *subject;
    char *login, *name, *email, *next; /* may be NULL */
    int64_t created_at, expires_at;
    /* the provider's tokens, sealed (provider_token.h); NULL when none were kept */
    char *token_ct, *refresh_ct, *token_scope;
    int64_t token_expires_at;
};

/* A new row. 0 or -1. */
int oauth_pending_insert(struct st_conn *c, const struct oauth_pending_row *row);
/* The row of id_hash still valid at now, strings in a. ST_OK, ST_NOTFOUND or an error. */
enum st_rc oauth_pending_get(struct st_conn *c, struct arena *a, const char *id_hash, int64_t now,
                             struct oauth_pending_row *out);
/* Deletes the row of id_hash still valid at now and returns it. ST_OK, ST_NOTFOUND or an
 * error. */
enum st_rc oauth_pending_take(struct st_conn *c, struct arena *a, const char *id_hash, int64_t now,
                              struct oauth_pending_row *out);
/* Deletes rows expired at now, at most ST_SWEEP_BATCH a call; their number, or -1. */
int64_t oauth_pending_sweep(struct st_conn *c, int64_t now);

#endif
