/* tokens: owner of the tokens table (one-time links: "verify", "email", "reset"), stored by
 * the hash of the token (token.c makes and hashes them). Using a token is one UPDATE … WHERE
 * used_at IS NULL, so two racing clicks cannot both succeed. Functions run on the caller's
 * connection, inside its transaction; text comes back in the caller's arena. */
#ifndef DAOID_TOKENS_H
#define DAOID_TOKENS_H

#include "store.h"

/* 0 or -1. */
int tokens_insert(struct st_conn *c, const char *hash, const char *kind, int64_t account,
                  const char *email, int64_t now, int64_t expires_at);
/* An unused token's account and address, without using it: ST_OK, ST_NOTFOUND or an error. */
enum st_rc tokens_peek(struct st_conn *c, struct arena *a, const char *hash, const char *kind,
                       int64_t *account, char **email);
/* Uses an unused, unexpired token: ST_OK (its account and address set), ST_NOTFOUND. */
enum st_rc tokens_use(struct st_conn *c, struct arena *a, const char *hash, const char *kind,
                      int64_t now, int64_t *account, char **email);
/* When a token was used (0: never) and when it expires: ST_OK, ST_NOTFOUND. */
enum st_rc tokens_state(struct st_conn *c, const char *hash, const char *kind, int64_t *used_at,
                        int64_t *expires_at);

/* A token and the account it belongs to, as they are now. */
struct token_link {
    int64_t used_at, expires_at, account_id;
    char *sent_to; /* the address the token went to */
    char *username, *email, *email_norm;
};
enum st_rc tokens_with_account(struct st_conn *c, struct arena *a, const char *hash,
                               const char *kind, struct token_link *out);
/* The address of account's newest unused, unexpired token of kind: ST_OK, ST_NOTFOUND. */
enum st_rc tokens_latest_unused(struct st_conn *c, struct arena *a, int64_t account,
                                const char *kind, int64_t now, char **email);
/* Deletes account's unused tokens of kind. 0 or -1. */
int tokens_drop_unused(struct st_conn *c, int64_t account, const char *kind);
/* Deletes the unused "verify" tokens other accounts hold for email_norm. 0 or -1. */
int tokens_drop_other_claims(struct st_conn *c, const char *email_norm, int64_t account);
/* Marks account's unused tokens of kind used at now. 0 or -1. */
int tokens_use_all(struct st_conn *c, int64_t account, const char *kind, int64_t now);
/* Janitor: removes tokens a week past their expiry, at most ST_SWEEP_BATCH a call; rows removed
 * or -1. */
int64_t tokens_sweep(struct st_conn *c, int64_t now);

#endif
