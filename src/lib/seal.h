/* seal: secret values at rest (provider tokens, the WeChat access token), sealed and opened
 * with libsodium's secretbox. Pure functions of the key the caller gives (secrets.h holds the
 * service's key); nothing is kept here.
 *
 * Sealed value: base64url (no padding) of
 *   version (1 byte, SEAL_VERSION) ‖ key id (1 byte, the caller's) ‖ nonce (24 random bytes)
 *   ‖ crypto_secretbox_easy(plain) (16-byte tag, then the ciphertext)
 * under a per-value key BLAKE2b-256(key = the key, SEAL_CONTEXT ‖ owner ‖ subject ‖ field, each
 * NUL-terminated), so a value opens only in its own place: for provider tokens the provider,
 * the provider's user id and "access" or "refresh"; for the WeChat token "wechat", the AppID
 * and "access". The key id lets a later version keep several keys and pick the right one; a
 * value sealed under another id is refused.
 *
 * Invariants: opening refuses anything it did not seal with the same key, id and place
 * (another version or key id, damaged, truncated, another place); an opened value never holds
 * a NUL byte; the per-value key is wiped after each use. */
#ifndef DAOID_SEAL_H
#define DAOID_SEAL_H

#include <stdint.h>

struct arena;

#define SEAL_KEY_LEN 32              /* bytes of a key */
#define SEAL_VERSION 1               /* the format's first byte */
#define SEAL_MAX     4096            /* longest value sealed, in bytes */
#define SEAL_CONTEXT "daoid-token/1" /* what per-value keys are derived for */

/* Seals plain for (owner, subject, field) with key (SEAL_KEY_LEN bytes, or NULL) and its id:
 * the text in a; NULL without a key, or when plain is empty or longer than SEAL_MAX. */
char *seal_text(struct arena *a, const unsigned char *key, uint8_t key_id, const char *owner,
                const char *subject, const char *field, const char *plain);
/* Opens a sealed value: the plain text in a (wiped when a is freed), or NULL when it is refused
 * (see the invariants) or there is no key. */
char *seal_open(struct arena *a, const unsigned char *key, uint8_t key_id, const char *owner,
                const char *subject, const char *field, const char *sealed);

#endif
