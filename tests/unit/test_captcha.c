/* Unit tests of captcha: normalization, challenges in the store, one attempt each, expiry. */
#include "arena.h"
#include "captcha.h"
#include "token.h"

#include "testlib.h"

#define ANSWER "K7M3P"
#define NOW    1700000000

static struct arena *a;

static void setup(void)
{
    static const char *const env[] = {"DAOID_CAPTCHA_TEST_ANSWER", "k7m 3p", NULL};
    tl_setup_with(TL_STORE | TL_CAPTCHA, env);
    a = arena_new();
}

static void teardown(void)
{
    arena_free(a);
    tl_teardown();
}

TestSuite(captcha, .init = setup, .fini = teardown);

static char *fresh(int64_t now)
{
    char *id = NULL, *uri = NULL;
    cr_assert_eq(captcha_new(a, "192.0.2.1", now, &id, &uri), 0);
    cr_assert_not_null(id);
    cr_assert_not_null(uri);
    return id;
}

Test(captcha, normalize)
{
    cr_assert_str_eq(captcha_normalize(a, " k7 m3p "), "K7M3P");
    cr_assert_str_eq(captcha_normalize(a, "\tab\ncD\r"), "ABCD");
    cr_assert_str_eq(captcha_normalize(a, "ACDEF"), "ACDEF");
    cr_assert_str_eq(captcha_normalize(a, ""), "");
    cr_assert_str_eq(captcha_normalize(a, "   "), "");
    cr_assert_null(captcha_normalize(a, NULL));
    char longer[200];
    memset(longer, 'x', sizeof(longer) - 1);
    longer[sizeof(longer) - 1] = 0;
    cr_assert_eq(strlen(captcha_normalize(a, longer)), 64);
}

Test(captcha, new_challenge_in_store)
{
    char *id = NULL, *uri = NULL;
    cr_assert_eq(captcha_new(a, "192.0.2.1", NOW, &id, &uri), 0);
    cr_assert_eq(token_wellformed(id), 1);
    cr_assert_eq(strncmp(uri, "data:image/png;base64,", 22), 0);
    unsigned char png[65536];
    size_t n = 0;
    cr_assert_eq(sodium_base642bin(png, sizeof(png), uri + 22, strlen(uri + 22), NULL, &n, NULL,
                                   sodium_base64_VARIANT_ORIGINAL),
                 0);
    cr_assert_gt(n, 8);
    cr_assert_eq(memcmp(png, "\x89PNG\r\n\x1a\n", 8), 0);

    /* the store keeps hashes and the expiry, never the id or the answer */
    char idh[TOKEN_HASH_LEN + 1];
    token_hash(id, idh);
    char *ah = NULL;
    int64_t exp = 0;
    cr_assert_eq(tl_row(tl_conn(), a,
                        "SELECT answer_hash, expires_at FROM captchas WHERE id_hash = ?",
                        ST_IN(ST_TEXT(idh)), ST_OUT(ST_OUT_TEXT(&ah), ST_OUT_INT(&exp))),
                 ST_OK);
    cr_assert_eq(exp, NOW + CAPTCHA_TTL);
    cr_assert_eq(strlen(ah), 64);
    cr_assert_null(strstr(ah, ANSWER));
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM captchas"), 1);

    /* two challenges: two ids, and equal answers hash differently */
    char *id2 = fresh(NOW);
    cr_assert_str_neq(id, id2);
    cr_assert_eq(tl_scalar("SELECT COUNT(DISTINCT answer_hash) FROM captchas"), 2);
}

Test(captcha, right_answer_once)
{
    char *id = fresh(NOW);
    cr_assert_eq(captcha_check(a, id, ANSWER, NOW + 1), CAPTCHA_OK);
    cr_assert_eq(captcha_check(a, id, ANSWER, NOW + 2), CAPTCHA_UNKNOWN);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM captchas"), 0);
}

Test(captcha, answer_case_and_spaces_ignored)
{
    cr_assert_eq(captcha_check(a, fresh(NOW), "k7m3p", NOW), CAPTCHA_OK);
    cr_assert_eq(captcha_check(a, fresh(NOW), " K7 m3 P ", NOW), CAPTCHA_OK);
}

