/* Unit tests of totp.c: RFC 6238's SHA-1 vectors (8 digits) and RFC 4226's HOTP values; the
 * window (±1 step accepted, ±2 refused), a code used once, malformed codes, base32 and the
 * otpauth URI. */
#include <criterion/criterion.h>
#include <string.h>

#include "arena.h"
#include "totp.h"

static const unsigned char KEY[] = "12345678901234567890";
#define KL 20

Test(totp, rfc6238_sha1_vectors)
{
    static const struct {
        int64_t t;
        uint32_t code;
    } v[] = {{59, 94287082},         {1111111109, 7081804},  {1111111111, 14050471},
             {1234567890, 89005924}, {2000000000, 69279037}, {20000000000, 65353130}};
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        cr_expect_eq(totp_hotp(KEY, KL, (uint64_t)totp_step(v[i].t), 8), v[i].code, "t=%lld",
                     (long long)v[i].t);
}

Test(totp, rfc4226_hotp_values)
{
    static const uint32_t v[] = {755224, 287082, 359152, 969429, 338314,
                                 254676, 287922, 162583, 399871, 520489};
    for (unsigned i = 0; i < 10; i++) cr_expect_eq(totp_hotp(KEY, KL, i, 6), v[i]);
}

static const char *code_at(struct arena *a, int64_t step)
{
    return arena_printf(a, "%06u", totp_hotp(KEY, KL, (uint64_t)step, 6));
}

Test(totp, one_step_either_way_accepted_two_refused)
{
    struct arena *a = arena_new();
    int64_t now = 1111111111, s = totp_step(now);
    cr_expect_eq(totp_match(KEY, KL, code_at(a, s), now, 0, NULL), s);
    cr_expect_eq(totp_match(KEY, KL, code_at(a, s - 1), now, 0, NULL), s - 1);
    cr_expect_eq(totp_match(KEY, KL, code_at(a, s + 1), now, 0, NULL), s + 1);
    cr_expect_eq(totp_match(KEY, KL, code_at(a, s - 2), now, 0, NULL), -1);
    cr_expect_eq(totp_match(KEY, KL, code_at(a, s + 2), now, 0, NULL), -1);
    /* RFC 6238's own vector, as six digits, with spaces as apps show it */
    cr_expect_eq(totp_match(KEY, KL, "050 471", now, 0, NULL), s);
    arena_free(a);
}

Test(totp, a_code_is_used_once)
{
    struct arena *a = arena_new();
    int64_t now = 1234567890, s = totp_step(now);
    int reused = 0;
    cr_expect_eq(totp_match(KEY, KL, code_at(a, s), now, s, &reused), -1);
    cr_expect(reused);
    /* an older step's code after a newer one was used: refused too */
    cr_expect_eq(totp_match(KEY, KL, code_at(a, s - 1), now, s, &reused), -1);
    cr_expect(reused);
    /* the next step's code after this one: fine */
    cr_expect_eq(totp_match(KEY, KL, code_at(a, s + 1), now, s, &reused), s + 1);
    cr_expect_not(reused);
    arena_free(a);
}

Test(totp, malformed_codes_refused)
{
    const char *bad[] = {"", "12345", "1234567", "12a456", "１２３４５６", NULL};
    for (int i = 0; bad[i]; i++) cr_expect_eq(totp_match(KEY, KL, bad[i], 59, 0, NULL), -1);
    cr_expect_eq(totp_match(KEY, KL, NULL, 59, 0, NULL), -1);
}

Test(totp, base32_round_trip_and_uri)
{
    struct arena *a = arena_new();
    char *b = totp_base32(a, KEY, KL);
    cr_expect_str_eq(b, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    unsigned char out[32];
    cr_expect_eq(totp_base32_decode("gezd gnbv gy3t qojq gezd gnbv gy3t qojq", out, sizeof(out)),
                 20);
    cr_expect_eq(memcmp(out, KEY, 20), 0);
    cr_expect_eq(totp_base32_decode("GEZ1", out, sizeof(out)), -1);
    cr_expect_eq(totp_base32_decode(b, out, 10), -1);
    cr_expect_str_eq(totp_uri(a, "Dao Cloud", "alice", "ABC"),
                     "otpauth://totp/Dao%20Cloud:alice?secret=ABC&issuer=Dao%20Cloud"
                     "&algorithm=SHA1&digits=6&period=30");
    arena_free(a);
}
