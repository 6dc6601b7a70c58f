/* access_tokens: owner of the access_tokens table (the registry's personal access tokens),
 * keyed by the hash of the secret (access_token.c makes and hashes secrets; the store never
 * sees one). Functions run on the caller's connection, inside its transaction when it holds
 * one; text comes back in the caller's arena. */
#ifndef DAOID_ACCESS_TOKENS_H
#define DAOID_ACCESS_TOKENS_H

#include "store.h"

struct access_token_row {
    int64_t id, account_id;
    char *name, *scopes, *username;
    int64_t created_at, expires_at, last_used_at, revoked_at;
    int64_t status; /* the account's (by_hash only): 0 active */
};

/* A new row; *id set. ST_OK, ST_CONFLICT (hash taken) or an error. */
enum st_rc access_tokens_insert(struct st_conn *c, int64_t account, const char *name,
                                const char *hash, const char *scopes, int64_t now,
                                int64_t expires_at, int64_t *id);
/* The account's tokens not revoked (expired ones count); -1 on error. */
int64_t access_tokens_count_live(struct st_conn *c, int64_t account);
/* The account's tokens, newest first, at most max: rows in *out (in a). Count or -1. */
int access_tokens_list(struct st_conn *c, struct arena *a, int64_t account,
                       struct access_token_row *out, int max);
/* The token with this hash and its account's username: ST_OK, ST_NOTFOUND or an error. */
enum st_rc access_tokens_by_hash(struct st_conn *c, struct arena *a, const char *hash,
                                 struct access_token_row *out);
/* Sets last_used_at to now when it is older than now - every (one write per minute at most).
 * 0 or -1. */
int access_tokens_touch(struct st_conn *c, int64_t id, int64_t now, int64_t every);
/* Revokes account's token id: ST_OK (*name set), ST_NOTFOUND (not its, or revoked). */
enum st_rc access_tokens_revoke(struct st_conn *c, struct arena *a, int64_t id, int64_t account,
                                int64_t now, char **name);
/* Janitor: removes tokens revoked or expired 30 days ago; rows removed or -1. */
int64_t access_tokens_sweep(struct st_conn *c, int64_t now);

#endif
