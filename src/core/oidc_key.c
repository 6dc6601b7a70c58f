/* oidc_key: see oidc_key.h. */
#include "oidc_key.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <pthread.h>
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

#define KEY_BITS 2048
#define EC_BYTES 32 /* P-256: a coordinate, and each half of a JWS signature */
#define MAX_KEYS 16

const char *const oidc_key_algs[] = {"RS256", "ES256", NULL};

int oidc_key_alg_ok(const char *alg)
{
    return alg && (!strcmp(alg, "RS256") || !strcmp(alg, "ES256"));
}

static int is_ec(const char *alg)
{
    return !strcmp(alg, "ES256");
}

static char *b64url(struct arena *a, const unsigned char *p, size_t n)
{
    size_t len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *s = arena_alloc(a, len);
    sodium_bin2base64(s, len, p, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return s;
}

/* a key parameter as base64url, left-padded to pad bytes (0: as long as it is) */
static char *bn_b64(struct arena *a, EVP_PKEY *k, const char *name, int pad)
{
    BIGNUM *bn = NULL;
    if (EVP_PKEY_get_bn_param(k, name, &bn) != 1) return NULL;
    int n = pad ? pad : BN_num_bytes(bn);
    unsigned char *buf = arena_alloc(a, (size_t)n + 1);
    int ok = BN_bn2binpad(bn, buf, n) == n;
    BN_free(bn);
    return ok ? b64url(a, buf, (size_t)n) : NULL;
}

/* the public JWK of k (an alg key) with its RFC 7638 thumbprint as kid */
static char *public_jwk(struct arena *a, EVP_PKEY *k, const char *alg, char **kid)
{
    char *canon;
    const char *tail;
    if (is_ec(alg)) {
        char *x = bn_b64(a, k, OSSL_PKEY_PARAM_EC_PUB_X, EC_BYTES),
             *y = bn_b64(a, k, OSSL_PKEY_PARAM_EC_PUB_Y, EC_BYTES);
        if (!x || !y) return NULL;
        canon =
            arena_printf(a, "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}", x, y);
        tail = arena_printf(a, "\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"", x, y);
    } else {
        char *n = bn_b64(a, k, OSSL_PKEY_PARAM_RSA_N, 0),
             *e = bn_b64(a, k, OSSL_PKEY_PARAM_RSA_E, 0);
        if (!n || !e) return NULL;
        canon = arena_printf(a, "{\"e\":\"%s\",\"kty\":\"RSA\",\"n\":\"%s\"}", e, n);
        tail = arena_printf(a, "\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"%s\"", n, e);
    }
    unsigned char h[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)canon, strlen(canon), h);
    *kid = b64url(a, h, sizeof(h));
    return arena_printf(a, "{%s,\"use\":\"sig\",\"alg\":\"%s\",\"kid\":\"%s\"}", tail, alg, *kid);
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

/* ---- the parsed keys, by kid (see oidc_key.h) ---- */

static struct {
    char kid[64];
    EVP_PKEY *k;
} cache[OIDC_KEY_CACHE];
static unsigned cache_next;
static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;

/* kid's parsed key (a reference the caller frees), or NULL when not kept */
static EVP_PKEY *cache_get(const char *kid)
{
    EVP_PKEY *k = NULL;
    pthread_mutex_lock(&cache_mu);
    for (int i = 0; i < OIDC_KEY_CACHE && !k; i++)
        if (cache[i].k && !strcmp(cache[i].kid, kid) && EVP_PKEY_up_ref(cache[i].k) == 1)
            k = cache[i].k;
    pthread_mutex_unlock(&cache_mu);
    return k;
}

/* keeps k (a reference of its own) for kid, in place of the oldest kept */
static void cache_put(const char *kid, EVP_PKEY *k)
{
    if (strlen(kid) >= sizeof(cache[0].kid)) return;
    pthread_mutex_lock(&cache_mu);
    int have = 0;
    for (int i = 0; i < OIDC_KEY_CACHE; i++) have |= cache[i].k && !strcmp(cache[i].kid, kid);
    if (!have && EVP_PKEY_up_ref(k) == 1) {
        unsigned i = cache_next++ % OIDC_KEY_CACHE;
        EVP_PKEY_free(cache[i].k);
        strcpy(cache[i].kid, kid);
        cache[i].k = k;
    }
    pthread_mutex_unlock(&cache_mu);
}

/* kid's private key (a reference the caller frees): kept, or read, unsealed and kept. alg, when
 * not NULL, gets the key's algorithm; NULL when the key is not published (or does not open). */
static EVP_PKEY *key_of(struct arena *a, struct st_conn *c, const char *kid, int64_t now,
                        char **alg)
{
    char *sealed = NULL, *row_alg = NULL;
    EVP_PKEY *k = alg ? NULL : cache_get(kid);
    if (k) return k;
    if (oidc_keys_sealed(c, a, kid, now, &row_alg, &sealed) != ST_OK) return NULL;
    if (alg) *alg = row_alg;
    if ((k = cache_get(kid))) return k;
    if (!(k = open_key(a, kid, sealed))) {
        log_warnx("oidc: signing key %s does not open (token_key changed?)", kid);
        return NULL;
    }
    cache_put(kid, k);
    return k;
}

/* a new alg key row signing from active_at; 0 or -1 */
static int key_insert(struct arena *a, struct st_conn *c, const char *alg, int64_t now,
                      int64_t active_at, char **kid)
{
    EVP_PKEY *k = is_ec(alg) ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")
                             : EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)KEY_BITS);
    int rc = -1;
    if (!k) goto fail;
    char *jwk = public_jwk(a, k, alg, kid), *pem = private_pem(a, k);
    char *sealed = jwk && pem ? seal_key(a, *kid, pem) : NULL;
    if (pem) sodium_memzero(pem, strlen(pem));
    if (!sealed) goto fail;
    if (oidc_keys_insert(c, *kid, alg, sealed, jwk, now, active_at) != ST_OK) goto fail;
    rc = 0;
fail:
    EVP_PKEY_free(k);
    return rc;
}

