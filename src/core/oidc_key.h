/* oidc_key: the ID-token signing keys, RS256 (RSA 2048) and ES256 (P-256), made and used with
 * OpenSSL (only the JWS assembly is written here). Keys live in the database (oidc_keys), the
 * private half sealed with the service's token key (seal.h), so every node signs with the same
 * keys and publishes the same JWKS. Each algorithm has its own current key and rotation: a new
 * key is published in the JWKS at once and signs only from active_at (now + oidc_key_publish),
 * so relying parties that cache the JWKS see it before its first use; the previous keys stay
 * published until active_at + oidc_id_token_ttl, when the last token they signed has expired.
 * The first key of an algorithm is made on first use (a signature or the JWKS).
 *
 * Memory: each process keeps the parsed private keys it used, by kid (at most OIDC_KEY_CACHE;
 * unsealing and parsing a PEM took longer than the signature). A kid's row never changes, so a
 * cached key is never stale; which kid signs is read from the database on every signature (one
 * small indexed row, no key material), so a rotation by another process — `daoid client
 * rotate-key`, another node — takes effect at once, with no TTL and nothing to invalidate. The
 * cache is thread-safe and lives as long as the process. */
#ifndef DAOID_OIDC_KEY_H
#define DAOID_OIDC_KEY_H

#include <jansson.h>
#include <stdint.h>

struct arena;

#define OIDC_KEY_CACHE 8

/* 1 when alg is one this service signs with ("RS256", "ES256"). */
int oidc_key_alg_ok(const char *alg);
/* Makes a key of each algorithm published from now and signing from now + after (the old keys
 * of that algorithm retired as above); their kids in kids[] (in a), in the order of
 * oidc_key_algs. 0 or -1. */
int oidc_key_rotate(struct arena *a, int64_t now, int64_t after, char *kids[2]);
/* The algorithms, NULL-terminated: {"RS256", "ES256", NULL}. */
extern const char *const oidc_key_algs[];
/* The JWKS document ({"keys":[…]}) at now, in a (a key of each algorithm: made when there is
 * none); NULL when the store failed. */
char *oidc_key_jwks(struct arena *a, int64_t now);
/* claims signed with alg (NULL: RS256) by the key that signs at now (made when there is none):
 * the compact JWS in a, or NULL. */
char *oidc_key_sign(struct arena *a, int64_t now, const char *alg, json_t *claims);
/* The claims of a JWS this service signed with a key still published (signature checked, expiry
 * not): new reference, or NULL. */
json_t *oidc_key_verify(struct arena *a, int64_t now, const char *jws);

#endif
