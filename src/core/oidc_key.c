/* oidc_key: see oidc_key.h. */
#include "oidc_key.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "config.h"
#include "log.h"
#include "oidc_keys.h"
#include "seal.h"
#include "secrets.h"
#include "store.h"

#define KEY_ALG  "RS256"
#define KEY_BITS 2048
#define MAX_KEYS 8

static char *b64url(struct arena *a, const unsigned char *p, size_t n)
{
    size_t len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *s = arena_alloc(a, len);
    sodium_bin2base64(s, len, p, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return s;
}

static char *bn_b64(struct arena *a, EVP_PKEY *k, const char *name)
{
    BIGNUM *bn = NULL;
    if (EVP_PKEY_get_bn_param(k, name, &bn) != 1) return NULL;
    int n = BN_num_bytes(bn);
    unsigned char *buf = arena_alloc(a, (size_t)n + 1);
    BN_bn2bin(bn, buf);
    BN_free(bn);
    return b64url(a, buf, (size_t)n);
}

/* the public JWK of k with its RFC 7638 thumbprint as kid */
static char *public_jwk(struct arena *a, EVP_PKEY *k, char **kid)
{
    char *n = bn_b64(a, k, OSSL_PKEY_PARAM_RSA_N), *e = bn_b64(a, k, OSSL_PKEY_PARAM_RSA_E);
    if (!n || !e) return NULL;
    char *canon = arena_printf(a, "{\"e\":\"%s\",\"kty\":\"RSA\",\"n\":\"%s\"}", e, n);
    unsigned char h[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)canon, strlen(canon), h);
    *kid = b64url(a, h, sizeof(h));
    return arena_printf(a,
                        "{\"kty\":\"RSA\",\"use\":\"sig\",\"alg\":\"" KEY_ALG
                        "\",\"kid\":\"%s\",\"n\":\"%s\",\"e\":\"%s\"}",
                        *kid, n, e);
}

static char *private_pem(struct arena *a, EVP_PKEY *k)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *out = NULL;
    if (b && PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) == 1) {
        char *p;
        long n = BIO_get_mem_data(b, &p);
        out = arena_alloc(a, (size_t)n + 1);
        memcpy(out, p, (size_t)n);
        out[n] = 0;
    }
    BIO_free(b);
    return out;
}

static char *seal_key(struct arena *a, const char *kid, const char *pem)
{
    uint8_t id;
    const unsigned char *key = secrets_token_key(&id);
    return key ? seal_text(a, key, id, "oidc", kid, "signing", pem) : NULL;
}

static EVP_PKEY *open_key(struct arena *a, const char *kid, const char *sealed)
{
    uint8_t id;
    const unsigned char *key = secrets_token_key(&id);
    char *pem = key ? seal_open(a, key, id, "oidc", kid, "signing", sealed) : NULL;
    if (!pem) return NULL;
    BIO *b = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    sodium_memzero(pem, strlen(pem));
    return k;
}

/* a new key row signing from active_at; 0 or -1 */
static int key_insert(struct arena *a, struct st_conn *c, int64_t now, int64_t active_at,
                      char **kid)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)KEY_BITS);
    int rc = -1;
    if (!k) goto fail;
    char *jwk = public_jwk(a, k, kid), *pem = private_pem(a, k);
    char *sealed = jwk && pem ? seal_key(a, *kid, pem) : NULL;
    if (pem) sodium_memzero(pem, strlen(pem));
    if (!sealed) goto fail;
    if (oidc_keys_insert(c, *kid, KEY_ALG, sealed, jwk, now, active_at) != ST_OK) goto fail;
    rc = 0;
fail:
    EVP_PKEY_free(k);
    return rc;
}

int oidc_key_rotate(struct arena *a, int64_t now, int64_t after, char **kid)
{
    struct st_conn *c = st_get();
    if (!c || st_begin(c) != ST_OK) return -1;
    if (key_insert(a, c, now, now + after, kid) != 0 ||
        oidc_keys_retire(c, *kid, now + after + cfg->oidc_id_token_ttl) < 0 ||
        st_commit(c) != ST_OK) {
        st_rollback(c);
        return -1;
    }
    log_info("oidc: signing key %s published, signs from %lld", *kid, (long long)(now + after));
    return 0;
}

