/* Unit tests of wechat_crypto: the signature test vector of providers.md §1.3, WeChat's
 * published safe-mode samples (WXBizMsgCrypt: a msg_signature, a ciphertext to decrypt and a
 * known-answer encryption; each checked independently with the openssl command line), the
 * round trip, and the rejections: bad padding, bad lengths, a wrong AppID, a lying msg_len.
 * The .c is included for its static AES helper (to build malformed ciphertexts). */
#include "wechat_crypto.c"

#include "testlib.h"

#include "arena.h"

/* WeChat's sample key (WXBizMsgCrypt samples) */
#define SAMPLE_KEY "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
#define SAMPLE_ENCRYPT                                                                             \
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PG" \
    "HQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6" \
    "tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp" \
    "3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhv" \
    "Ql+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="

static struct arena *A;
static unsigned char key[32];

static void setup(void)
{
    A = arena_new();
    cr_assert_eq(wechat_crypto_key(SAMPLE_KEY, key), 0);
}

static void teardown(void)
{
    arena_free(A);
}

TestSuite(wechat_crypto, .init = setup, .fini = teardown);

Test(wechat_crypto, signature_test_vector)
{
    const char *parts[3] = {"AAAAA", "1714036504", "1514711492"};
    char sig[WECHAT_SIG_LEN + 1];
    wechat_crypto_sign(parts, 3, sig);
    cr_assert_str_eq(sig, "f464b24fc39322e44b38aa78f5edd27bd1441696");
    /* the order given does not matter: the strings are sorted */
    const char *other[3] = {"1514711492", "AAAAA", "1714036504"};
    wechat_crypto_sign(other, 3, sig);
    cr_assert_str_eq(sig, "f464b24fc39322e44b38aa78f5edd27bd1441696");
    cr_assert(wechat_crypto_check("AAAAA", "1714036504", "1514711492",
                                  "f464b24fc39322e44b38aa78f5edd27bd1441696"));
}

Test(wechat_crypto, signature_mismatches_refused)
{
    const char *good = "f464b24fc39322e44b38aa78f5edd27bd1441696";
    cr_assert_not(wechat_crypto_check("AAAAB", "1714036504", "1514711492", good));
    cr_assert_not(wechat_crypto_check("AAAAA", "1714036505", "1514711492", good));
    cr_assert_not(wechat_crypto_check("AAAAA", "1714036504", "1514711492",
                                      "F464B24FC39322E44B38AA78F5EDD27BD1441696"));
    cr_assert_not(wechat_crypto_check("AAAAA", "1714036504", "1514711492", "f464b24f"));
    cr_assert_not(wechat_crypto_check("AAAAA", "1714036504", "1514711492", ""));
    cr_assert_not(wechat_crypto_check("AAAAA", "1714036504", NULL, good));
    cr_assert_not(wechat_crypto_check("AAAAA", NULL, "1514711492", good));
    cr_assert_not(wechat_crypto_check("AAAAA", "1714036504", "1514711492", NULL));
    cr_assert_not(wechat_crypto_check("", "1714036504", "1514711492", good), "no token: no pass");
}

Test(wechat_crypto, msg_signature_sample)
{
    cr_assert(wechat_crypto_check_msg("spamtest", "1409735669", "1320562132", SAMPLE_ENCRYPT,
                                      "5d197aaffba7e9b25a30732f161a50dee96bd5fa"));
    cr_assert_not(wechat_crypto_check_msg("spamtest", "1409735669", "1320562133", SAMPLE_ENCRYPT,
                                          "5d197aaffba7e9b25a30732f161a50dee96bd5fa"));
}

Test(wechat_crypto, decrypts_the_published_sample)
{
    char *msg = NULL;
    size_t len = 0;
    cr_assert_eq(wechat_crypto_decrypt(A, key, "wx2c2769f8efd9abc2", SAMPLE_ENCRYPT, &msg, &len),
                 WXC_OK);
    cr_assert_eq(strlen(msg), len);
    cr_assert(!strncmp(msg, "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>", 56), "%s",
              msg);
    cr_assert_not_null(strstr(msg, "<Content><![CDATA[abcdteT]]></Content>"));
    cr_assert(len > 6 && !strcmp(msg + len - 6, "</xml>"));
}

