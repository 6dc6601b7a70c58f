/* secrets: see secrets.h. The derivation is one keyless BLAKE2b over a purpose label and the
 * master secret, so the CSRF key and the token key are independent even though they share the
 * master, and the CSRF key stays what it was before the token key existed. */
#include "secrets.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "settings_kv.h"
#include "store.h"

static unsigned char csrf_key[SECRETS_KEY_LEN];
static int csrf_key_set;
static unsigned char token_key[SECRETS_KEY_LEN];
static uint8_t token_key_id;
static int token_key_set;

void secrets_derive(const char *purpose, const unsigned char *secret, size_t len,
                    unsigned char out[SECRETS_KEY_LEN])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, SECRETS_KEY_LEN);
    crypto_generichash_update(&st, (const unsigned char *)"daoid-", 6);
    crypto_generichash_update(&st, (const unsigned char *)purpose, strlen(purpose));
    crypto_generichash_update(&st, (const unsigned char *)":", 1);
    crypto_generichash_update(&st, secret, len);
    crypto_generichash_final(&st, out, SECRETS_KEY_LEN);
}

int secrets_parse_key(const char *hex, unsigned char out[SECRETS_KEY_LEN])
{
    unsigned char k[SECRETS_KEY_LEN];
    size_t n = 0;
    const char *end = NULL;
    if (!hex || strlen(hex) != 2 * SECRETS_KEY_LEN) return -1;
    if (sodium_hex2bin(k, sizeof(k), hex, strlen(hex), NULL, &n, &end) != 0 ||
        n != SECRETS_KEY_LEN || *end)
        return -1;
    memcpy(out, k, sizeof(k));
    sodium_memzero(k, sizeof(k));
    return 0;
}

uint8_t secrets_key_id(const unsigned char key[SECRETS_KEY_LEN])
{
    unsigned char h[SECRETS_KEY_LEN];
    secrets_derive("key-id", key, SECRETS_KEY_LEN, h);
    return h[0];
}

void secrets_set_token_key(const unsigned char key[SECRETS_KEY_LEN])
{
    memcpy(token_key, key, SECRETS_KEY_LEN);
    token_key_id = secrets_key_id(key);
    token_key_set = 1;
}

const unsigned char *secrets_token_key(uint8_t *id)
{
    if (!token_key_set) return NULL;
    if (id) *id = token_key_id;
    return token_key;
}

static char *make_secret(void)
{
    unsigned char raw[32];
    char *hex = malloc(65);
    if (!hex) fatalx("secrets: out of memory");
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2hex(hex, 65, raw, sizeof(raw));
    sodium_memzero(raw, sizeof(raw));
    return hex;
}

const unsigned char *secrets_csrf_key(void)
{
    return csrf_key_set ? csrf_key : NULL;
}

void secrets_use_master(const unsigned char *master, size_t len)
{
    secrets_derive("csrf", master, len, csrf_key);
    csrf_key_set = 1;
    unsigned char k[SECRETS_KEY_LEN];
    if (*cfg->token_key && secrets_parse_key(cfg->token_key, k) == 0)
        log_info("secrets: provider tokens sealed with token_key");
    else
        secrets_derive("token", master, len, k);
    secrets_set_token_key(k);
    sodium_memzero(k, sizeof(k));
}

int secrets_init(void)
{
    if (*cfg->secret_key) {
        secrets_use_master((const unsigned char *)cfg->secret_key, strlen(cfg->secret_key));
        return 0;
    }
    /* one secret shared by every node that serves this database */
    char *k = settings_kv_get_or_create("secret_key", make_secret);
    if (!k) return -1;
    secrets_use_master((const unsigned char *)k, strlen(k));
    sodium_memzero(k, strlen(k));
    free(k);
    return 0;
}

void secrets_shutdown(void)
{
    sodium_memzero(csrf_key, sizeof(csrf_key));
    csrf_key_set = 0;
    sodium_memzero(token_key, sizeof(token_key));
    token_key_set = 0;
    token_key_id = 0;
}
