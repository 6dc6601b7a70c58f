/* oidc_codes: owner of the oidc_codes table (authorization codes, keyed by their hash; oidc.c
 * makes and hashes codes). Functions run on the caller's connection, inside its transaction
 * when it holds one; text comes back in the caller's arena. */
#ifndef DAOID_OIDC_CODES_H
#define DAOID_OIDC_CODES_H

#include "store.h"

struct oidc_code_row {
    int64_t client_id, account_id; /* client_id: oidc_clients.id */
    char *redirect_uri, *scope;
    char *nonce, *challenge; /* NULL when none */
    int64_t auth_time;
    char *amr;
    int64_t expires_at;
};

/* A new code. ST_OK or an error. */
enum st_rc oidc_codes_insert(struct st_conn *c, const char *hash, const struct oidc_code_row *r,
                             int64_t now);
/* Marks the code used and reads it: ST_OK once per code, then ST_NOTFOUND (also for an
 * unknown code; the caller asks oidc_codes_grant_of which it was). Expiry is the caller's. */
enum st_rc oidc_codes_take(struct st_conn *c, struct arena *a, const char *hash, int64_t now,
                           struct oidc_code_row *out);
/* The grant a used code was redeemed for (0 none yet) and its client: ST_OK, ST_NOTFOUND. */
enum st_rc oidc_codes_grant_of(struct st_conn *c, const char *hash, int64_t *grant_id,
                               int64_t *client_id);
/* Records the grant a code was redeemed for. ST_OK or an error. */
enum st_rc oidc_codes_set_grant(struct st_conn *c, const char *hash, int64_t grant_id);
/* Janitor: a batch of codes a day past their expiry; rows removed or -1. */
int64_t oidc_codes_sweep(struct st_conn *c, int64_t now);

#endif