Test(wechat_crypto, encryption_known_answer)
{
    const char *msg = "我是中文abcd123";
    char *enc = wechat_crypto_encrypt(A, key, "wxb11529c136998cb6", msg, strlen(msg),
                                      (const unsigned char *)"aaaabbbbccccdddd");
    cr_assert_str_eq(enc, "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832W"
                          "zZGMhkP72vVOfg==");
}

Test(wechat_crypto, round_trip_every_padding)
{
    char msg[200];
    for (size_t i = 0; i < sizeof(msg); i++) msg[i] = (char)('a' + i % 26);
    /* lengths 0..99 cover every pad value 1..32, including a whole block of padding */
    for (size_t n = 0; n < 100; n++) {
        char *enc = wechat_crypto_encrypt(A, key, "wxappid", msg, n, NULL);
        cr_assert_not_null(enc);
        char *out = NULL;
        size_t len = 99;
        cr_assert_eq(wechat_crypto_decrypt(A, key, "wxappid", enc, &out, &len), WXC_OK, "n=%zu", n);
        cr_assert_eq(len, n);
        cr_assert_eq(memcmp(out, msg, n), 0);
    }
    /* the random prefix makes each encryption of the same message different */
    char *e1 = wechat_crypto_encrypt(A, key, "wxappid", "same", 4, NULL);
    char *e2 = wechat_crypto_encrypt(A, key, "wxappid", "same", 4, NULL);
    cr_assert_str_neq(e1, e2);
}

/* base64 of AES-256-CBC(key, pt) without padding (n a multiple of 16). */
static char *raw_encrypt(const unsigned char *pt, size_t n)
{
    unsigned char *ct = arena_alloc(A, n);
    cr_assert_eq(aes_cbc(key, 1, pt, n, ct), 0);
    char *out = arena_alloc(A, (n + 2) / 3 * 4 + 1);
    EVP_EncodeBlock((unsigned char *)out, ct, (int)n);
    return out;
}

/* A plaintext of n bytes: random(16), msg_len, msg, appid, then the last pad bytes set to
 * padval (the caller breaks what it wants). */
static unsigned char *plain(size_t n, uint32_t msg_len, const char *msg, const char *appid,
                            unsigned padn, unsigned char padval)
{
    unsigned char *p = arena_alloc(A, n);
    memset(p, 'r', 16);
    p[16] = (unsigned char)(msg_len >> 24), p[17] = (unsigned char)(msg_len >> 16);
    p[18] = (unsigned char)(msg_len >> 8), p[19] = (unsigned char)msg_len;
    memcpy(p + 20, msg, strlen(msg));
    memcpy(p + 20 + strlen(msg), appid, strlen(appid));
    memset(p + n - padn, padval, padn);
    return p;
}

Test(wechat_crypto, bad_padding_refused)
{
    char *out = NULL;
    size_t len = 0;
    /* 16 + 4 + 5 + 7 = 32 bytes of content, then a block of padding */
    unsigned char *p = plain(64, 5, "hello", "wxappid", 32, 32);
    cr_assert_eq(wechat_crypto_decrypt(A, key, "wxappid", raw_encrypt(p, 64), &out, &len), WXC_OK);
    p = plain(64, 5, "hello", "wxappid", 32, 0);
    cr_assert_eq(wechat_crypto_decrypt(A, key, "wxappid", raw_encrypt(p, 64), &out, &len), WXC_PAD,
                 "pad value 0");
    p = plain(64, 5, "hello", "wxappid", 32, 33);
    cr_assert_eq(wechat_crypto_decrypt(A, key, "wxappid", raw_encrypt(p, 64), &out, &len), WXC_PAD,
                 "pad value 33");
    p = plain(64, 5, "hello", "wxappid", 32, 32);
    p[40] = 31;
    cr_assert_eq(wechat_crypto_decrypt(A, key, "wxappid", raw_encrypt(p, 64), &out, &len), WXC_PAD,
                 "pad bytes that differ");
}

