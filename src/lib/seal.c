/* seal: see seal.h for the format. */
#include "seal.h"

#include <sodium.h>
#include <string.h>

#include "arena.h"

#define SEAL_HEAD 2 /* version, key id */

/* The key for one value: keyed BLAKE2b over the context, NUL-separated. */
static void value_key(unsigned char out[crypto_secretbox_KEYBYTES], const unsigned char *key,
                      const char *owner, const char *subject, const char *field)
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, key, SEAL_KEY_LEN, crypto_secretbox_KEYBYTES);
    const char *parts[] = {SEAL_CONTEXT, owner, subject, field};
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
        crypto_generichash_update(&st, (const unsigned char *)parts[i], strlen(parts[i]) + 1);
    crypto_generichash_final(&st, out, crypto_secretbox_KEYBYTES);
}

char *seal_text(struct arena *a, const unsigned char *key, uint8_t key_id, const char *owner,
                const char *subject, const char *field, const char *plain)
{
    size_t n = plain ? strlen(plain) : 0;
    if (!key || !n || n > SEAL_MAX) return NULL;
    size_t raw_len = SEAL_HEAD + crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + n;
    unsigned char *raw = arena_alloc(a, raw_len), k[crypto_secretbox_KEYBYTES];
    raw[0] = SEAL_VERSION;
    raw[1] = key_id;
    unsigned char *nonce = raw + SEAL_HEAD;
    randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
    value_key(k, key, owner, subject, field);
    crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES, (const unsigned char *)plain, n,
                          nonce, k);
    sodium_memzero(k, sizeof(k));
    size_t out_len = sodium_base64_ENCODED_LEN(raw_len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = arena_alloc(a, out_len);
    sodium_bin2base64(out, out_len, raw, raw_len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return out;
}

char *seal_open(struct arena *a, const unsigned char *key, uint8_t key_id, const char *owner,
                const char *subject, const char *field, const char *sealed)
{
    const size_t min = SEAL_HEAD + crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + 1;
    size_t len = sealed ? strlen(sealed) : 0, raw_len = 0;
    if (!key || len < 4 || len > 2 * (min + SEAL_MAX)) return NULL;
    unsigned char *raw = arena_alloc(a, len);
    const char *end = NULL;
    if (sodium_base642bin(raw, len, sealed, len, NULL, &raw_len, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        *end || raw_len < min || raw[0] != SEAL_VERSION || raw[1] != key_id)
        return NULL;
    size_t n = raw_len - SEAL_HEAD - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
    char *plain = arena_alloc(a, n + 1);
    unsigned char k[crypto_secretbox_KEYBYTES];
    value_key(k, key, owner, subject, field);
    const unsigned char *nonce = raw + SEAL_HEAD;
    int rc =
        crypto_secretbox_open_easy((unsigned char *)plain, nonce + crypto_secretbox_NONCEBYTES,
                                   raw_len - SEAL_HEAD - crypto_secretbox_NONCEBYTES, nonce, k);
    sodium_memzero(k, sizeof(k));
    if (rc != 0 || memchr(plain, 0, n)) return NULL;
    plain[n] = 0;
    return plain;
}
