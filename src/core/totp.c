/* totp: see totp.h. HOTP with OpenSSL's one-shot HMAC; dynamic truncation as RFC 4226 §5.3. */
#include "totp.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>
#include <string.h>

#include "arena.h"

uint32_t totp_hotp(const unsigned char *key, size_t keylen, uint64_t counter, int digits)
{
    unsigned char msg[8], mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    for (int i = 7; i >= 0; i--, counter >>= 8) msg[i] = (unsigned char)(counter & 0xff);
    if (!HMAC(EVP_sha1(), key, (int)keylen, msg, sizeof(msg), mac, &maclen) || maclen < 20)
        return UINT32_MAX;
    int off = mac[maclen - 1] & 0x0f;
    uint32_t bin = ((uint32_t)(mac[off] & 0x7f) << 24) | ((uint32_t)mac[off + 1] << 16) |
                   ((uint32_t)mac[off + 2] << 8) | (uint32_t)mac[off + 3];
    sodium_memzero(mac, sizeof(mac));
    uint32_t mod = 1;
    for (int i = 0; i < digits && i < 9; i++) mod *= 10;
    return bin % mod;
}

int64_t totp_step(int64_t t)
{
    return t < 0 ? -1 : t / TOTP_STEP;
}

/* The six digits of code (spaces and hyphens between them ignored) into d; 0 or -1. */
static int digits_of(const char *code, char d[TOTP_DIGITS + 1])
{
    int n = 0;
    for (const char *p = code; p && *p; p++) {
        if (*p == ' ' || *p == '-') continue;
        if (!isdigit((unsigned char)*p) || n == TOTP_DIGITS) return -1;
        d[n++] = *p;
    }
    d[n] = 0;
    return n == TOTP_DIGITS ? 0 : -1;
}

int64_t totp_match(const unsigned char *key, size_t keylen, const char *code, int64_t now,
                   int64_t last_step, int *reused)
{
    if (reused) *reused = 0;
    char want[TOTP_DIGITS + 1];
    if (digits_of(code, want) != 0) return -1;
    int64_t now_step = totp_step(now), found = -1;
    for (int64_t s = now_step - TOTP_DRIFT; s <= now_step + TOTP_DRIFT; s++) {
        if (s < 0) continue;
        char got[16];
        snprintf(got, sizeof(got), "%06u", totp_hotp(key, keylen, (uint64_t)s, TOTP_DIGITS));
        if (sodium_memcmp(got, want, TOTP_DIGITS) == 0 && found < 0) found = s;
    }
    if (found >= 0 && found <= last_step) {
        if (reused) *reused = 1;
        return -1;
    }
    return found;
}

static const char B32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

char *totp_base32(struct arena *a, const unsigned char *bin, size_t len)
{
    char *out = arena_alloc(a, (len * 8 + 4) / 5 + 1);
    size_t o = 0;
    unsigned buf = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        buf = (buf << 8) | bin[i];
        bits += 8;
        while (bits >= 5) {
            out[o++] = B32[(buf >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    if (bits > 0) out[o++] = B32[(buf << (5 - bits)) & 31];
    out[o] = 0;
    return out;
}

int totp_base32_decode(const char *s, unsigned char *out, size_t max)
{
    size_t o = 0;
    unsigned buf = 0;
    int bits = 0;
    for (; s && *s; s++) {
        if (*s == '=' || *s == ' ') continue;
        const char *p = strchr(B32, toupper((unsigned char)*s));
        if (!p || !*p) return -1;
        buf = (buf << 5) | (unsigned)(p - B32);
        bits += 5;
        if (bits >= 8) {
            if (o == max) return -1;
            out[o++] = (unsigned char)((buf >> (bits - 8)) & 0xff);
            bits -= 8;
        }
    }
    return (int)o;
}

static char *pct(struct arena *a, const char *s)
{
    char *out = arena_alloc(a, strlen(s) * 3 + 1), *o = out;
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~')
            *o++ = (char)ch;
        else
            o += sprintf(o, "%%%02X", ch);
    }
    *o = 0;
    return out;
}

char *totp_uri(struct arena *a, const char *issuer, const char *account, const char *secret_b32)
{
    const char *i = pct(a, issuer);
    return arena_printf(a,
                        "otpauth://totp/%s:%s?secret=%s&issuer=%s&algorithm=SHA1&digits=%d"
                        "&period=%d",
                        i, pct(a, account), secret_b32, i, TOTP_DIGITS, TOTP_STEP);
}
