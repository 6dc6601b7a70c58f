/* registry_jwt: the registry tokens daoid signs (JWS compact, ES256 with an EC P-256 key), in
 * the form CNCF Distribution 2.8 verifies (registry/auth/token): the header names the key by a
 * `kid` in libtrust's key-id format — SHA-256 of the DER SubjectPublicKeyInfo, the first 240
 * bits in base32 without padding, in 12 groups of 4 joined by ':' — which Distribution derives
 * from each certificate of its rootcertbundle. Signing uses OpenSSL; only the JWS assembly is
 * written here. The signing key is read from registry_key_file once, at first use, and kept
 * for the process's life (read-only afterwards, shared by the threads). */
#ifndef DAOID_REGISTRY_JWT_H
#define DAOID_REGISTRY_JWT_H

#include <jansson.h>
#include <stddef.h>

struct arena;
typedef struct evp_pkey_st EVP_PKEY;

#define REG_KID_LEN 59 /* 12 groups of 4, 11 ':' */

/* Loads the signing key from path (PEM, EC P-256): the key, or NULL with a message in err. */
EVP_PKEY *registry_jwt_key_read(const char *path, char *err, size_t errlen);
/* The process's signing key (cfg->registry_key_file, read on first use) and its kid; NULL when
 * there is none or it does not load (logged once). */
EVP_PKEY *registry_jwt_key(const char **kid);
/* libtrust key id of k's public key into out[REG_KID_LEN + 1]. 0 or -1. */
int registry_jwt_kid(EVP_PKEY *k, char *out);
/* header.claims.signature, ES256, with kid in the header; in a. NULL on failure. */
char *registry_jwt_sign(struct arena *a, EVP_PKEY *k, const char *kid, json_t *claims);

#endif
