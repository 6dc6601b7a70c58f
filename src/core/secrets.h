/* secrets: the service's master secret and the keys derived from it, in one place. The master
 * secret is secret_key from the config, or else a random one kept in the database (created once,
 * shared by every node). Keys for each purpose are BLAKE2b-256("daoid-" purpose ":" || master):
 * the CSRF key ("csrf", asked for by csrf.c) and, unless token_key gives one (64 hex characters),
 * the key that seals stored provider tokens ("token"). Keys are kept in memory only, wiped at
 * shutdown. They are set before the service starts and not changed while it serves. */
#ifndef DAOID_SECRETS_H
#define DAOID_SECRETS_H

#include <stddef.h>
#include <stdint.h>

#define SECRETS_KEY_LEN 32

/* Loads the master secret (config, else the database: the store must be open) and derives
 * the keys from it (secrets_use_master). 0, or -1 when the database could not give the secret. */
int secrets_init(void);
/* Derives the CSRF key and the token key (unless token_key is configured) from master (tests;
 * secrets_init uses it too). */
void secrets_use_master(const unsigned char *master, size_t len);
/* Wipes the keys. */
void secrets_shutdown(void);

/* out = BLAKE2b-256("daoid-" purpose ":" || secret). */
void secrets_derive(const char *purpose, const unsigned char *secret, size_t len,
                    unsigned char out[SECRETS_KEY_LEN]);
/* Parses 64 hex characters into out: 0, or -1 (out untouched) for anything else. */
int secrets_parse_key(const char *hex, unsigned char out[SECRETS_KEY_LEN]);

/* The key of CSRF tokens' HMAC: NULL before secrets_init. Static. */
const unsigned char *secrets_csrf_key(void);

/* The key that seals provider tokens and its id (a byte stored with every sealed value, so a
 * later key rotation can tell which key sealed what): NULL before secrets_init. Static. */
const unsigned char *secrets_token_key(uint8_t *id);
/* Sets the token key directly (tests; secrets_init uses it too). */
void secrets_set_token_key(const unsigned char key[SECRETS_KEY_LEN]);
/* The id of a key: the first byte of BLAKE2b-256("daoid-key-id:" || key). */
uint8_t secrets_key_id(const unsigned char key[SECRETS_KEY_LEN]);

#endif
