/* registry_jwt: see registry_jwt.h. */
#include "registry_jwt.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "config.h"
#include "log.h"

EVP_PKEY *registry_jwt_key_read(const char *path, char *err, size_t errlen)
{
    FILE *f = path && *path ? fopen(path, "r") : NULL;
    if (!f) {
        snprintf(err, errlen, "registry key %s: cannot open", path && *path ? path : "(none)");
        return NULL;
    }
    EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (!k || EVP_PKEY_get_base_id(k) != EVP_PKEY_EC || EVP_PKEY_get_bits(k) != 256) {
        snprintf(err, errlen, "registry key %s: not an EC P-256 private key", path);
        EVP_PKEY_free(k);
        return NULL;
    }
    return k;
}

static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static EVP_PKEY *the_key;
static char the_kid[REG_KID_LEN + 1];

static void key_load_once(void)
{
    char err[256];
    EVP_PKEY *k = registry_jwt_key_read(cfg->registry_key_file, err, sizeof(err));
    if (!k) {
        log_warnx("%s", err);
        return;
    }
    if (registry_jwt_kid(k, the_kid) != 0) {
        EVP_PKEY_free(k);
        return;
    }
    the_key = k;
}

EVP_PKEY *registry_jwt_key(const char **kid)
{
    pthread_once(&key_once, key_load_once);
    *kid = the_kid;
    return the_key;
}

int registry_jwt_kid(EVP_PKEY *k, char *out)
{
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(k, &der);
    if (n <= 0) return -1;
    unsigned char h[SHA256_DIGEST_LENGTH];
    SHA256(der, (size_t)n, h);
    OPENSSL_free(der);
    /* base32 (RFC 4648 alphabet) of the first 30 bytes: 240 bits, 48 characters, no padding */
    static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    char s[48];
    for (int i = 0; i < 48; i++) {
        int bit = i * 5, byte = bit / 8, off = bit % 8;
        unsigned v = (unsigned)h[byte] << 8 | (byte + 1 < 30 ? h[byte + 1] : 0);
        s[i] = b32[(v >> (11 - off)) & 31];
    }
    char *o = out;
    for (int g = 0; g < 12; g++) {
        if (g) *o++ = ':';
        memcpy(o, s + g * 4, 4);
        o += 4;
    }
    *o = '\0';
    return 0;
}

static char *b64url(struct arena *a, const unsigned char *p, size_t n)
{
    size_t len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *s = arena_alloc(a, len);
    sodium_bin2base64(s, len, p, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return s;
}

static char *json_b64(struct arena *a, json_t *j)
{
    char *t = json_dumps(j, JSON_COMPACT);
    if (!t) return NULL;
    char *s = b64url(a, (const unsigned char *)t, strlen(t));
    free(t);
    return s;
}

/* The DER ECDSA signature of input as JOSE wants it: r and s, 32 bytes each. */
static int sign_es256(EVP_PKEY *k, const char *input, unsigned char rs[64])
{
    int ok = -1;
    unsigned char der[80];
    size_t dlen = sizeof(der);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    ECDSA_SIG *sig = NULL;
    if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k) != 1 ||
        EVP_DigestSign(md, der, &dlen, (const unsigned char *)input, strlen(input)) != 1)
        goto fail;
    const unsigned char *p = der;
    sig = d2i_ECDSA_SIG(NULL, &p, (long)dlen);
    if (!sig) goto fail;
    const BIGNUM *r = NULL, *s = NULL;
    ECDSA_SIG_get0(sig, &r, &s);
    if (BN_bn2binpad(r, rs, 32) != 32 || BN_bn2binpad(s, rs + 32, 32) != 32) goto fail;
    ok = 0;
fail:
    ECDSA_SIG_free(sig);
    EVP_MD_CTX_free(md);
    return ok;
}

char *registry_jwt_sign(struct arena *a, EVP_PKEY *k, const char *kid, json_t *claims)
{
    json_t *hdr = json_pack("{s:s, s:s, s:s}", "typ", "JWT", "alg", "ES256", "kid", kid);
    char *h = hdr ? json_b64(a, hdr) : NULL;
    json_decref(hdr);
    char *c = json_b64(a, claims);
    if (!h || !c) return NULL;
    char *input = arena_printf(a, "%s.%s", h, c);
    unsigned char rs[64];
    if (sign_es256(k, input, rs) != 0) return NULL;
    return arena_printf(a, "%s.%s", input, b64url(a, rs, sizeof(rs)));
}
