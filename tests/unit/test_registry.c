/* Unit tests of the image registry's pieces: scope parsing (Distribution's grammar), the
 * policy that grants scopes, access-token scopes and secret shape, and the JWT (libtrust kid
 * of a fixed key, checked against an independent computation; the ES256 signature verified
 * with OpenSSL). */
#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <stdio.h>
#include <unistd.h>

#include "access_token.h"
#include "arena.h"
#include "registry_jwt.h"
#include "registry_scope.h"

#include "testlib.h"

TestSuite(registry);

Test(registry, scope_parse_good)
{
    struct reg_scope s;
    cr_assert_eq(registry_scope_parse("repository:alice/app:pull,push", &s), 0);
    cr_assert_str_eq(s.type, "repository");
    cr_assert_str_eq(s.name, "alice/app");
    cr_assert_eq(s.actions, REG_PULL | REG_PUSH);
    cr_assert_eq(registry_scope_parse("repository:a/b.c/d__e/f-g---h:pull", &s), 0);
    cr_assert_eq(s.actions, REG_PULL);
    cr_assert_eq(registry_scope_parse("registry:catalog:*", &s), 0);
    cr_assert_eq(s.actions, REG_ALL);
    cr_assert_eq(registry_scope_parse("repository:alice/app:delete", &s), 0);
    cr_assert_eq(s.actions, REG_DELETE);
    /* unknown actions parse and are ignored */
    cr_assert_eq(registry_scope_parse("repository:alice/app:frobnicate", &s), 0);
    cr_assert_eq(s.actions, 0);
}

