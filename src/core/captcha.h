/* captcha: image challenges for sign-up (always) and sign-in (after repeated failures).
 * A challenge is created with a random id (a token) and a 5–6 character answer from an
 * alphabet without look-alikes; the store keeps only hashes of both and an expiry (10 min).
 * Checking consumes the challenge whatever the outcome: one attempt per image.
 * New challenges are limited per IP (limit_captcha_ip), so nobody fills the table from one
 * address.
 * With captcha_test_answer set (tests on loopback only) every answer is that string. */
#ifndef DAOID_CAPTCHA_H
#define DAOID_CAPTCHA_H

#include <stddef.h>
#include <stdint.h>

struct arena;

#define CAPTCHA_TTL      600
#define CAPTCHA_ALPHABET "ACDEFHJKMNPRTUVWXY34679"

enum captcha_rc {
    CAPTCHA_OK,
    CAPTCHA_WRONG,   /* wrong answer (the challenge is gone now) */
    CAPTCHA_UNKNOWN, /* expired, used, or never issued */
    CAPTCHA_MISSING, /* no answer given */
    CAPTCHA_STORE_ERR,
};

/* New challenge for a client at ip: *id (token) and *png_data_uri ("data:image/png;base64,…")
 * in a. 0, CAPTCHA_NEW_LIMITED (too many from ip: nothing stored) or -1. */
#define CAPTCHA_NEW_LIMITED 1
int captcha_new(struct arena *a, const char *ip, int64_t now, char **id, char **png_data_uri);
/* Checks and consumes. Answers compare case-insensitively, spaces ignored. An id that is a
 * proof-of-work challenge (pow.h; with captcha_alternative = pow) is checked as one, the answer
 * being the number that solves it: expired or used before is CAPTCHA_UNKNOWN, a forged
 * challenge or a wrong number CAPTCHA_WRONG. */
enum captcha_rc captcha_check(struct arena *a, const char *id, const char *answer, int64_t now);
/* Normalized answer (upper case, no spaces), in a; exposed for tests. */
char *captcha_normalize(struct arena *a, const char *answer);

#endif
