/* Unit tests of webauthn.c with crafted ceremonies: an ES256 key made with OpenSSL, its COSE
 * form built with libcbor, authenticator data and attestation objects assembled by hand, and
 * assertions signed over authData ‖ SHA-256(clientDataJSON). A registration and an assertion
 * that are right pass; each kind of wrong one is refused with its reason: another RP ID or
 * origin, cross-origin, another challenge or type, no user presence, another attestation
 * format, damaged CBOR, a tampered clientDataJSON, a signature by another key. */
#include <cbor.h>
#include <criterion/criterion.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <sodium.h>
#include <string.h>

#include "arena.h"
#include "webauthn.h"

static struct arena *A;
static EVP_PKEY *KEY, *OTHER;
static const char *CH = "q0Vv6cHnUkzZcb7XWf1S1u0iuFlpeAL8xDnC3hkMDhM";
static const struct wa_expect X = {"localhost", "http://localhost:8080",
                                   "q0Vv6cHnUkzZcb7XWf1S1u0iuFlpeAL8xDnC3hkMDhM"};

static void setup(void)
{
    cr_assert_geq(sodium_init(), 0);
    A = arena_new();
    KEY = EVP_EC_gen("P-256");
    OTHER = EVP_EC_gen("P-256");
    cr_assert(KEY && OTHER);
}

static void teardown(void)
{
    EVP_PKEY_free(KEY);
    EVP_PKEY_free(OTHER);
    arena_free(A);
}

TestSuite(webauthn, .init = setup, .fini = teardown);

static const char *cdj(const char *type, const char *ch, const char *origin, const char *extra)
{
    return arena_printf(A, "{\"type\":\"%s\",\"challenge\":\"%s\",\"origin\":\"%s\"%s}", type, ch,
                        origin, extra ? extra : "");
}

/* The COSE_Key (EC2, P-256, ES256) of k, CBOR-encoded into buf: its length. */
static size_t cose_key(EVP_PKEY *k, unsigned char *buf, size_t max)
{
    unsigned char pt[65];
    size_t n = 0;
    cr_assert(EVP_PKEY_get_octet_string_param(k, "encoded-pub-key", pt, sizeof(pt), &n));
    cbor_item_t *m = cbor_new_definite_map(5);
    cbor_map_add(
        m, (struct cbor_pair){cbor_move(cbor_build_uint8(1)), cbor_move(cbor_build_uint8(2))});
    cbor_map_add(
        m, (struct cbor_pair){cbor_move(cbor_build_uint8(3)), cbor_move(cbor_build_negint8(6))});
    cbor_map_add(
        m, (struct cbor_pair){cbor_move(cbor_build_negint8(0)), cbor_move(cbor_build_uint8(1))});
    cbor_map_add(m, (struct cbor_pair){cbor_move(cbor_build_negint8(1)),
                                       cbor_move(cbor_build_bytestring(pt + 1, 32))});
    cbor_map_add(m, (struct cbor_pair){cbor_move(cbor_build_negint8(2)),
                                       cbor_move(cbor_build_bytestring(pt + 33, 32))});
    size_t len = cbor_serialize(m, buf, max);
    cbor_decref(&m);
    return len;
}

/* Authenticator data for rp with flags and counter; with attested credential data (id 16
 * bytes of 0xAB, k's key) when k is not NULL. */
static size_t authdata(const char *rp, uint8_t flags, uint32_t count, EVP_PKEY *k,
                       unsigned char *out)
{
    SHA256((const unsigned char *)rp, strlen(rp), out);
    out[32] = flags | (k ? 0x40 : 0);
    out[33] = (unsigned char)(count >> 24), out[34] = (unsigned char)(count >> 16);
    out[35] = (unsigned char)(count >> 8), out[36] = (unsigned char)count;
    size_t n = 37;
    if (!k) return n;
    memset(out + n, 0, 16); /* AAGUID */
    n += 16;
    out[n++] = 0, out[n++] = 16;
    memset(out + n, 0xAB, 16);
    n += 16;
    return n + cose_key(k, out + n, 512);
}

static size_t attestation(const char *fmt, const unsigned char *ad, size_t adl, unsigned char *out)
{
    cbor_item_t *m = cbor_new_definite_map(3);
    cbor_map_add(m, (struct cbor_pair){cbor_move(cbor_build_string("fmt")),
                                       cbor_move(cbor_build_string(fmt))});
    cbor_map_add(m, (struct cbor_pair){cbor_move(cbor_build_string("attStmt")),
                                       cbor_move(cbor_new_definite_map(0))});
    cbor_map_add(m, (struct cbor_pair){cbor_move(cbor_build_string("authData")),
                                       cbor_move(cbor_build_bytestring(ad, adl))});
    size_t n = cbor_serialize(m, out, 1024);
    cbor_decref(&m);
    return n;
}

static enum wa_rc reg(const char *client, const char *fmt, const char *rp, uint8_t flags,
                      struct wa_cred *cred)
{
    unsigned char ad[600], att[1024];
    size_t adl = authdata(rp, flags, 0, KEY, ad);
    size_t n = attestation(fmt, ad, adl, att);
    return webauthn_register(A, &X, (const unsigned char *)client, strlen(client), att, n, cred);
}

Test(webauthn, registration_accepted_and_its_key_kept)
{
    struct wa_cred c;
    cr_assert_eq(reg(cdj("webauthn.create", CH, X.origin, NULL), "none", "localhost", 0x05, &c),
                 WA_OK);
    cr_expect_eq(c.alg, -7);
    cr_expect_eq(c.id_len, 16);
    cr_expect_eq(c.pk_len, 64);
    cr_expect(c.uv);
    cr_expect_not(c.be);
}