Test(captcha, wrong_answer_consumes)
{
    char *id = fresh(NOW);
    cr_assert_eq(captcha_check(a, id, "K7M3Q", NOW + 1), CAPTCHA_WRONG);
    cr_assert_eq(captcha_check(a, id, ANSWER, NOW + 2), CAPTCHA_UNKNOWN);
    id = fresh(NOW);
    cr_assert_eq(captcha_check(a, id, "K7M3", NOW + 1), CAPTCHA_WRONG);
    cr_assert_eq(captcha_check(a, id, ANSWER, NOW + 2), CAPTCHA_UNKNOWN);
}

Test(captcha, expiry)
{
    char *late = fresh(NOW), *edge = fresh(NOW), *last = fresh(NOW);
    cr_assert_eq(captcha_check(a, late, ANSWER, NOW + CAPTCHA_TTL + 100), CAPTCHA_UNKNOWN);
    cr_assert_eq(captcha_check(a, edge, ANSWER, NOW + CAPTCHA_TTL), CAPTCHA_UNKNOWN);
    cr_assert_eq(captcha_check(a, last, ANSWER, NOW + CAPTCHA_TTL - 1), CAPTCHA_OK);
    /* an expired challenge is gone too */
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM captchas"), 0);
}

Test(captcha, missing_answer)
{
    char *id = fresh(NOW);
    cr_assert_eq(captcha_check(a, id, NULL, NOW), CAPTCHA_MISSING);
    /* the challenge is consumed whatever the outcome */
    cr_assert_eq(captcha_check(a, id, ANSWER, NOW), CAPTCHA_UNKNOWN);
    cr_assert_eq(captcha_check(a, fresh(NOW), "", NOW), CAPTCHA_MISSING);
    cr_assert_eq(captcha_check(a, fresh(NOW), " \t ", NOW), CAPTCHA_MISSING);
}

Test(captcha, unknown_ids)
{
    fresh(NOW);
    char never[TOKEN_LEN + 1];
    token_new(never);
    cr_assert_eq(captcha_check(a, never, ANSWER, NOW), CAPTCHA_UNKNOWN);
    cr_assert_eq(captcha_check(a, NULL, ANSWER, NOW), CAPTCHA_UNKNOWN);
    cr_assert_eq(captcha_check(a, "", ANSWER, NOW), CAPTCHA_UNKNOWN);
    cr_assert_eq(captcha_check(a, "not-a-token", ANSWER, NOW), CAPTCHA_UNKNOWN);
    /* unknown ids leave the issued challenge alone */
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM captchas"), 1);
}

static void random_setup(void)
{
    tl_setup_with(TL_STORE | TL_CAPTCHA, NULL);
    a = arena_new();
}

TestSuite(captcha_random, .init = random_setup, .fini = teardown);

Test(captcha_random, answers_are_random_without_test_answer)
{
    cr_assert_str_eq(cfg->captcha_test_answer, "");
    /* the test answer only works when configured: 10 random answers from 23^5 + 23^6 */
    int ok = 0;
    for (int i = 0; i < 10; i++) ok += captcha_check(a, fresh(NOW), ANSWER, NOW) == CAPTCHA_OK;
    cr_assert_eq(ok, 0);
    cr_assert_eq(captcha_check(a, fresh(NOW), "", NOW), CAPTCHA_MISSING);
}

/* regression: an 8-character test answer is the answer, whole */
static void setup8(void)
{
    static const char *const env[] = {"DAOID_CAPTCHA_TEST_ANSWER", "ABCDEFGH", NULL};
    tl_setup_with(TL_STORE | TL_CAPTCHA, env);
    a = arena_new();
}

Test(captcha8, eight_character_test_answer, .init = setup8, .fini = teardown)
{
    char *id = NULL, *uri = NULL;
    cr_assert_eq(captcha_new(a, "192.0.2.1", NOW, &id, &uri), 0);
    cr_assert_eq(captcha_check(a, id, "abcdefgh", NOW + 1), CAPTCHA_OK);
}

/* One address gets limit_captcha_ip challenges (60 in 10 minutes by default), then nothing is
 * stored for it; another address still gets its own. */
Test(captcha, limited_per_ip)
{
    char *id = NULL, *uri = NULL;
    for (int i = 0; i < 60; i++) cr_assert_eq(captcha_new(a, "192.0.2.7", NOW, &id, &uri), 0);
    id = NULL;
    cr_assert_eq(captcha_new(a, "192.0.2.7", NOW, &id, &uri), CAPTCHA_NEW_LIMITED);
    cr_assert_null(id);
    cr_assert_eq(captcha_new(a, "192.0.2.8", NOW, &id, &uri), 0);
    cr_assert_eq(captcha_new(a, "192.0.2.7", NOW + 601, &id, &uri), 0);
}
