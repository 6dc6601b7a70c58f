/* oidc_tokens: owner of the oidc_tokens table (opaque access tokens and refresh tokens, keyed by
 * their hash; oidc_token.c makes and hashes them). Functions run on the caller's connection,
 * inside its transaction when it holds one; text comes back in the caller's arena. */
#ifndef DAOID_OIDC_TOKENS_H
#define DAOID_OIDC_TOKENS_H

#include "store.h"

/* A token with its grant, client and account, whatever their state. */
struct oidc_token_row {
    int64_t grant_id;
    char *kind; /* "access" or "refresh" */
    int64_t expires_at, used_at, revoked_at;
    int64_t grant_revoked_at, client_id, account_id;
    char *scope;
    int64_t auth_time;
    char *amr;
    char *client; /* the public client_id */
    int64_t account_status;
    char *username;
    int64_t grant_expires_at;
};

enum st_rc oidc_tokens_insert(struct st_conn *c, const char *hash, int64_t grant_id,
                              const char *kind, int64_t now, int64_t expires_at);
/* ST_OK, ST_NOTFOUND or an error. */
enum st_rc oidc_tokens_get(struct st_conn *c, struct arena *a, const char *hash,
                           struct oidc_token_row *out);
/* Marks a refresh token used (rotated): 1 for the one caller that did, 0 when it was used or
 * revoked already, -1 on error. */
int oidc_tokens_use(struct st_conn *c, const char *hash, int64_t now);
/* Revokes one token: 1, 0 (none or revoked already), -1. */
int oidc_tokens_revoke(struct st_conn *c, const char *hash, int64_t now);
/* Janitor: a batch of expired tokens; rows removed or -1. */
int64_t oidc_tokens_sweep(struct st_conn *c, int64_t now);

#endif