Test(webauthn, registration_refusals)
{
    struct wa_cred c;
    const char *ok = cdj("webauthn.create", CH, X.origin, NULL);
    cr_expect_eq(reg(ok, "none", "evil.example", 0x05, &c), WA_RP);
    cr_expect_eq(reg(ok, "none", "localhost", 0x04, &c), WA_PRESENCE);
    cr_expect_eq(reg(ok, "packed", "localhost", 0x05, &c), WA_FORMAT);
    cr_expect_eq(reg(cdj("webauthn.get", CH, X.origin, NULL), "none", "localhost", 1, &c), WA_TYPE);
    cr_expect_eq(reg(cdj("webauthn.create", "AAAA", X.origin, NULL), "none", "localhost", 1, &c),
                 WA_CHALLENGE);
    cr_expect_eq(
        reg(cdj("webauthn.create", CH, "http://localhost:9999", NULL), "none", "localhost", 1, &c),
        WA_ORIGIN);
    cr_expect_eq(reg(cdj("webauthn.create", CH, X.origin, ",\"crossOrigin\":true"), "none",
                     "localhost", 1, &c),
                 WA_ORIGIN);
    cr_expect_eq(
        webauthn_register(A, &X, (const unsigned char *)"{", 1, (const unsigned char *)"x", 1, &c),
        WA_MALFORMED);
    static const unsigned char junk[] = {0xa1, 0x63, 'f', 'm'};
    cr_expect_eq(
        webauthn_register(A, &X, (const unsigned char *)ok, strlen(ok), junk, sizeof(junk), &c),
        WA_MALFORMED);
    /* attested data without a key daoid takes: authData cut after the credential id */
    unsigned char ad[600], att[1024];
    size_t adl = authdata("localhost", 0x05, 0, KEY, ad);
    size_t n = attestation("none", ad, 37 + 16 + 2 + 16, att);
    cr_expect_neq(webauthn_register(A, &X, (const unsigned char *)ok, strlen(ok), att, n, &c),
                  WA_OK);
    (void)adl;
}

/* An assertion by k over ad and client: the DER signature into sig, its length. */
static size_t sign(EVP_PKEY *k, const unsigned char *ad, size_t adl, const char *client,
                   unsigned char *sig)
{
    unsigned char msg[700];
    memcpy(msg, ad, adl);
    SHA256((const unsigned char *)client, strlen(client), msg + adl);
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    size_t n = 200;
    cr_assert(EVP_DigestSignInit(m, NULL, EVP_sha256(), NULL, k) == 1);
    cr_assert(EVP_DigestSign(m, sig, &n, msg, adl + 32) == 1);
    EVP_MD_CTX_free(m);
    return n;
}

static enum wa_rc assert_with(EVP_PKEY *signer, const char *rp, uint8_t flags,
                              const char *signed_cd, const char *sent_cd, struct wa_assert_out *o)
{
    struct wa_cred c;
    cr_assert_eq(reg(cdj("webauthn.create", CH, X.origin, NULL), "none", "localhost", 0x05, &c),
                 WA_OK);
    unsigned char ad[64], sig[200];
    size_t adl = authdata(rp, flags, 7, NULL, ad);
    size_t sl = sign(signer, ad, adl, signed_cd, sig);
    return webauthn_assert(&X, (const unsigned char *)sent_cd, strlen(sent_cd), ad, adl, sig, sl,
                           c.alg, c.pk, c.pk_len, o);
}

Test(webauthn, assertion_accepted_with_its_counter)
{
    struct wa_assert_out o;
    const char *cd = cdj("webauthn.get", CH, X.origin, NULL);
    cr_assert_eq(assert_with(KEY, "localhost", 0x05, cd, cd, &o), WA_OK);
    cr_expect_eq(o.sign_count, 7);
    cr_expect(o.uv);
}

Test(webauthn, assertion_refusals)
{
    struct wa_assert_out o;
    const char *cd = cdj("webauthn.get", CH, X.origin, NULL);
    cr_expect_eq(assert_with(OTHER, "localhost", 0x05, cd, cd, &o), WA_SIG, "another key");
    cr_expect_eq(assert_with(KEY, "other.example", 0x05, cd, cd, &o), WA_RP);
    cr_expect_eq(assert_with(KEY, "localhost", 0x04, cd, cd, &o), WA_PRESENCE);
    const char *tampered = cdj("webauthn.get", CH, X.origin, ",\"x\":1");
    cr_expect_eq(assert_with(KEY, "localhost", 0x05, cd, tampered, &o), WA_SIG, "tampered");
    const char *wrong = cdj("webauthn.get", "AAAA", X.origin, NULL);
    cr_expect_eq(assert_with(KEY, "localhost", 0x05, wrong, wrong, &o), WA_CHALLENGE);
    const char *elsewhere = cdj("webauthn.get", CH, "https://evil.example", NULL);
    cr_expect_eq(assert_with(KEY, "localhost", 0x05, elsewhere, elsewhere, &o), WA_ORIGIN);
    const char *create = cdj("webauthn.create", CH, X.origin, NULL);
    cr_expect_eq(assert_with(KEY, "localhost", 0x05, create, create, &o), WA_TYPE);
}

Test(webauthn, base64url_round_trip)
{
    size_t n = 0;
    unsigned char *b = webauthn_unb64u(A, CH, &n);
    cr_assert(b);
    cr_expect_eq(n, 32);
    cr_expect_str_eq(webauthn_b64u(A, b, n), CH);
    cr_expect_null(webauthn_unb64u(A, "a+b/", &n));
}
