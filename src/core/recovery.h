/* recovery: recovery codes — ten single-use codes an account gets with its first second factor
 * (and anew whenever its owner asks: the old ones die), shown once, stored only as hashes.
 * They are random (50 bits each, base32 in two groups of five: "k3m9x-7qa2b"), so a fast hash
 * (BLAKE2b-256, token_hash) is enough; a typed code is hashed and compared in constant time
 * with each unused one. Calls run inside the caller's transaction where they write. */
#ifndef DAOID_RECOVERY_H
#define DAOID_RECOVERY_H

#include <stdint.h>

struct arena;
struct st_conn;

#define RECOVERY_CODES    10
#define RECOVERY_CODE_LEN 11 /* "xxxxx-xxxxx" */

/* Replaces the account's codes with RECOVERY_CODES new ones, returned in out[] (in a). 0 or -1. */
int recovery_generate(struct st_conn *c, struct arena *a, int64_t account, char **out, int64_t now);
/* The typed code normalized (case folded; spaces and '-' dropped): 10 base32 characters, or
 * NULL when it cannot be a code. In a. */
char *recovery_normalize(struct arena *a, const char *typed);
/* Uses the typed code: 1 (it was an unused code of the account: now used), 0 (not), -1. */
int recovery_use(struct st_conn *c, struct arena *a, int64_t account, const char *typed,
                 int64_t now);
/* Unused codes left, or -1. */
int64_t recovery_left(struct st_conn *c, int64_t account);
/* Drops every code of the account (its last factor went). -1 on error. */
int recovery_drop(struct st_conn *c, int64_t account);

#endif
