/* wechat_crypto: see wechat_crypto.h. SHA-1 and AES-256-CBC from OpenSSL libcrypto; base64
 * through OpenSSL too, because WeChat's 43-character keys end in non-zero filler bits that
 * strict decoders (libsodium) refuse. */
#include "wechat_crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

#define WXC_BLOCK  32
#define WXC_PREFIX 16

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

void wechat_crypto_sign(const char *const *parts, size_t n, char out[WECHAT_SIG_LEN + 1])
{
    const char *sorted[8];
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    static const char hex[] = "0123456789abcdef";
    if (n > 8) n = 8;
    memcpy(sorted, parts, n * sizeof(*parts));
    qsort(sorted, n, sizeof(*sorted), cmp_str);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL);
    for (size_t i = 0; ok && i < n; i++) ok = EVP_DigestUpdate(ctx, sorted[i], strlen(sorted[i]));
    ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) && mdlen == 20;
    EVP_MD_CTX_free(ctx);
    if (!ok) {
        memset(out, 0, WECHAT_SIG_LEN + 1); /* matches no hex signature */
        return;
    }
    for (unsigned i = 0; i < 20; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[WECHAT_SIG_LEN] = 0;
}

static int sig_equal(const char *want, const char *got)
{
    if (!got || strlen(got) != WECHAT_SIG_LEN || !want[0]) return 0;
    return CRYPTO_memcmp(want, got, WECHAT_SIG_LEN) == 0;
}

int wechat_crypto_check(const char *token, const char *timestamp, const char *nonce,
                        const char *sig)
{
    if (!token || !*token || !timestamp || !nonce || !sig) return 0;
    const char *parts[3] = {token, timestamp, nonce};
    char want[WECHAT_SIG_LEN + 1];
    wechat_crypto_sign(parts, 3, want);
    return sig_equal(want, sig);
}

int wechat_crypto_check_msg(const char *token, const char *timestamp, const char *nonce,
                            const char *encrypt, const char *msg_sig)
{
    if (!token || !*token || !timestamp || !nonce || !encrypt || !msg_sig) return 0;
    const char *parts[4] = {token, timestamp, nonce, encrypt};
    char want[WECHAT_SIG_LEN + 1];
    wechat_crypto_sign(parts, 4, want);
    return sig_equal(want, msg_sig);
}

/* ---- base64 ---- */

static int b64_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

/* Decodes padded standard base64 s[0..n) into out (room for 3n/4 bytes); returns the byte
 * count, or -1 for anything that is not exactly that. */
static long b64_decode(const char *s, size_t n, unsigned char *out)
{
    if (n == 0 || n % 4) return -1;
    size_t pad = s[n - 1] == '=' ? (s[n - 2] == '=' ? 2 : 1) : 0;
    for (size_t i = 0; i < n - pad; i++)
        if (!b64_char((unsigned char)s[i])) return -1;
    int got = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);
    if (got < 0 || (size_t)got != n / 4 * 3) return -1;
    return (long)(got - (long)pad);
}

int wechat_crypto_key(const char *k, unsigned char key[32])
{
    if (!k || strlen(k) != WECHAT_AES_KEY_CHARS) return -1;
    char padded[WECHAT_AES_KEY_CHARS + 2];
    memcpy(padded, k, WECHAT_AES_KEY_CHARS);
    padded[WECHAT_AES_KEY_CHARS] = '=';
    padded[WECHAT_AES_KEY_CHARS + 1] = 0;
    unsigned char raw[36];
    long n = b64_decode(padded, WECHAT_AES_KEY_CHARS + 1, raw);
    if (n != 32) return -1;
    memcpy(key, raw, 32);
    OPENSSL_cleanse(raw, sizeof(raw));
    return 0;
}

/* ---- AES-256-CBC without OpenSSL's padding ---- */

