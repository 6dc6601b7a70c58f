/* password: the password policy (length in code points after NFKC, common and context words)
 * and argon2id hashing through libsodium, bounded by a semaphore of hash_slots so memory stays
 * at most slots × argon2_memory; a request that cannot get a slot within hash_wait_ms is told
 * to come back later (503) instead of queueing without bound. */
#ifndef DAOID_PASSWORD_H
#define DAOID_PASSWORD_H

#include <stddef.h>

struct arena;

#define PASSWORD_HASH_MAX 128 /* crypto_pwhash_STRBYTES */

enum pw_policy {
    PW_OK,
    PW_INVALID, /* not UTF-8, or control characters */
    PW_TOO_SHORT,
    PW_TOO_LONG,
    PW_COMMON,  /* in the shipped list of common passwords */
    PW_CONTEXT, /* contains the username, the email's local part or the site name */
};

enum pw_rc {
    PWR_OK,       /* hashed / matched */
    PWR_MISMATCH, /* verify: wrong password */
    PWR_BUSY,     /* no hash slot in time: answer 503 */
    PWR_ERR,
};

/* Loads the common-password list and sets up the slots and the dummy hash. 0 or -1. */
int password_init(void);
void password_shutdown(void);
/* Hash slots taken now (metrics), or -1 before password_init. */
int password_slots_in_use(void);

/* Checks pw against the policy; on PW_OK *normalized (in a) is the NFKC form to hash.
 * username and email may be NULL. */
enum pw_policy password_check(struct arena *a, const char *pw, const char *username,
                              const char *email, const char **normalized);
/* NFKC form of pw for verification (no policy), in a; NULL when pw is not valid UTF-8. */
const char *password_normalize(struct arena *a, const char *pw);

/* Hashes normalized into out[PASSWORD_HASH_MAX] with the configured parameters. */
enum pw_rc password_hash(const char *normalized, char *out);
/* Verifies normalized against hash; hash NULL (unknown account, or no password) runs the
 * dummy hash so timing matches and returns PWR_MISMATCH. *rehash is set when the hash was
 * made with other parameters than configured now. */
enum pw_rc password_verify(const char *hash, const char *normalized, int *rehash);
/* Number of entries in the common list (for tests). */
size_t password_common_count(void);

/* The catalog key of the message for a password the policy refuses (never for PW_OK). */
const char *password_policy_error(enum pw_policy rc);

#endif