int oidc_key_rotate(struct arena *a, int64_t now, int64_t after, char *kids[2])
{
    struct st_conn *c = st_get();
    if (!c || st_begin(c) != ST_OK) return -1;
    for (int i = 0; oidc_key_algs[i]; i++) {
        const char *alg = oidc_key_algs[i];
        if (key_insert(a, c, alg, now, now + after, &kids[i]) != 0 ||
            oidc_keys_retire(c, alg, kids[i], now + after + cfg->oidc_id_token_ttl) < 0) {
            st_rollback(c);
            return -1;
        }
    }
    if (st_commit(c) != ST_OK) {
        st_rollback(c);
        return -1;
    }
    for (int i = 0; oidc_key_algs[i]; i++)
        log_info("oidc: %s signing key %s published, signs from %lld", oidc_key_algs[i], kids[i],
                 (long long)(now + after));
    return 0;
}

/* the published keys at now, a key of each algorithm made when there is none: count or -1 */
static int published(struct arena *a, struct st_conn *c, int64_t now, struct oidc_key_row *rows)
{
    int n = oidc_keys_published(c, a, now, rows, MAX_KEYS), made = 0;
    for (int i = 0; n >= 0 && oidc_key_algs[i]; i++) {
        int have = 0;
        for (int j = 0; j < n; j++) have |= !strcmp(rows[j].alg, oidc_key_algs[i]);
        char *kid;
        /* the first key, signing at once (two nodes racing make two: both are published) */
        if (!have && key_insert(a, c, oidc_key_algs[i], now, now, &kid) != 0) return -1;
        made |= !have;
    }
    return made ? oidc_keys_published(c, a, now, rows, MAX_KEYS) : n;
}

