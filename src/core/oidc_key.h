/* oidc_key: the ID-token signing keys (RS256, RSA 2048, made and used with OpenSSL; only the
 * JWS assembly is written here). Keys live in the database (oidc_keys), the private half sealed
 * with the service's token key (seal.h), so every node signs with the same key and publishes
 * the same JWKS. Rotation: a new key is published in the JWKS at once and signs only from
 * active_at (now + oidc_key_publish), so relying parties that cache the JWKS see it before its
 * first use; the previous keys stay published until active_at + oidc_id_token_ttl, when the
 * last token they signed has expired. The first key is made on first use. Nothing is kept in
 * memory between calls. */
#ifndef DAOID_OIDC_KEY_H
#define DAOID_OIDC_KEY_H

#include <jansson.h>
#include <stdint.h>

struct arena;

/* Makes a key published from now and signing from now + after (the old keys retired as above);
 * its kid in *kid (in a). 0 or -1. */
int oidc_key_rotate(struct arena *a, int64_t now, int64_t after, char **kid);
/* The JWKS document ({"keys":[…]}) at now, in a; NULL when the store failed. */
char *oidc_key_jwks(struct arena *a, int64_t now);
/* claims signed RS256 with the key that signs at now (made when there is none): the compact
 * JWS in a, or NULL. */
char *oidc_key_sign(struct arena *a, int64_t now, json_t *claims);
/* The claims of a JWS this service signed with a key still published (signature checked, expiry
 * not): new reference, or NULL. */
json_t *oidc_key_verify(struct arena *a, int64_t now, const char *jws);

#endif