Test(registry, scope_parse_bad)
{
    struct reg_scope s;
    const char *bad[] = {"",
                         "repository",
                         "repository:alice/app",
                         "repository::pull",
                         "repository:alice/app:",
                         "repository:alice/app:pull,",
                         "repository:Alice/app:pull",
                         "repository:alice//app:pull",
                         "repository:/alice:pull",
                         "repository:alice/app/:pull",
                         "repository:alice/-app:pull",
                         "repository:alice/a..b:pull",
                         "repository:alice/a___b:pull",
                         "repository:host:5000/alice:pull",
                         "Repository:alice/app:pull",
                         "repository:alice/app:PULL",
                         "repository:alice app:pull"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert_eq(registry_scope_parse(bad[i], &s), -1, "%s", bad[i]);
    char big[600];
    memset(big, 'a', sizeof(big));
    memcpy(big, "repository:", 11);
    strcpy(big + sizeof(big) - 6, ":pull");
    cr_assert_eq(registry_scope_parse(big, &s), -1);
}

static unsigned grant(const struct reg_who *w, const char *scope)
{
    struct reg_scope s;
    cr_assert_eq(registry_scope_parse(scope, &s), 0, "%s", scope);
    return registry_scope_grant(w, &s);
}

Test(registry, policy)
{
    struct reg_who alice = {
        .username = "alice", .cred = REG_PULL | REG_PUSH, .official = "library"};
    cr_assert_eq(grant(&alice, "repository:alice/app:pull,push"), REG_PULL | REG_PUSH);
    cr_assert_eq(grant(&alice, "repository:alice/a/b:push"), REG_PUSH);
    cr_assert_eq(grant(&alice, "repository:alice/app:*"), 0, "no delete, no *");
    cr_assert_eq(grant(&alice, "repository:alice/app:delete"), 0, "only daoid deletes");
    cr_assert_eq(grant(&alice, "repository:bob/app:pull,push"), 0, "another namespace");
    cr_assert_eq(grant(&alice, "repository:alicex/app:pull"), 0, "a prefix is not the namespace");
    cr_assert_eq(grant(&alice, "repository:alice:pull"), 0, "no namespace");
    cr_assert_eq(grant(&alice, "repository:library/base:pull,push"), REG_PULL);
    cr_assert_eq(grant(&alice, "registry:catalog:*"), 0);

    struct reg_who pullonly = alice;
    pullonly.cred = REG_PULL;
    cr_assert_eq(grant(&pullonly, "repository:alice/app:pull,push"), REG_PULL);

    struct reg_who admin = alice;
    admin.admin = 1;
    cr_assert_eq(grant(&admin, "repository:library/base:pull,push"), REG_PULL | REG_PUSH);
    admin.cred = REG_PULL;
    cr_assert_eq(grant(&admin, "repository:library/base:push"), 0, "the token's scopes bind");

    struct reg_who anon = {.official = "library"};
    cr_assert_eq(grant(&anon, "repository:library/base:pull"), 0);
    anon.anonymous_ok = 1;
    cr_assert_eq(grant(&anon, "repository:library/base:pull,push"), REG_PULL);
    cr_assert_eq(grant(&anon, "repository:alice/app:pull"), 0);

    struct reg_who self = {.self = 1, .official = "library"};
    cr_assert_eq(grant(&self, "registry:catalog:*"), REG_ALL);
    cr_assert_eq(grant(&self, "repository:alice/app:pull,push"), REG_PULL);
    cr_assert_eq(grant(&self, "repository:alice/app:pull,delete"), REG_PULL | REG_DELETE);
}

Test(registry, token_scopes_and_shape)
{
    cr_assert_eq(access_token_scopes_parse("registry:pull registry:push"), AT_PULL | AT_PUSH);
    cr_assert_eq(access_token_scopes_parse("registry:push,other"), AT_PUSH);
    cr_assert_eq(access_token_scopes_parse("registry:pul"), 0);
    cr_assert_str_eq(access_token_scopes_text(AT_PULL), "registry:pull");
    cr_assert_str_eq(access_token_scopes_text(AT_PULL | AT_PUSH), "registry:pull registry:push");
    char ok[] = "dao_pat_0123456789abcdefghijABCDEFGHIJ-_xyzXYZ01234";
    cr_assert_eq(strlen(ok), ACCESS_TOKEN_LEN);
    cr_assert_eq(access_token_wellformed(ok), 1);
    ok[0] = 'D';
    cr_assert_eq(access_token_wellformed(ok), 0);
    cr_assert_eq(access_token_wellformed("dao_pat_short"), 0);
    cr_assert_eq(access_token_wellformed("dao_pat_0123456789abcdefghijABCDEFGHIJ-_xyzXYZ0123!"), 0);
}

/* A fixed P-256 key; its kid was computed apart from daoid (Python: sha256 of the DER public
 * key, first 30 bytes, base32, groups of 4). */
static const char KEY[] = "-----BEGIN PRIVATE KEY-----\n"
                          "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgJntLl6EpMxygId9T\n"
                          "epojFaQQZ4Vpv2Fjw0p+QX3ptQehRANCAAQFx6KnWeZmaFhsBFVB6y3YQzqbH7Sg\n"
                          "TlhzEw9n0B8cs5CnCOPh+tDpsUSHLjUG6Z+sPK74qUwDzf3OljW6LHaN\n"
                          "-----END PRIVATE KEY-----\n";
#define KID "OGYH:LQWL:2BYY:A7OA:3HAC:J53X:3Z2Z:C2RF:FJYQ:SWIW:WEAU:GYWZ"

static EVP_PKEY *fixed_key(void)
{
    char path[] = "/tmp/daoid-regkey-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, KEY, sizeof(KEY) - 1), (ssize_t)(sizeof(KEY) - 1));
    close(fd);
    char err[256];
    EVP_PKEY *k = registry_jwt_key_read(path, err, sizeof(err));
    unlink(path);
    cr_assert_not_null(k, "%s", err);
    return k;
}

static size_t unb64(const char *s, size_t n, unsigned char *out, size_t cap)
{
    size_t len = 0;
    cr_assert_eq(sodium_base642bin(out, cap, s, n, NULL, &len, NULL,
                                   sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                 0);
    return len;
}

Test(registry, jwt_kid_and_signature)
{
    EVP_PKEY *k = fixed_key();
    char kid[REG_KID_LEN + 1];
    cr_assert_eq(registry_jwt_kid(k, kid), 0);
    cr_assert_str_eq(kid, KID);

    struct arena *a = arena_new();
    json_t *claims = json_pack("{s:s, s:s}", "iss", "daoid", "sub", "alice");
    char *t = registry_jwt_sign(a, k, kid, claims);
    json_decref(claims);
    cr_assert_not_null(t);
    char *d1 = strchr(t, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    cr_assert(d1 && d2 && !strchr(d2 + 1, '.'));
    unsigned char buf[512];
    size_t n = unb64(t, (size_t)(d1 - t), buf, sizeof(buf));
    json_t *hdr = json_loadb((const char *)buf, n, 0, NULL);
    cr_assert_str_eq(json_string_value(json_object_get(hdr, "alg")), "ES256");
    cr_assert_str_eq(json_string_value(json_object_get(hdr, "kid")), KID);
    json_decref(hdr);

    /* the signature: r || s, 64 bytes, verifying over "header.claims" */
    unsigned char rs[64];
    cr_assert_eq(unb64(d2 + 1, strlen(d2 + 1), rs, sizeof(rs)), 64);
    ECDSA_SIG *sig = ECDSA_SIG_new();
    ECDSA_SIG_set0(sig, BN_bin2bn(rs, 32, NULL), BN_bin2bn(rs + 32, 32, NULL));
    unsigned char *der = NULL;
    int dlen = i2d_ECDSA_SIG(sig, &der);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    cr_assert_eq(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, k), 1);
    cr_assert_eq(
        EVP_DigestVerify(md, der, (size_t)dlen, (const unsigned char *)t, (size_t)(d2 - t)), 1);
    /* one byte changed: refused */
    t[1] ^= 1;
    cr_assert_eq(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, k), 1);
    cr_assert_neq(
        EVP_DigestVerify(md, der, (size_t)dlen, (const unsigned char *)t, (size_t)(d2 - t)), 1);
    EVP_MD_CTX_free(md);
    OPENSSL_free(der);
    ECDSA_SIG_free(sig);
    arena_free(a);
    EVP_PKEY_free(k);
}
