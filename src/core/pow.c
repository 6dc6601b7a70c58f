/* pow: issuing and verifying proof-of-work challenges (see pow.h). The signing key is derived
 * from the service key (secrets_csrf_key) with a label, so a CSRF token and a challenge's
 * signature can never stand for each other. */
#include "pow.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "config.h"
#include "rate_counters.h"
#include "secrets.h"
#include "store.h"

#define POW_SALT_HEX 32
#define POW_HASH_HEX 64

/* hex(HMAC-SHA-256(key, msg[0..n))) into out (65 bytes) */
static void pow_sign(const unsigned char key[POW_KEYLEN], const char *msg, size_t n, char *out)
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, POW_KEYLEN);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg, n);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(out, POW_HASH_HEX + 1, mac, sizeof(mac));
}

/* hex(SHA-256(salt || decimal n)) into out (65 bytes): what the browser computes */
static void pow_hash(const char *salt, uint64_t n, char *out)
{
    char buf[POW_SALT_HEX + 24];
    int len = snprintf(buf, sizeof(buf), "%s%" PRIu64, salt, n);
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)buf, (unsigned long long)len);
    sodium_bin2hex(out, POW_HASH_HEX + 1, h, sizeof(h));
}

char *pow_issue(struct arena *a, const unsigned char key[POW_KEYLEN], int64_t now, int64_t max)
{
    unsigned char raw[POW_SALT_HEX / 2];
    char salt[POW_SALT_HEX + 1], challenge[POW_HASH_HEX + 1], sig[POW_HASH_HEX + 1];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2hex(salt, sizeof(salt), raw, sizeof(raw));
    pow_hash(salt, randombytes_uniform((uint32_t)max + 1), challenge);
    char *body = arena_printf(a, POW_PREFIX "%s.%" PRId64 ".%" PRId64 ".%s", salt, now + POW_TTL,
                              max, challenge);
    pow_sign(key, body, strlen(body), sig);
    return arena_printf(a, "%s.%s", body, sig);
}

/* a decimal number of 1 to 18 digits, no sign, no leading zero (but "0") */
static int pow_decimal(const char *s, size_t n, uint64_t *out)
{
    if (n == 0 || n > 18 || (s[0] == '0' && n > 1)) return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return 1;
}

static int pow_lowhex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return 0;
    return 1;
}

enum pow_rc pow_check(const unsigned char key[POW_KEYLEN], const char *ch, const char *number,
                      int64_t now, char salt[33])
{
    /* pow1 . salt . expires . max . challenge . signature */
    const char *f[6];
    size_t len[6], i = 0;
    if (!ch || !number || strlen(ch) > 256 || strncmp(ch, POW_PREFIX, strlen(POW_PREFIX)))
        return POW_MALFORMED;
    for (const char *p = ch; i < 6; i++) {
        const char *dot = strchr(p, '.');
        f[i] = p;
        len[i] = dot ? (size_t)(dot - p) : strlen(p);
        if (!dot && i < 5) return POW_MALFORMED;
        p = dot ? dot + 1 : p + len[i];
    }
    uint64_t expires, max, n;
    if (len[1] != POW_SALT_HEX || !pow_lowhex(f[1], len[1]) ||
        !pow_decimal(f[2], len[2], &expires) || !pow_decimal(f[3], len[3], &max) ||
        len[4] != POW_HASH_HEX || !pow_lowhex(f[4], len[4]) || len[5] != POW_HASH_HEX ||
        f[5][len[5]] != 0)
        return POW_MALFORMED;
    char want[POW_HASH_HEX + 1];
    pow_sign(key, ch, (size_t)(f[5] - 1 - ch), want);
    if (sodium_memcmp(want, f[5], POW_HASH_HEX) != 0) return POW_FORGED;
    if ((int64_t)expires <= now) return POW_EXPIRED;
    if (!pow_decimal(number, strlen(number), &n) || n > max) return POW_WRONG;
    char s[POW_SALT_HEX + 1], got[POW_HASH_HEX + 1];
    memcpy(s, f[1], POW_SALT_HEX);
    s[POW_SALT_HEX] = 0;
    pow_hash(s, n, got);
    if (sodium_memcmp(got, f[4], POW_HASH_HEX) != 0) return POW_WRONG;
    memcpy(salt, s, sizeof(s));
    return POW_OK;
}

/* the signing key: BLAKE2b-256 keyed with the service key over a label */
static int pow_key(unsigned char key[POW_KEYLEN])
{
    static const char label[] = "daoid proof-of-work challenge v1";
    const unsigned char *sk = secrets_csrf_key();
    if (!sk) return -1;
    return crypto_generichash(key, POW_KEYLEN, (const unsigned char *)label, sizeof(label) - 1, sk,
                              SECRETS_KEY_LEN);
}

char *pow_new(struct arena *a, int64_t now)
{
    unsigned char key[POW_KEYLEN];
    if (pow_key(key) != 0) return NULL;
    char *ch = pow_issue(a, key, now, cfg->pow_max_number);
    sodium_memzero(key, sizeof(key));
    return ch;
}

enum pow_rc pow_verify(struct arena *a, const char *challenge, const char *number, int64_t now)
{
    unsigned char key[POW_KEYLEN];
    char salt[POW_SALT_HEX + 1];
    if (pow_key(key) != 0) return POW_STORE_ERR;
    enum pow_rc rc = pow_check(key, challenge, number, now, salt);
    sodium_memzero(key, sizeof(key));
    if (rc != POW_OK) return rc;
    struct st_conn *c = st_get();
    if (!c) return POW_STORE_ERR;
    /* the first use records the salt; it is kept past the challenge's whole lifetime */
    int first = rate_counters_spaced(c, arena_printf(a, "pow:%s", salt), now, 2 * POW_TTL);
    return first < 0 ? POW_STORE_ERR : first ? POW_OK : POW_REPLAYED;
}
