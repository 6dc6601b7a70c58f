/* pow: the proof-of-work alternative to the image captcha (captcha_alternative = pow), in the
 * manner of ALTCHA: the server issues a challenge, a random salt and SHA-256(salt || N) for a
 * secret N drawn from 0..max, with an expiry, signed with HMAC-SHA-256 under the service's key;
 * the browser finds N by trying numbers (web/static/pow_worker.js: half of max on average) and
 * posts it. Issuing stores nothing; verifying checks the signature, the expiry and the number,
 * then records the salt as used (a rate counter of 1 per twice the lifetime, shared by every
 * node and swept by the janitor), so each solution passes once.
 *
 * The challenge travels as one form value (the captcha's id field):
 *   pow1.SALT.EXPIRES.MAX.CHALLENGE.SIGNATURE
 * SALT 32 hex digits, EXPIRES Unix seconds, MAX decimal, CHALLENGE and SIGNATURE 64 hex digits;
 * the signature covers everything before it. */
#ifndef DAOID_POW_H
#define DAOID_POW_H

#include <stdint.h>

struct arena;

#define POW_TTL    600 /* seconds, as an image captcha */
#define POW_PREFIX "pow1."
#define POW_KEYLEN 32

enum pow_rc {
    POW_OK,
    POW_MALFORMED, /* not a challenge daoid writes, or no number */
    POW_FORGED,    /* the signature does not hold */
    POW_EXPIRED,
    POW_WRONG,    /* the number does not solve it */
    POW_REPLAYED, /* solved and used before */
    POW_STORE_ERR,
};

/* A new challenge signed with key, valid until now + POW_TTL, with N in 0..max; in a. */
char *pow_issue(struct arena *a, const unsigned char key[POW_KEYLEN], int64_t now, int64_t max);
/* The check without the store: form, signature (constant time), expiry, number. On POW_OK,
 * salt (33 bytes) receives the challenge's salt. */
enum pow_rc pow_check(const unsigned char key[POW_KEYLEN], const char *challenge,
                      const char *number, int64_t now, char salt[33]);
/* With the service's key: pow_issue with cfg->pow_max_number, NULL on error. */
char *pow_new(struct arena *a, int64_t now);
/* pow_check with the service's key, then the single use (POW_REPLAYED the second time). */
enum pow_rc pow_verify(struct arena *a, const char *challenge, const char *number, int64_t now);

#endif
