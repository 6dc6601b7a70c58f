/* webauthn: see webauthn.h. */
#include "webauthn.h"

#include <cbor.h>
#include <fido.h>
#include <fido/eddsa.h>
#include <fido/es256.h>
#include <fido/rs256.h>
#include <jansson.h>
#include <openssl/sha.h>
#include <sodium.h>
#include <string.h>

#include "arena.h"

#define FLAG_UP 0x01
#define FLAG_UV 0x04
#define FLAG_BE 0x08
#define FLAG_BS 0x10

char *webauthn_b64u(struct arena *a, const unsigned char *bin, size_t len)
{
    size_t n = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = arena_alloc(a, n);
    return sodium_bin2base64(out, n, bin, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

unsigned char *webauthn_unb64u(struct arena *a, const char *s, size_t *len)
{
    *len = 0;
    if (!s) return NULL;
    size_t n = strlen(s);
    unsigned char *out = arena_alloc(a, n + 1);
    if (sodium_base642bin(out, n + 1, s, n, NULL, len, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        return NULL;
    return out;
}

static enum wa_rc client_data(const struct wa_expect *x, const char *type, const unsigned char *cdj,
                              size_t len)
{
    json_t *j = json_loadb((const char *)cdj, len, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(j)) {
        json_decref(j);
        return WA_MALFORMED;
    }
    const char *t = json_string_value(json_object_get(j, "type"));
    const char *ch = json_string_value(json_object_get(j, "challenge"));
    const char *origin = json_string_value(json_object_get(j, "origin"));
    json_t *cross = json_object_get(j, "crossOrigin");
    enum wa_rc rc = WA_OK;
    if (!t || strcmp(t, type))
        rc = WA_TYPE;
    else if (!ch || strlen(ch) != strlen(x->challenge) ||
             sodium_memcmp(ch, x->challenge, strlen(ch)) != 0)
        rc = WA_CHALLENGE;
    else if (!origin || strcmp(origin, x->origin) || json_is_true(cross))
        rc = WA_ORIGIN;
    json_decref(j);
    return rc;
}

/* The byte string under key in a CBOR map (borrowed from item), or NULL. */
static cbor_item_t *map_get(cbor_item_t *map, const char *key)
{
    if (!cbor_isa_map(map)) return NULL;
    struct cbor_pair *p = cbor_map_handle(map);
    size_t klen = strlen(key);
    for (size_t i = 0; i < cbor_map_size(map); i++)
        if (cbor_isa_string(p[i].key) && cbor_string_is_definite(p[i].key) &&
            cbor_string_length(p[i].key) == klen &&
            !memcmp(cbor_string_handle(p[i].key), key, klen))
            return p[i].value;
    return NULL;
}

static int rp_matches(const char *rp_id, const unsigned char *authdata, size_t len)
{
    unsigned char h[SHA256_DIGEST_LENGTH];
    if (len < 37) return 0;
    SHA256((const unsigned char *)rp_id, strlen(rp_id), h);
    return sodium_memcmp(h, authdata, sizeof(h)) == 0;
}

static int alg_ok(int alg)
{
    return alg == COSE_ES256 || alg == COSE_RS256 || alg == COSE_EDDSA;
}

enum wa_rc webauthn_register(struct arena *a, const struct wa_expect *x, const unsigned char *cdj,
                             size_t cdj_len, const unsigned char *att, size_t att_len,
                             struct wa_cred *out)
{
    memset(out, 0, sizeof(*out));
    enum wa_rc rc = client_data(x, "webauthn.create", cdj, cdj_len);
    if (rc != WA_OK) return rc;
    struct cbor_load_result res;
    cbor_item_t *obj = att && att_len ? cbor_load(att, att_len, &res) : NULL;
    fido_cred_t *cred = NULL;
    rc = WA_MALFORMED;
    if (!obj || res.read != att_len) goto out;
    cbor_item_t *fmt = map_get(obj, "fmt"), *ad = map_get(obj, "authData");
    if (!fmt || !cbor_isa_string(fmt) || !cbor_string_is_definite(fmt) || !ad ||
        !cbor_isa_bytestring(ad) || !cbor_bytestring_is_definite(ad))
        goto out;
    if (cbor_string_length(fmt) != 4 || memcmp(cbor_string_handle(fmt), "none", 4)) {
        rc = WA_FORMAT;
        goto out;
    }
    const unsigned char *adp = cbor_bytestring_handle(ad);
    size_t adl = cbor_bytestring_length(ad);
    if (!rp_matches(x->rp_id, adp, adl)) {
        rc = adl < 37 ? WA_MALFORMED : WA_RP;
        goto out;
    }
    if (!(adp[32] & FLAG_UP)) {
        rc = WA_PRESENCE;
        goto out;
    }
    /* libfido2 parses the authenticator data (attested credential data, the COSE key) for an
     * expected key type: each one daoid takes is tried in turn */
    static const int algs[] = {COSE_ES256, COSE_EDDSA, COSE_RS256};
    for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]) && !cred; i++) {
        if (!(cred = fido_cred_new())) goto out;
        if (fido_cred_set_type(cred, algs[i]) != FIDO_OK ||
            fido_cred_set_authdata_raw(cred, adp, adl) != FIDO_OK)
            fido_cred_free(&cred);
    }
    if (!cred) {
        rc = WA_ALG; /* no key of a type daoid takes (or no key at all) */
        goto out;
    }
    if (!fido_cred_id_len(cred) || !fido_cred_pubkey_len(cred) || !alg_ok(fido_cred_type(cred)))
        goto out;
    uint8_t flags = fido_cred_flags(cred);
    out->alg = fido_cred_type(cred);
    out->id_len = fido_cred_id_len(cred);
    out->id = arena_memdup(a, fido_cred_id_ptr(cred), out->id_len);
    out->pk_len = fido_cred_pubkey_len(cred);
    out->pk = arena_memdup(a, fido_cred_pubkey_ptr(cred), out->pk_len);
    out->sign_count = fido_cred_sigcount(cred);
    out->uv = !!(flags & FLAG_UV);
    out->be = !!(flags & FLAG_BE);
    out->bs = !!(flags & FLAG_BS);
    rc = WA_OK;
out:
    fido_cred_free(&cred);
    if (obj) cbor_decref(&obj);
    return rc;
}

static int verify(fido_assert_t *as, int alg, const unsigned char *pk, size_t pk_len)
{
    int r = FIDO_ERR_INVALID_ARGUMENT;
    if (alg == COSE_ES256) {
        es256_pk_t *k = es256_pk_new();
        if (k && es256_pk_from_ptr(k, pk, pk_len) == FIDO_OK) r = fido_assert_verify(as, 0, alg, k);
        es256_pk_free(&k);
    } else if (alg == COSE_RS256) {
        rs256_pk_t *k = rs256_pk_new();
        if (k && rs256_pk_from_ptr(k, pk, pk_len) == FIDO_OK) r = fido_assert_verify(as, 0, alg, k);
        rs256_pk_free(&k);
    } else if (alg == COSE_EDDSA) {
        eddsa_pk_t *k = eddsa_pk_new();
        if (k && eddsa_pk_from_ptr(k, pk, pk_len) == FIDO_OK) r = fido_assert_verify(as, 0, alg, k);
        eddsa_pk_free(&k);
    }
    return r;
}

enum wa_rc webauthn_assert(const struct wa_expect *x, const unsigned char *cdj, size_t cdj_len,
                           const unsigned char *authdata, size_t ad_len, const unsigned char *sig,
                           size_t sig_len, int alg, const unsigned char *pk, size_t pk_len,
                           struct wa_assert_out *out)
{
    memset(out, 0, sizeof(*out));
    enum wa_rc rc = client_data(x, "webauthn.get", cdj, cdj_len);
    if (rc != WA_OK) return rc;
    if (!authdata || ad_len < 37 || !sig || !sig_len) return WA_MALFORMED;
    if (!rp_matches(x->rp_id, authdata, ad_len)) return WA_RP;
    if (!(authdata[32] & FLAG_UP)) return WA_PRESENCE;
    if (!alg_ok(alg)) return WA_ALG;
    fido_assert_t *as = fido_assert_new();
    rc = WA_MALFORMED;
    if (!as || fido_assert_set_rp(as, x->rp_id) != FIDO_OK ||
        fido_assert_set_clientdata(as, cdj, cdj_len) != FIDO_OK ||
        fido_assert_set_count(as, 1) != FIDO_OK ||
        fido_assert_set_authdata_raw(as, 0, authdata, ad_len) != FIDO_OK ||
        fido_assert_set_sig(as, 0, sig, sig_len) != FIDO_OK ||
        fido_assert_set_up(as, FIDO_OPT_TRUE) != FIDO_OK)
        goto out;
    if (verify(as, alg, pk, pk_len) != FIDO_OK) {
        rc = WA_SIG;
        goto out;
    }
    uint8_t flags = fido_assert_flags(as, 0);
    out->sign_count = fido_assert_sigcount(as, 0);
    out->uv = !!(flags & FLAG_UV);
    out->be = !!(flags & FLAG_BE);
    out->bs = !!(flags & FLAG_BS);
    rc = WA_OK;
out:
    fido_assert_free(&as);
    return rc;
}