/* Runs the cipher over in[0..n) (n a multiple of 16) into out; 0 or -1. */
static int aes_cbc(const unsigned char key[32], int enc, const unsigned char *in, size_t n,
                   unsigned char *out)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int len1 = 0, len2 = 0, ok = ctx != NULL;
    ok = ok && EVP_CipherInit_ex(ctx, EVP_aes_256_cbc(), NULL, key, key, enc);
    ok = ok && EVP_CIPHER_CTX_set_padding(ctx, 0);
    ok = ok && EVP_CipherUpdate(ctx, out, &len1, in, (int)n);
    ok = ok && EVP_CipherFinal_ex(ctx, out + len1, &len2);
    EVP_CIPHER_CTX_free(ctx);
    return ok && (size_t)(len1 + len2) == n ? 0 : -1;
}

enum wechat_crypt_rc wechat_crypto_decrypt(struct arena *a, const unsigned char key[32],
                                           const char *appid, const char *b64, char **msg,
                                           size_t *len)
{
    size_t bn = b64 ? strlen(b64) : 0;
    if (bn == 0 || bn > (size_t)WECHAT_MSG_MAX * 2) return bn ? WXC_LENGTH : WXC_BASE64;
    unsigned char *ct = arena_alloc(a, bn / 4 * 3 + 4);
    long n = b64_decode(b64, bn, ct);
    if (n < 0) return WXC_BASE64;
    if (n == 0 || n % WXC_BLOCK) return WXC_LENGTH;
    unsigned char *pt = arena_alloc(a, (size_t)n + 1);
    if (aes_cbc(key, 0, ct, (size_t)n, pt) != 0) return WXC_ERR;
    unsigned pad = pt[n - 1];
    if (pad < 1 || pad > WXC_BLOCK) return WXC_PAD;
    for (unsigned i = 1; i <= pad; i++)
        if (pt[n - i] != pad) return WXC_PAD;
    size_t plen = (size_t)n - pad;
    if (plen < WXC_PREFIX + 4) return WXC_MSGLEN;
    const unsigned char *p = pt + WXC_PREFIX;
    uint32_t mlen = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    size_t room = plen - WXC_PREFIX - 4;
    if (mlen > room) return WXC_MSGLEN;
    size_t alen = room - mlen, want = strlen(appid);
    if (alen != want || CRYPTO_memcmp(p + 4 + mlen, appid, want) != 0) return WXC_APPID;
    *msg = arena_strndup(a, (const char *)p + 4, mlen);
    *len = mlen;
    return WXC_OK;
}

char *wechat_crypto_encrypt(struct arena *a, const unsigned char key[32], const char *appid,
                            const char *msg, size_t len, const unsigned char *random16)
{
    size_t alen = strlen(appid);
    if (len > WECHAT_MSG_MAX) return NULL;
    size_t plen = WXC_PREFIX + 4 + len + alen;
    size_t pad = WXC_BLOCK - plen % WXC_BLOCK; /* 1..32: always added */
    size_t n = plen + pad;
    unsigned char *pt = arena_alloc(a, n), *ct = arena_alloc(a, n);
    if (random16)
        memcpy(pt, random16, WXC_PREFIX);
    else if (RAND_bytes(pt, WXC_PREFIX) != 1)
        return NULL;
    pt[16] = (unsigned char)(len >> 24);
    pt[17] = (unsigned char)(len >> 16);
    pt[18] = (unsigned char)(len >> 8);
    pt[19] = (unsigned char)len;
    memcpy(pt + 20, msg, len);
    memcpy(pt + 20 + len, appid, alen);
    memset(pt + plen, (int)pad, pad);
    if (aes_cbc(key, 1, pt, n, ct) != 0) return NULL;
    char *out = arena_alloc(a, (n + 2) / 3 * 4 + 1);
    EVP_EncodeBlock((unsigned char *)out, ct, (int)n);
    return out;
}

const char *wechat_crypto_rc_name(enum wechat_crypt_rc rc)
{
    switch (rc) {
    case WXC_OK:
        return "ok";
    case WXC_BASE64:
        return "not base64";
    case WXC_LENGTH:
        return "bad length";
    case WXC_PAD:
        return "bad padding";
    case WXC_MSGLEN:
        return "bad message length";
    case WXC_APPID:
        return "wrong appid";
    default:
        return "cipher error";
    }
}
