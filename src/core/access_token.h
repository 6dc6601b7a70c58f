/* access_token: personal access tokens for the image registry. A secret is "dao_pat_" + 43
 * base64url characters (256 random bits), shown once at creation; the store keeps only its
 * BLAKE2b-256 hash (a fast hash is right for a random 256-bit secret: nothing to guess). Each
 * token has a name, scopes (registry:pull, registry:push) and an expiry (30, 90, 365 days or
 * none). Creating one needs a recent sign-in, is audited, and mails a notice to the account's
 * verified address (in the same transaction as the row). */
#ifndef DAOID_ACCESS_TOKEN_H
#define DAOID_ACCESS_TOKEN_H

#include <stdint.h>

#include "access_tokens.h" /* struct access_token_row, the table's owner */

struct arena;

#define ACCESS_TOKEN_PREFIX     "dao_pat_"
#define ACCESS_TOKEN_LEN        (8 + 43)
#define ACCESS_TOKEN_MAX_LIVE   50
#define ACCESS_TOKEN_NAME_MAX   40
#define ACCESS_TOKEN_TOUCH_SECS 60

enum at_scope { AT_PULL = 1u << 0, AT_PUSH = 1u << 1 };

enum at_rc {
    AT_OK,
    AT_INVALID,  /* the form: *err names the catalog key */
    AT_REAUTH,   /* not signed in recently */
    AT_TOO_MANY, /* ACCESS_TOKEN_MAX_LIVE live tokens already */
    AT_NOTFOUND, /* unknown, someone else's, revoked */
    AT_EXPIRED,
    AT_DISABLED, /* the account is disabled */
    AT_MISMATCH, /* the token is another account's than the username given */
    AT_BUSY,     /* the store failed */
};

/* "registry:pull registry:push" → bits; unknown words are ignored. */
unsigned access_token_scopes_parse(const char *s);
/* bits → "registry:pull registry:push" (static). */
const char *access_token_scopes_text(unsigned bits);
/* 1 when s has the shape of a secret (prefix, length, alphabet). */
int access_token_wellformed(const char *s);

struct at_new {
    int64_t account_id;
    int fresh; /* signed in within reauth_window */
    const char *ip, *lang;
    const char *name;
    unsigned scopes;
    int days; /* 30, 90, 365, or 0 for none */
};
/* Creates a token: AT_OK with the secret in *secret (in a, show it once), AT_INVALID (*err),
 * AT_REAUTH, AT_TOO_MANY, AT_BUSY. */
enum at_rc access_token_create(struct arena *a, const struct at_new *in, char **secret,
                               const char **err);
/* The account's tokens, newest first (at most 100): *out in a. 0 or -1. */
int access_token_list(struct arena *a, int64_t account, struct access_token_row **out, int *n);
/* Revokes the account's token id: AT_OK, AT_NOTFOUND, AT_BUSY. */
enum at_rc access_token_revoke(struct arena *a, int64_t account, int64_t id, const char *ip);

/* A registry login with a token: the username typed (any case) and the secret. AT_OK with the
 * account, its canonical username and the token's scopes; AT_NOTFOUND (unknown or revoked),
 * AT_EXPIRED, AT_DISABLED, AT_MISMATCH, AT_BUSY. Records the use (last_used_at). */
struct at_login {
    int64_t account_id;
    char *username;
    unsigned scopes;
};
enum at_rc access_token_check(struct arena *a, const char *username, const char *secret,
                              int64_t now, struct at_login *out);

#endif
