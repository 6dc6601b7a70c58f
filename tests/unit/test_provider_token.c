/* Unit tests of the sealed provider tokens (provider_token.c) and the keys they are sealed with
 * (secrets.c; the sealing itself: test_seal.c): key parsing and derivation (the CSRF key
 * unchanged by the move); and, on SQLite, a row written only for the account's own identity,
 * readable only with its key, kept wider than a sign-in's grant, and never holding a token in
 * clear. */
#include <time.h>

#include "arena.h"
#include "csrf.h"
#include "identity.h"
#include "account.h"
#include "provider_token.h"
#include "secrets.h"

#include "testlib.h"

static struct arena *A;
static unsigned char K1[SECRETS_KEY_LEN], K2[SECRETS_KEY_LEN];
static const char TOKEN[] = "gho_16C7e42F292c6912E7710c838347Ae178B4a";

static void setup(void)
{
    tl_setup_with(0, NULL);
    A = arena_new();
    for (int i = 0; i < SECRETS_KEY_LEN; i++)
        K1[i] = (unsigned char)i, K2[i] = (unsigned char)(i + 1);
}

static void teardown(void)
{
    arena_free(A);
    secrets_shutdown();
    tl_teardown();
}

TestSuite(ptoken, .init = setup, .fini = teardown);

/* ---- keys ---- */

Test(ptoken, token_key_parsing)
{
    unsigned char k[SECRETS_KEY_LEN];
    memset(k, 0xee, sizeof(k));
    const char *hex = "000102030405060708090a0b0c0d0e0f101112131415161718191A1B1C1D1E1F";
    cr_assert_eq(secrets_parse_key(hex, k), 0);
    cr_assert_eq(memcmp(k, K1, sizeof(k)), 0);
    unsigned char before[SECRETS_KEY_LEN];
    memcpy(before, k, sizeof(k));
    const char *bad[] = {NULL,
                         "",
                         "00",
                         "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1",
                         "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f0",
                         "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1g",
                         "00 102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cr_assert_eq(secrets_parse_key(bad[i], k), -1, "%s", bad[i] ? bad[i] : "NULL");
        cr_assert_eq(memcmp(k, before, sizeof(k)), 0, "refused input leaves the key");
    }
}

Test(ptoken, derived_keys_depend_on_purpose_and_secret)
{
    unsigned char a[SECRETS_KEY_LEN], b[SECRETS_KEY_LEN], c[SECRETS_KEY_LEN], d[SECRETS_KEY_LEN];
    secrets_derive("token", (const unsigned char *)"master", 6, a);
    secrets_derive("token", (const unsigned char *)"master", 6, b);
    secrets_derive("csrf", (const unsigned char *)"master", 6, c);
    secrets_derive("token", (const unsigned char *)"master2", 7, d);
    cr_assert_eq(memcmp(a, b, sizeof(a)), 0);
    cr_assert_neq(memcmp(a, c, sizeof(a)), 0);
    cr_assert_neq(memcmp(a, d, sizeof(a)), 0);
    /* the id is a fingerprint: the same key, the same id (these two keys differ in theirs) */
    unsigned char copy[SECRETS_KEY_LEN];
    memcpy(copy, K1, sizeof(copy));
    cr_assert_eq(secrets_key_id(copy), secrets_key_id(K1));
    cr_assert_neq(secrets_key_id(K1), secrets_key_id(K2));
}

Test(ptoken, the_csrf_key_is_what_it_was)
{
    /* the CSRF key has always keyed HMAC-SHA-256 with BLAKE2b-256("daoid-csrf:" || secret) */
    const char secret[] = "a secret of at least thirty-two characters";
    unsigned char want[32], mac[32];
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, sizeof(want));
    crypto_generichash_update(&st, (const unsigned char *)"daoid-csrf:", 11);
    crypto_generichash_update(&st, (const unsigned char *)secret, strlen(secret));
    crypto_generichash_final(&st, want, sizeof(want));
    const char cookie[] = "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF";
    crypto_auth_hmacsha256(mac, (const unsigned char *)cookie, strlen(cookie), want);
    char expect[44], got[44];
    sodium_bin2base64(expect, sizeof(expect), mac, sizeof(mac),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    secrets_use_master((const unsigned char *)secret, strlen(secret));
    csrf_token_for(cookie, got);
    cr_assert_str_eq(got, expect);
}

Test(ptoken, scope_words)
{
    cr_assert(provider_token_scope_has("read:user,user:email,repo", "repo"));
    cr_assert(provider_token_scope_has("user:profile:ro vcs:repository:ro", "vcs:repository:ro"));
    cr_assert(!provider_token_scope_has("read:user,repo:status", "repo"));
    cr_assert(!provider_token_scope_has("", "repo"));
    cr_assert(!provider_token_scope_has(NULL, "repo"));
    cr_assert(!provider_token_scope_has("repo", NULL));
}

