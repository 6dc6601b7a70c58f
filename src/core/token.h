/* token: secrets handed to browsers and mail readers (session cookies, verification links,
 * captcha ids): 256 bits from the CSPRNG, base64url, and the hash under which the store keeps
 * them (the store never sees a token itself). Also the one-time link tokens table. */
#ifndef DAOID_TOKEN_H
#define DAOID_TOKEN_H

#include <stdint.h>

#define TOKEN_LEN      43 /* 32 bytes as unpadded base64url */
#define TOKEN_HASH_LEN 64 /* hex BLAKE2b-256 */

struct arena;
struct st_conn;

/* Fresh token into out[TOKEN_LEN + 1]. */
void token_new(char *out);
/* Hex hash of token into out[TOKEN_HASH_LEN + 1]. */
void token_hash(const char *token, char *out);
/* A fresh token into tok and its hash (the store's key for it) into hash: token_new, then
 * token_hash. */
void token_new_hashed(char tok[TOKEN_LEN + 1], char hash[TOKEN_HASH_LEN + 1]);
/* 1 when a looks like a token (length and alphabet): cheap filter before any lookup. */
int token_wellformed(const char *a);
/* Constant-time string comparison; 1 when equal. */
int token_equal(const char *a, const char *b);

/* One-time link tokens (kind: "verify", "reset", "email"), stored hashed, tied to an account
 * and an address. Call inside the caller's transaction. 0, or -1 on a store error. */
int token_issue(struct st_conn *c, const char *kind, int64_t account_id, const char *email,
                int64_t now, int64_t ttl, char *token_out);

/* The account and address of an unused token of kind, without using it (to take the locks
 * its use will need first). 1 found, 0 not, -1 on a store error; *email in a. */
int token_peek(struct st_conn *c, struct arena *a, const char *kind, const char *token,
               int64_t *account_id, char **email);

enum token_use {
    TOKEN_OK,      /* consumed now */
    TOKEN_UNKNOWN, /* never issued (or its account is gone) */
    TOKEN_USED,    /* consumed before */
    TOKEN_EXPIRED,
    TOKEN_STORE_ERR,
};
/* Consumes token of kind atomically (single use even under races): on TOKEN_OK fills
 * *account_id and *email (in a). Call inside the caller's transaction. */
enum token_use token_consume(struct st_conn *c, struct arena *a, const char *kind,
                             const char *token, int64_t now, int64_t *account_id, char **email);

#endif
