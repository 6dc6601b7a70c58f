/* totp: time-based one-time passwords (RFC 6238 over RFC 4226 HOTP) as authenticator apps make
 * them: HMAC-SHA-1, 6 digits, 30-second steps, one step of clock drift either way. Pure
 * functions (OpenSSL's HMAC, already linked: a few lines, no extra library); the secret's
 * storage and the "each code once" rule (the last step used) are mfa.c's. */
#ifndef DAOID_TOTP_H
#define DAOID_TOTP_H

#include <stddef.h>
#include <stdint.h>

struct arena;

#define TOTP_SECRET_LEN 20 /* bytes: 160 bits, RFC 4226's recommendation for SHA-1 */
#define TOTP_STEP       30 /* seconds */
#define TOTP_DIGITS     6
#define TOTP_DRIFT      1 /* steps accepted either side of now */

/* The HOTP value of key at counter, truncated to digits (1-9) decimal digits. */
uint32_t totp_hotp(const unsigned char *key, size_t keylen, uint64_t counter, int digits);
/* The time step of a Unix time (floor(t / TOTP_STEP)). */
int64_t totp_step(int64_t t);
/* The step within ±TOTP_DRIFT of now whose 6-digit code is code (spaces ignored; exactly six
 * digits otherwise) and is later than last_step (a code is used once), or -1 when none: a
 * malformed code, a wrong one, or one already used (*reused set to 1 then, when reused is not
 * NULL). Every candidate step is computed and compared in constant time. */
int64_t totp_match(const unsigned char *key, size_t keylen, const char *code, int64_t now,
                   int64_t last_step, int *reused);

/* RFC 4648 base32 without padding (what otpauth URIs carry), in a. */
char *totp_base32(struct arena *a, const unsigned char *bin, size_t len);
/* Decodes base32 (upper or lower case, '=' and spaces ignored) into out (at most max bytes):
 * the length, or -1 for anything else. */
int totp_base32_decode(const char *s, unsigned char *out, size_t max);
/* otpauth://totp/ISSUER:ACCOUNT?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30, the URI
 * authenticator apps read from the QR code (issuer and account percent-encoded). In a. */
char *totp_uri(struct arena *a, const char *issuer, const char *account, const char *secret_b32);

#endif
