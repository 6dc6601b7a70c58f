/* Unit tests of password: policy, NFKC, common and context words, argon2id hash/verify/rehash. */
#include "arena.h"
#include "password.h"

#include "testlib.h"

static struct arena *a;

static void setup(void)
{
    tl_setup_with(TL_PASSWORD, NULL);
    a = arena_new();
}

static void teardown(void)
{
    arena_free(a);
    tl_teardown();
}

TestSuite(password, .init = setup, .fini = teardown);

static enum pw_policy check(const char *pw, const char *user, const char *mail)
{
    const char *norm = NULL;
    enum pw_policy rc = password_check(a, pw, user, mail, &norm);
    if (rc == PW_OK) cr_assert_not_null(norm);
    return rc;
}

Test(password, common_list_loaded)
{
    cr_assert_geq(password_common_count(), 3000);
}

Test(password, length_in_code_points)
{
    cr_assert_eq(cfg->password_min_length, 8);
    cr_assert_eq(cfg->password_max_length, 128);
    cr_assert_eq(check("Zq7#vLp", NULL, NULL), PW_TOO_SHORT);
    cr_assert_eq(check("Zq7#vLp2", NULL, NULL), PW_OK);
    /* seven CJK characters are 21 bytes but 7 code points */
    cr_assert_eq(check("\xe9\xbe\x99\xe8\x99\x8e\xe9\xa3\x8e\xe4\xba\x91\xe5\xb1\xb1\xe6\xb5\xb7"
                       "\xe6\x98\x9f",
                       NULL, NULL),
                 PW_TOO_SHORT);
    cr_assert_eq(check("\xe9\xbe\x99\xe8\x99\x8e\xe9\xa3\x8e\xe4\xba\x91\xe5\xb1\xb1\xe6\xb5\xb7"
                       "\xe6\x98\x9f\xe6\x9c\x88",
                       NULL, NULL),
                 PW_OK);

    char pw[200];
    for (int i = 0; i < 128; i++) pw[i] = (char)('a' + (i * 7) % 26);
    pw[128] = 0;
    cr_assert_eq(check(pw, NULL, NULL), PW_OK);
    pw[128] = 'x';
    pw[129] = 0;
    cr_assert_eq(check(pw, NULL, NULL), PW_TOO_LONG);
}

Test(password, invalid_text)
{
    cr_assert_eq(check(NULL, NULL, NULL), PW_INVALID);
    cr_assert_eq(check("abc\xff\xfe"
                       "defgh",
                       NULL, NULL),
                 PW_INVALID);
    cr_assert_eq(check("abcd\x01"
                       "efghij",
                       NULL, NULL),
                 PW_INVALID);
    cr_assert_eq(check("abcd\nefghij", NULL, NULL), PW_INVALID);
}

Test(password, nfkc_normalized)
{
    const char *norm = NULL;
    /* full-width "Troubador9!" */
    const char *wide = "\xef\xbc\xb4\xef\xbd\x92\xef\xbd\x8f\xef\xbd\x95\xef\xbd\x82\xef\xbd\x81"
                       "\xef\xbd\x84\xef\xbd\x8f\xef\xbd\x92\xef\xbc\x99\xef\xbc\x81";
    cr_assert_eq(password_check(a, wide, NULL, NULL, &norm), PW_OK);
    cr_assert_str_eq(norm, "Troubador9!");
    cr_assert_str_eq(password_normalize(a, wide), "Troubador9!");
    /* composed and decomposed é normalize alike; the ligature ﬁ becomes fi */
    cr_assert_str_eq(password_normalize(a, "caf\xc3\xa9-latte-42"),
                     password_normalize(a, "cafe\xcc\x81-latte-42"));
    cr_assert_str_eq(password_normalize(a, "\xef\xac\x81rewall-99"), "firewall-99");
    cr_assert_null(password_normalize(a, "bad\xc3"));
}

Test(password, common_passwords_refused)
{
    cr_assert_eq(check("password", NULL, NULL), PW_COMMON);
    cr_assert_eq(check("PassWord", NULL, NULL), PW_COMMON);
    cr_assert_eq(check("iloveyou", NULL, NULL), PW_COMMON);
    cr_assert_eq(check("qwertyuiop", NULL, NULL), PW_COMMON);
    cr_assert_eq(check("QWERTYUIOP", NULL, NULL), PW_COMMON);
    /* full-width "password" is the same word after NFKC and folding */
    cr_assert_eq(check("\xef\xbd\x90\xef\xbd\x81\xef\xbd\x93\xef\xbd\x93\xef\xbd\x97\xef\xbd\x8f"
                       "\xef\xbd\x92\xef\xbd\x84",
                       NULL, NULL),
                 PW_COMMON);
    cr_assert_eq(check("password-not-in-any-list-7", NULL, NULL), PW_OK);
}