char *oidc_key_jwks(struct arena *a, int64_t now)
{
    struct st_conn *c = st_get();
    struct oidc_key_row rows[MAX_KEYS];
    int n = c ? published(a, c, now, rows) : -1;
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

/* ES256 (RFC 7518 §3.4): the DER ECDSA signature as R || S, each EC_BYTES; 0 or -1 */
static int der_to_raw(const unsigned char *der, size_t n, unsigned char *raw)
{
    const unsigned char *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)n);
    const BIGNUM *r, *s;
    if (!sig) return -1;
    ECDSA_SIG_get0(sig, &r, &s);
    int ok = BN_bn2binpad(r, raw, EC_BYTES) == EC_BYTES &&
             BN_bn2binpad(s, raw + EC_BYTES, EC_BYTES) == EC_BYTES;
    ECDSA_SIG_free(sig);
    return ok ? 0 : -1;
}

/* R || S as DER (in a, *len), or NULL */
static unsigned char *raw_to_der(struct arena *a, const unsigned char *raw, size_t n, size_t *len)
{
    if (n != 2 * EC_BYTES) return NULL;
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, EC_BYTES, NULL), *s = BN_bin2bn(raw + EC_BYTES, EC_BYTES, NULL);
    unsigned char *out = NULL;
    if (!sig || !r || !s || ECDSA_SIG_set0(sig, r, s) != 1) {
        BN_free(r);
        BN_free(s);
        goto fail;
    }
    int l = i2d_ECDSA_SIG(sig, NULL);
    if (l <= 0) goto fail;
    out = arena_alloc(a, (size_t)l);
    unsigned char *q = out;
    *len = (size_t)i2d_ECDSA_SIG(sig, &q);
fail:
    ECDSA_SIG_free(sig);
    return out;
}

char *oidc_key_sign(struct arena *a, int64_t now, const char *alg, json_t *claims)
{
    struct st_conn *c = st_get();
    char *kid = NULL;
    if (!alg) alg = "RS256";
    if (!c || !oidc_key_alg_ok(alg)) return NULL;
    enum st_rc rc = oidc_keys_current(c, a, alg, now, &kid);
    if (rc == ST_NOTFOUND) {
        /* the first key, signing at once (two nodes racing make two: both are published) */
        if (key_insert(a, c, alg, now, now, &kid) != 0) return NULL;
        rc = oidc_keys_current(c, a, alg, now, &kid);
    }
    EVP_PKEY *k = rc == ST_OK ? key_of(a, c, kid, now, NULL) : NULL;
    if (!k) return NULL;
    char *out = NULL;
    json_t *hdr = json_pack("{s:s, s:s, s:s}", "alg", alg, "typ", "JWT", "kid", kid);
    char *h = hdr ? json_b64(a, hdr) : NULL, *p = json_b64(a, claims);
    json_decref(hdr);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char sig[KEY_BITS / 8 + 16], raw[2 * EC_BYTES];
    size_t slen = sizeof(sig);
    if (h && p && md) {
        char *input = arena_printf(a, "%s.%s", h, p);
        if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k) == 1 &&
            EVP_DigestSign(md, sig, &slen, (const unsigned char *)input, strlen(input)) == 1) {
            if (!is_ec(alg))
                out = arena_printf(a, "%s.%s", input, b64url(a, sig, slen));
            else if (der_to_raw(sig, slen, raw) == 0)
                out = arena_printf(a, "%s.%s", input, b64url(a, raw, sizeof(raw)));
        }
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
    char *key_alg = NULL;
    EVP_PKEY *k = NULL;
    if (!kid || !oidc_key_alg_ok(alg) || !c) goto fail;
    /* the key's own algorithm, never the header's choice (RFC 8725 §3.1) */
    k = key_of(a, c, kid, now, &key_alg);
    if (!k || strcmp(alg, key_alg)) goto fail;
    if (is_ec(alg) && !(s = raw_to_der(a, s, sl, &sl))) goto fail;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, k) == 1 &&
             EVP_DigestVerify(md, s, sl, (const unsigned char *)jws, (size_t)(d2 - jws)) == 1;
    EVP_MD_CTX_free(md);
    if (ok) claims = json_loadb((const char *)p, pl, 0, NULL);
fail:
    EVP_PKEY_free(k);
    json_decref(hdr);
    return claims;
}
