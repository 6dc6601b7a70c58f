/* Unit tests of seal.c: round trips with a fresh nonce; tampered, truncated, re-versioned,
 * wrong-key, wrong-id and other-place values refused; and a value sealed by an earlier build
 * still opens (the format is what stored rows hold). */
#include <criterion/criterion.h>
#include <sodium.h>
#include <string.h>

#include "arena.h"
#include "seal.h"

static struct arena *A;
static unsigned char K1[SEAL_KEY_LEN], K2[SEAL_KEY_LEN];
static const char TOKEN[] = "gho_16C7e42F292c6912E7710c838347Ae178B4a";

static void setup(void)
{
    cr_assert_geq(sodium_init(), 0);
    A = arena_new();
    for (int i = 0; i < SEAL_KEY_LEN; i++) K1[i] = (unsigned char)i, K2[i] = (unsigned char)(i + 1);
}

static void teardown(void)
{
    arena_free(A);
}

TestSuite(seal, .init = setup, .fini = teardown);

static char *seal1(const char *plain)
{
    return seal_text(A, K1, 7, "github", "583231", "access", plain);
}

static char *open1(const char *sealed)
{
    return seal_open(A, K1, 7, "github", "583231", "access", sealed);
}

Test(seal, round_trip_with_a_fresh_nonce_each_time)
{
    char *a = seal1(TOKEN), *b = seal1(TOKEN);
    cr_assert_not_null(a);
    cr_assert_not_null(b);
    cr_assert_str_neq(a, b, "a random nonce per value");
    cr_assert_null(strstr(a, TOKEN));
    cr_assert_null(strstr(a, "gho_"));
    cr_assert_eq(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                 strlen(a), "base64url only: %s", a);
    cr_assert_str_eq(open1(a), TOKEN);
    cr_assert_str_eq(open1(b), TOKEN);
    /* a long token (4096 bytes) and a one-byte one */
    char big[SEAL_MAX + 2];
    memset(big, 'x', SEAL_MAX);
    big[SEAL_MAX] = 0;
    cr_assert_str_eq(open1(seal1(big)), big);
    cr_assert_str_eq(open1(seal1("z")), "z");
    big[SEAL_MAX] = 'x', big[SEAL_MAX + 1] = 0;
    cr_assert_null(seal1(big), "longer than SEAL_MAX");
    cr_assert_null(seal1(""));
    cr_assert_null(seal1(NULL));
    cr_assert_null(seal_text(A, NULL, 7, "github", "1", "access", TOKEN), "no key");
}

/* The sealed value's bytes, decoded; *n their number. */
static unsigned char *raw_of(const char *sealed, size_t *n)
{
    unsigned char *raw = arena_alloc(A, strlen(sealed));
    cr_assert_eq(sodium_base642bin(raw, strlen(sealed), sealed, strlen(sealed), NULL, n, NULL,
                                   sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                 0);
    return raw;
}

static char *text_of(const unsigned char *raw, size_t n)
{
    size_t len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *s = arena_alloc(A, len);
    sodium_bin2base64(s, len, raw, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return s;
}

Test(seal, the_format_is_version_key_id_nonce_and_box)
{
    size_t n = 0;
    unsigned char *raw = raw_of(seal1(TOKEN), &n);
    cr_assert_eq(n, 2 + crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + strlen(TOKEN));
    cr_assert_eq(raw[0], SEAL_VERSION);
    cr_assert_eq(raw[1], 7, "the key id travels with the value");
}

Test(seal, every_flipped_bit_is_refused)
{
    const char *sealed = seal1(TOKEN);
    size_t n = 0;
    unsigned char *raw = raw_of(sealed, &n);
    for (size_t i = 0; i < n; i++)
        for (int bit = 0; bit < 8; bit++) {
            raw[i] ^= (unsigned char)(1 << bit);
            cr_assert_null(open1(text_of(raw, n)), "byte %zu bit %d flipped", i, bit);
            raw[i] ^= (unsigned char)(1 << bit);
        }
    cr_assert_str_eq(open1(text_of(raw, n)), TOKEN, "the untouched value still opens");
}

Test(seal, every_changed_character_is_refused)
{
    char *sealed = seal1(TOKEN);
    for (size_t i = 0; sealed[i]; i++) {
        char was = sealed[i];
        sealed[i] = was == 'A' ? 'B' : 'A';
        cr_assert_null(open1(sealed), "character %zu changed", i);
        sealed[i] = '*';
        cr_assert_null(open1(sealed), "character %zu not base64url", i);
        sealed[i] = was;
    }
}

Test(seal, truncated_and_extended_values_are_refused)
{
    const char *sealed = seal1(TOKEN);
    size_t len = strlen(sealed);
    for (size_t k = 0; k < len; k++)
        cr_assert_null(open1(arena_strndup(A, sealed, k)), "cut to %zu characters", k);
    cr_assert_null(open1(arena_printf(A, "%sAAAA", sealed)), "bytes appended");
    size_t n = 0;
    unsigned char *raw = raw_of(sealed, &n);
    cr_assert_null(open1(text_of(raw, n - 1)), "last byte dropped, re-encoded");
    cr_assert_null(open1(""));
    cr_assert_null(open1(NULL));
    cr_assert_null(open1("not a sealed token at all"));
}

Test(seal, another_version_key_or_row_is_refused)
{
    const char *sealed = seal1(TOKEN);
    size_t n = 0;
    unsigned char *raw = raw_of(sealed, &n);
    raw[0] = SEAL_VERSION + 1;
    cr_assert_null(open1(text_of(raw, n)), "unknown version");
    raw[0] = SEAL_VERSION;
    cr_assert_null(seal_open(A, K2, 7, "github", "583231", "access", sealed),
                   "another key with the same id");
    cr_assert_null(seal_open(A, K1, 8, "github", "583231", "access", sealed), "another key id");
    cr_assert_null(seal_open(A, NULL, 7, "github", "583231", "access", sealed));
    cr_assert_null(seal_open(A, K1, 7, "bitbucket", "583231", "access", sealed),
                   "another provider's row");
    cr_assert_null(seal_open(A, K1, 7, "github", "583232", "access", sealed), "another user's row");
    cr_assert_null(seal_open(A, K1, 7, "github", "583231", "refresh", sealed), "the other field");
    /* the NUL separators keep ("ab","c") and ("a","bc") apart */
    const char *ab = seal_text(A, K1, 7, "ab", "c", "access", TOKEN);
    cr_assert_null(seal_open(A, K1, 7, "a", "bc", "access", ab));
}