Test(password, context_words_refused)
{
    cr_assert_eq(check("xxalice2024yy", "alice", NULL), PW_CONTEXT);
    cr_assert_eq(check("MyALICEpass!", "alice", NULL), PW_CONTEXT);
    cr_assert_eq(check("zz-tables.bobby-zz", NULL, "Bobby.Tables@example.com"), PW_OK);
    cr_assert_eq(check("my-bobby.tables-pw", NULL, "Bobby.Tables@example.com"), PW_CONTEXT);
    cr_assert_eq(check("My-BOBBY.TABLES-pw", "someone", "bobby.tables@example.com"), PW_CONTEXT);
    /* the site name (DaoCloud by default) */
    cr_assert_eq(check("iLoveDaocloud99", NULL, NULL), PW_CONTEXT);
    /* words shorter than 4 only count when they are the whole password */
    cr_assert_eq(check("bobsecret99!", "bob", "bob@example.com"), PW_OK);
    cr_assert_eq(check("unrelated-77-words", "alice", "carol@example.com"), PW_OK);
}

static const char *norm_of(const char *pw)
{
    const char *n = NULL;
    cr_assert_eq(password_check(a, pw, "someone", "someone@example.com", &n), PW_OK);
    return n;
}

Test(password, hash_verify_round_trip)
{
    char h[PASSWORD_HASH_MAX];
    const char *pw = norm_of("correct horse battery staple");
    cr_assert_eq(password_hash(pw, h), PWR_OK);
    cr_assert_eq(strncmp(h, "$argon2id$", 10), 0, "%s", h);
    cr_assert_not_null(strstr(h, "m=8192,t=1,"), "%s", h);

    int rehash = -1;
    cr_assert_eq(password_verify(h, pw, &rehash), PWR_OK);
    cr_assert_eq(rehash, 0);
    rehash = -1;
    cr_assert_eq(password_verify(h, "correct horse battery stapl", &rehash), PWR_MISMATCH);
    cr_assert_eq(rehash, 0);
    cr_assert_eq(password_verify(h, "", &rehash), PWR_MISMATCH);

    /* a salt per hash */
    char h2[PASSWORD_HASH_MAX];
    cr_assert_eq(password_hash(pw, h2), PWR_OK);
    cr_assert_str_neq(h, h2);
    cr_assert_eq(password_verify(h2, pw, &rehash), PWR_OK);
}

Test(password, verify_uses_normalized_form)
{
    char h[PASSWORD_HASH_MAX];
    cr_assert_eq(password_hash(norm_of("caf\xc3\xa9-latte-42"), h), PWR_OK);
    int rehash;
    cr_assert_eq(password_verify(h, password_normalize(a, "cafe\xcc\x81-latte-42"), &rehash),
                 PWR_OK);
}

Test(password, dummy_verify_is_mismatch)
{
    int rehash = -1;
    cr_assert_eq(password_verify(NULL, "anything at all", &rehash), PWR_MISMATCH);
    cr_assert_eq(rehash, 0);
    cr_assert_eq(password_verify(NULL, NULL, &rehash), PWR_MISMATCH);
    cr_assert_eq(password_verify(NULL, "", &rehash), PWR_MISMATCH);
}

Test(password, rehash_when_parameters_change)
{
    char old[PASSWORD_HASH_MAX];
    const char *pw = norm_of("violet-kettle-93");
    cr_assert_eq(password_hash(pw, old), PWR_OK);

    /* the operator raises the cost */
    setenv("DAOID_ARGON2_ITERATIONS", "2", 1);
    tl_config();
    cr_assert_eq(cfg->argon2_iterations, 2);

    int rehash = 0;
    cr_assert_eq(password_verify(old, pw, &rehash), PWR_OK);
    cr_assert_eq(rehash, 1);
    /* a wrong password never asks for a rehash */
    rehash = 0;
    cr_assert_eq(password_verify(old, "violet-kettle-94", &rehash), PWR_MISMATCH);
    cr_assert_eq(rehash, 0);

    char fresh[PASSWORD_HASH_MAX];
    cr_assert_eq(password_hash(pw, fresh), PWR_OK);
    cr_assert_not_null(strstr(fresh, "t=2,"), "%s", fresh);
    cr_assert_eq(password_verify(fresh, pw, &rehash), PWR_OK);
    cr_assert_eq(rehash, 0);

    /* memory counts too */
    setenv("DAOID_ARGON2_MEMORY_KIB", "9216", 1);
    tl_config();
    cr_assert_eq(password_verify(fresh, pw, &rehash), PWR_OK);
    cr_assert_eq(rehash, 1);
}