char *oidc_key_jwks(struct arena *a, int64_t now)
{
    struct st_conn *c = st_get();
    struct oidc_key_row rows[MAX_KEYS];
    int n = c ? oidc_keys_published(c, a, now, rows, MAX_KEYS) : -1;
    if (n < 0) return NULL;
    char *out = arena_strdup(a, "{\"keys\":[");
    for (int i = 0; i < n; i++)
        out = arena_printf(a, "%s%s%s", out, i ? "," : "", rows[i].public_jwk);
    return arena_printf(a, "%s]}", out);
}

static char *json_b64(struct arena *a, json_t *j)
{
    char *t = json_dumps(j, JSON_COMPACT);
    arena_cleanup(a, free, t);
    return t ? b64url(a, (const unsigned char *)t, strlen(t)) : NULL;
}

char *oidc_key_sign(struct arena *a, int64_t now, json_t *claims)
{
    struct st_conn *c = st_get();
    char *kid = NULL, *alg = NULL, *sealed = NULL;
    if (!c) return NULL;
    enum st_rc rc = oidc_keys_current(c, a, now, &kid, &alg, &sealed);
    if (rc == ST_NOTFOUND) {
        /* the first key, signing at once (two nodes racing make two: both are published) */
        if (key_insert(a, c, now, now, &kid) != 0) return NULL;
        rc = oidc_keys_current(c, a, now, &kid, &alg, &sealed);
    }
    if (rc != ST_OK) return NULL;
    EVP_PKEY *k = open_key(a, kid, sealed);
    if (!k) {
        log_warnx("oidc: signing key %s does not open (token_key changed?)", kid);
        return NULL;
    }
    char *out = NULL;
    json_t *hdr = json_pack("{s:s, s:s, s:s}", "alg", KEY_ALG, "typ", "JWT", "kid", kid);
    char *h = hdr ? json_b64(a, hdr) : NULL, *p = json_b64(a, claims);
    json_decref(hdr);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char sig[KEY_BITS / 8 + 16];
    size_t slen = sizeof(sig);
    if (h && p && md) {
        char *input = arena_printf(a, "%s.%s", h, p);
        if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k) == 1 &&
            EVP_DigestSign(md, sig, &slen, (const unsigned char *)input, strlen(input)) == 1)
            out = arena_printf(a, "%s.%s", input, b64url(a, sig, slen));
    }
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(k);
    return out;
}

static unsigned char *unb64(struct arena *a, const char *s, size_t n, size_t *len)
{
    unsigned char *out = arena_alloc(a, n + 1);
    if (sodium_base642bin(out, n + 1, s, n, NULL, len, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        return NULL;
    return out;
}

json_t *oidc_key_verify(struct arena *a, int64_t now, const char *jws)
{
    const char *d1 = jws ? strchr(jws, '.') : NULL, *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    if (!d2 || strlen(jws) > 8192) return NULL;
    size_t hl, pl, sl;
    unsigned char *h = unb64(a, jws, (size_t)(d1 - jws), &hl);
    unsigned char *p = unb64(a, d1 + 1, (size_t)(d2 - d1 - 1), &pl);
    unsigned char *s = unb64(a, d2 + 1, strlen(d2 + 1), &sl);
    if (!h || !p || !s) return NULL;
    json_t *hdr = json_loadb((const char *)h, hl, 0, NULL);
    const char *kid = json_string_value(json_object_get(hdr, "kid"));
    const char *alg = json_string_value(json_object_get(hdr, "alg"));
    json_t *claims = NULL;
    struct st_conn *c = st_get();
    char *sealed = NULL;
    EVP_PKEY *k = NULL;
    if (!kid || !alg || strcmp(alg, KEY_ALG) || !c) goto fail;
    if (oidc_keys_sealed(c, a, kid, now, &sealed) != ST_OK) goto fail;
    k = open_key(a, kid, sealed);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = k && md && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, k) == 1 &&
             EVP_DigestVerify(md, s, sl, (const unsigned char *)jws, (size_t)(d2 - jws)) == 1;
    EVP_MD_CTX_free(md);
    if (ok) claims = json_loadb((const char *)p, pl, 0, NULL);
fail:
    EVP_PKEY_free(k);
    json_decref(hdr);
    return claims;
}
