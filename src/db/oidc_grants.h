/* oidc_grants: owner of the oidc_grants table (one per code redemption: a refresh-token family;
 * its tokens are in oidc_tokens). Functions run on the caller's connection, inside its
 * transaction when it holds one. */
#ifndef DAOID_OIDC_GRANTS_H
#define DAOID_OIDC_GRANTS_H

#include "store.h"

/* A new grant; *id set. ST_OK or an error. */
enum st_rc oidc_grants_insert(struct st_conn *c, int64_t client_id, int64_t account_id,
                              const char *scope, int64_t auth_time, const char *amr, int64_t now,
                              int64_t expires_at, int64_t *id);
/* Revokes grant id (and so every token it issued): 1, 0 (none or revoked already), -1. */
int oidc_grants_revoke(struct st_conn *c, int64_t id, int64_t now);
/* Revokes every grant of account to client: how many, or -1. */
int64_t oidc_grants_revoke_client(struct st_conn *c, int64_t account_id, int64_t client_id,
                                  int64_t now);
/* Janitor: a batch of expired grants (their tokens go with them); rows removed or -1. */
int64_t oidc_grants_sweep(struct st_conn *c, int64_t now);

#endif