Test(wechat_crypto, bad_lengths_refused)
{
    char *out = NULL;
    size_t len = 0;
    unsigned char zero[48] = {0};
    /* a multiple of AES's 16 bytes, but not of WeChat's 32 */
    cr_assert_eq(wechat_crypto_decrypt(A, key, "wxappid", raw_encrypt(zero, 48), &out, &len),
                 WXC_LENGTH);
    cr_assert_eq(wechat_crypto_decrypt(A, key, "wxappid", "", &out, &len), WXC_BASE64);
    cr_assert_eq(wechat_crypto_decrypt(A, key, "wxappid", "AAAA", &out, &len), WXC_LENGTH);
    cr_assert_eq(wechat_crypto_decrypt(A, key, "wxappid", "not base64!", &out, &len), WXC_BASE64);
    cr_assert_eq(wechat_crypto_decrypt(A, key, "wxappid", "QUJD\nRA==", &out, &len), WXC_BASE64);
    /* msg_len says more than there is */
    unsigned char *p = plain(64, 40, "hello", "wxappid", 32, 32);
    cr_assert_eq(wechat_crypto_decrypt(A, key, "wxappid", raw_encrypt(p, 64), &out, &len),
                 WXC_MSGLEN);
    p = plain(64, 0xffffffffu, "hello", "wxappid", 32, 32);
    cr_assert_eq(wechat_crypto_decrypt(A, key, "wxappid", raw_encrypt(p, 64), &out, &len),
                 WXC_MSGLEN);
    /* too short to hold the prefix and the length */
    p = plain(32, 0, "", "", 14, 14);
    cr_assert_eq(wechat_crypto_decrypt(A, key, "wxappid", raw_encrypt(p, 32), &out, &len),
                 WXC_MSGLEN);
}

Test(wechat_crypto, wrong_appid_refused)
{
    char *out = NULL;
    size_t len = 0;
    cr_assert_eq(wechat_crypto_decrypt(A, key, "wx2c2769f8efd9abc3", SAMPLE_ENCRYPT, &out, &len),
                 WXC_APPID);
    cr_assert_eq(wechat_crypto_decrypt(A, key, "wx2c2769f8efd9abc", SAMPLE_ENCRYPT, &out, &len),
                 WXC_APPID, "a prefix of the AppID is not the AppID");
    char *enc = wechat_crypto_encrypt(A, key, "wxother", "<xml/>", 6, NULL);
    cr_assert_eq(wechat_crypto_decrypt(A, key, "wxappid", enc, &out, &len), WXC_APPID);
    /* another key: garbage, refused (by padding or the AppID), never accepted */
    unsigned char other[32];
    cr_assert_eq(wechat_crypto_key("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq", other), 0);
    cr_assert_neq(wechat_crypto_decrypt(A, other, "wx2c2769f8efd9abc2", SAMPLE_ENCRYPT, &out, &len),
                  WXC_OK);
}

Test(wechat_crypto, encoding_aes_key_checked)
{
    unsigned char k[32];
    cr_assert_eq(wechat_crypto_key(SAMPLE_KEY, k), 0);
    static const unsigned char first[4] = {0x69, 0xb7, 0x1d, 0x79}; /* base64 "abcd…" */
    cr_assert_eq(memcmp(k, first, 4), 0);
    cr_assert_eq(wechat_crypto_key("abcdefghijklmnopqrstuvwxyz0123456789ABCDEF", k), -1);
    cr_assert_eq(wechat_crypto_key("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH", k), -1);
    cr_assert_eq(wechat_crypto_key("abcdefghijklmnopqrstuvwxyz0123456789ABCDEF!", k), -1);
    cr_assert_eq(wechat_crypto_key(NULL, k), -1);
}
