/* Unit tests of pow: a challenge solved by brute force as a browser does passes once; a wrong
 * number, an expired or forged challenge, another key, malformed text and a replay are refused;
 * captcha_check takes a solution as the captcha's answer. */
#include "arena.h"
#include "captcha.h"
#include "pow.h"
#include "secrets.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "testlib.h"

#define NOW 1700000000
#define MAX 2000

static struct arena *a;
static const unsigned char key[POW_KEYLEN] = "0123456789abcdef0123456789abcdef";

static void setup(void)
{
    static const char *const env[] = {"DAOID_SECRET_KEY", "pow-test-secret-0123456789abcdef",
                                      "DAOID_POW_MAX_NUMBER", "2000", NULL};
    tl_setup_with(TL_STORE, env);
    cr_assert_eq(secrets_init(), 0);
    a = arena_new();
}

static void teardown(void)
{
    arena_free(a);
    secrets_shutdown();
    tl_teardown();
}

TestSuite(pow, .init = setup, .fini = teardown);

/* The browser's search: the number in 0..max whose SHA-256(salt || number) is the challenge. */
static const char *solve(const char *ch)
{
    char salt[33], want[65], got[65], buf[64];
    unsigned long long max = 0;
    cr_assert_eq(sscanf(ch, "pow1.%32[0-9a-f].%*d.%llu.%64[0-9a-f]", salt, &max, want), 3, "%s",
                 ch);
    for (unsigned long long n = 0; n <= max; n++) {
        int len = snprintf(buf, sizeof(buf), "%s%llu", salt, n);
        unsigned char h[32];
        crypto_hash_sha256(h, (const unsigned char *)buf, (unsigned long long)len);
        sodium_bin2hex(got, sizeof(got), h, sizeof(h));
        if (!strcmp(got, want)) return arena_printf(a, "%llu", n);
    }
    cr_assert_fail("no number solves %s", ch);
    return NULL;
}

Test(pow, issued_challenge_has_its_form)
{
    char *ch = pow_issue(a, key, NOW, MAX);
    cr_assert(!strncmp(ch, "pow1.", 5));
    char tail[16];
    cr_assert_eq(sscanf(ch, "pow1.%*32[0-9a-f].%15[0-9]", tail), 1);
    cr_assert_str_eq(tail, "1700000600", "expires after POW_TTL");
    cr_assert_eq(strlen(ch), 5 + 32 + 1 + 10 + 1 + 4 + 1 + 64 + 1 + 64);
    cr_assert_str_neq(ch, pow_issue(a, key, NOW, MAX), "a new salt each time");
}

Test(pow, solution_passes_the_check)
{
    char *ch = pow_issue(a, key, NOW, MAX);
    char salt[33];
    cr_assert_eq(pow_check(key, ch, solve(ch), NOW + POW_TTL - 1, salt), POW_OK);
    cr_assert_eq(strncmp(salt, ch + 5, 32), 0);
}

Test(pow, refusals)
{
    char *ch = pow_issue(a, key, NOW, MAX), salt[33];
    const char *n = solve(ch);
    char other[10];
    snprintf(other, sizeof(other), "%d", (atoi(n) + 1) % (MAX + 1));
    cr_assert_eq(pow_check(key, ch, other, NOW, salt), POW_WRONG);
    cr_assert_eq(pow_check(key, ch, "", NOW, salt), POW_WRONG);
    cr_assert_eq(pow_check(key, ch, "12x", NOW, salt), POW_WRONG);
    cr_assert_eq(pow_check(key, ch, "2001", NOW, salt), POW_WRONG, "beyond max");
    cr_assert_eq(pow_check(key, ch, arena_printf(a, "0%s", n), NOW, salt), POW_WRONG);
    cr_assert_eq(pow_check(key, ch, n, NOW + POW_TTL, salt), POW_EXPIRED);
    /* another key signed it */
    static const unsigned char k2[POW_KEYLEN] = "fedcba9876543210fedcba9876543210";
    cr_assert_eq(pow_check(k2, ch, n, NOW, salt), POW_FORGED);
    /* a field changed after signing: a later expiry, a smaller max, a changed signature */
    char *f = arena_strdup(a, ch);
    f[5 + 32 + 1 + 9] = '9';
    cr_assert_eq(pow_check(key, f, n, NOW, salt), POW_FORGED);
    f = arena_strdup(a, ch);
    f[strlen(f) - 1] = f[strlen(f) - 1] == '0' ? '1' : '0';
    cr_assert_eq(pow_check(key, f, n, NOW, salt), POW_FORGED);
    /* text that is no challenge */
    cr_assert_eq(pow_check(key, "pow1.abc", n, NOW, salt), POW_MALFORMED);
    cr_assert_eq(pow_check(key, NULL, n, NOW, salt), POW_MALFORMED);
    cr_assert_eq(pow_check(key, arena_printf(a, "%s.x", ch), n, NOW, salt), POW_MALFORMED);
    cr_assert_eq(pow_check(key, ch + 1, n, NOW, salt), POW_MALFORMED);
}

Test(pow, verify_passes_once)
{
    int64_t now = time(NULL);
    char *ch = pow_new(a, now);
    cr_assert_not_null(ch);
    const char *n = solve(ch);
    cr_assert_eq(pow_verify(a, ch, n, now), POW_OK);
    cr_assert_eq(pow_verify(a, ch, n, now + 1), POW_REPLAYED);
    cr_assert_eq(pow_verify(a, ch, n, now + POW_TTL - 1), POW_REPLAYED);
    /* a challenge signed with another key is not the service's */
    char *forged = pow_issue(a, key, now, MAX);
    cr_assert_eq(pow_verify(a, forged, solve(forged), now), POW_FORGED);
}

Test(pow, captcha_check_takes_a_solution)
{
    int64_t now = time(NULL);
    char *ch = pow_new(a, now);
    const char *n = solve(ch);
    cr_assert_eq(captcha_check(a, ch, "", now), CAPTCHA_MISSING);
    cr_assert_eq(captcha_check(a, ch, n, now), CAPTCHA_OK);
    cr_assert_eq(captcha_check(a, ch, n, now), CAPTCHA_UNKNOWN, "used");
    char *ch2 = pow_new(a, now);
    cr_assert_eq(captcha_check(a, ch2, "999999999", now), CAPTCHA_WRONG);
}
