/* recovery_codes: owner of the recovery_codes table — the hashes (never the codes) of an
 * account's single-use recovery codes, and when each was used. recovery.c makes, hashes and
 * compares them. Rows go with their account. */
#ifndef DAOID_RECOVERY_CODES_H
#define DAOID_RECOVERY_CODES_H

#include "store.h"

int recovery_codes_insert(struct st_conn *c, int64_t account, const char *hash, int64_t now);
/* Removes all of the account's codes: rows removed, or -1. */
int64_t recovery_codes_delete_all(struct st_conn *c, int64_t account);
/* The hashes of the unused codes (at most max) into out (in a): how many, or -1. */
int recovery_codes_unused(struct st_conn *c, struct arena *a, int64_t account, char **out, int max);
/* Marks the unused code of hash used: 1, 0 (used meanwhile), -1. */
int recovery_codes_use(struct st_conn *c, int64_t account, const char *hash, int64_t now);
/* Unused codes left, or -1. */
int64_t recovery_codes_count(struct st_conn *c, int64_t account);

#endif