/* ---- the service's key and the table (SQLite) ---- */

static void store_setup(const char *const *env)
{
    arena_free(A);
    tl_teardown();
    tl_setup_with(TL_STORE, env);
    A = arena_new();
}

Test(ptoken, token_key_from_config_or_derived_from_the_secret)
{
    static const char *const with_key[] = {
        "DAOID_SECRET_KEY", "0123456789abcdef0123456789abcdef-secret", "DAOID_TOKEN_KEY",
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", NULL};
    store_setup(with_key);
    uint8_t id = 0;
    cr_assert_eq(secrets_init(), 0);
    cr_assert_eq(memcmp(secrets_token_key(&id), K1, SECRETS_KEY_LEN), 0);
    cr_assert_eq(id, secrets_key_id(K1));

    static const char *const derived[] = {"DAOID_SECRET_KEY",
                                          "0123456789abcdef0123456789abcdef-secret", NULL};
    store_setup(derived);
    cr_assert_eq(secrets_init(), 0);
    unsigned char want[SECRETS_KEY_LEN];
    const char *s = "0123456789abcdef0123456789abcdef-secret";
    secrets_derive("token", (const unsigned char *)s, strlen(s), want);
    cr_assert_eq(memcmp(secrets_token_key(NULL), want, SECRETS_KEY_LEN), 0);

    /* no secret_key: the one the database keeps, the same on every start */
    store_setup(NULL);
    cr_assert_eq(secrets_init(), 0);
    unsigned char first[SECRETS_KEY_LEN];
    memcpy(first, secrets_token_key(NULL), SECRETS_KEY_LEN);
    secrets_shutdown();
    cr_assert_null(secrets_token_key(NULL), "wiped");
    cr_assert_eq(secrets_init(), 0);
    cr_assert_eq(memcmp(secrets_token_key(NULL), first, SECRETS_KEY_LEN), 0);
    cr_assert_neq(memcmp(first, want, SECRETS_KEY_LEN), 0);
}

Test(ptoken, rows_only_for_the_own_identity_sealed_and_kept_wider)
{
    store_setup(NULL);
    secrets_set_token_key(K1);
    struct st_conn *c = tl_conn();
    int64_t me = 0, other = 0, now = time(NULL);
    cr_assert_eq(account_insert(c, "owner", NULL, NULL, 0, NULL, now, &me), ACCT_OK);
    cr_assert_eq(account_insert(c, "intruder", NULL, NULL, 0, NULL, now, &other), ACCT_OK);
    cr_assert_eq(identity_link(c, me, "github", "583231", "octocat", NULL, NULL, now), IDENT_OK);

    struct pt_plain wide = {TOKEN, NULL, "read:user,user:email,repo", 0};
    struct pt_sealed s;
    cr_assert_eq(provider_token_seal(A, "github", "583231", &wide, &s), 0);
    cr_assert_eq(provider_token_put(c, other, "github", "583231", &s, NULL, now), 0,
                 "not the intruder's identity: nothing written");
    cr_assert_eq(provider_token_put(c, me, "github", "583231", &s, NULL, now), 1);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM provider_tokens"), 1);
    cr_assert_eq(
        tl_scalar("SELECT COUNT(*) FROM provider_tokens WHERE access_ct LIKE '%gho!_%' ESCAPE '!'"),
        0, "never in clear");

    struct pt_row row;
    cr_assert_eq(provider_token_get(c, A, me, "github", &row), PT_OK);
    cr_assert_str_eq(row.tok.access, TOKEN);
    cr_assert_null(row.tok.refresh);
    cr_assert_str_eq(row.subject, "583231");
    cr_assert_eq(provider_token_get(c, A, other, "github", &row), PT_NONE);

    /* a sign-in's narrower grant does not replace the bind's; a bind does */
    struct pt_plain narrow = {"gho_narrow", NULL, "read:user,user:email", 0};
    cr_assert_eq(provider_token_seal(A, "github", "583231", &narrow, &s), 0);
    cr_assert_eq(provider_token_put(c, me, "github", "583231", &s, "repo", now), 0);
    cr_assert_eq(provider_token_get(c, A, me, "github", &row), PT_OK);
    cr_assert_str_eq(row.tok.access, TOKEN);
    cr_assert_eq(provider_token_put(c, me, "github", "583231", &s, NULL, now), 1);
    cr_assert_eq(provider_token_get(c, A, me, "github", &row), PT_OK);
    cr_assert_str_eq(row.tok.access, "gho_narrow");
    cr_assert_eq(row.generation, 2);

    /* under another key the row does not open: it counts as no token */
    secrets_set_token_key(K2);
    cr_assert_eq(provider_token_get(c, A, me, "github", &row), PT_UNREADABLE);
    cr_assert_null(row.tok.access);
}
