/* text: thin wrappers over libunistring that copy results into the caller's arena. */
#include "text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unicase.h>
#include <uninorm.h>
#include <unistr.h>

#include "arena.h"

int text_bytes_ok(const char *s, size_t n, unsigned rules)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\t' && (rules & TEXT_TAB)) continue;
        if ((c == '\r' || c == '\n') && (rules & TEXT_NEWLINE)) continue;
        if (c < 0x20 || c == 0x7f) return 0;
        /* C1 controls U+0080..U+009F are encoded C2 80..C2 9F */
        if ((rules & TEXT_UTF8) && c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] < 0xa0)
            return 0;
    }
    return !(rules & TEXT_UTF8) || u8_check((const uint8_t *)s, n) == NULL;
}

int text_valid_utf8(const char *s)
{
    return s && text_bytes_ok(s, strlen(s), TEXT_UTF8);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int text_json_escapes_ok(const char *s, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        if (s[i] != '\\') continue;
        i++; /* the escaped character: "\\u0000" is a backslash, then text */
        if (s[i] != 'u' || i + 4 >= n) continue;
        int v = 0;
        for (int k = 1; k <= 4; k++) {
            int h = hexval(s[i + (size_t)k]);
            if (h < 0) return 0; /* not JSON */
            v = v * 16 + h;
        }
        if ((v < 0x20 && v != '\t' && v != '\n' && v != '\r') || v == 0x7f) return 0;
        i += 4;
    }
    return 1;
}

char *text_clean_line(struct arena *a, const char *s, size_t max)
{
    static const char repl[] = "\xef\xbf\xbd"; /* U+FFFD */
    if (!s) return NULL;
    size_t n = strlen(s);
    char *out = arena_alloc(a, max + 1), *o = out;
    const uint8_t *p = (const uint8_t *)s, *end = p + n;
    while (p < end) {
        ucs4_t uc;
        int len = u8_mbtouc(&uc, p, (size_t)(end - p));
        int bad = uc == 0xfffd && !(len == 3 && !memcmp(p, repl, 3));
        int ctl = uc < 0x20 || (uc >= 0x7f && uc < 0xa0);
        const char *w = bad || ctl ? repl : (const char *)p;
        size_t wn = bad || ctl ? 3 : (size_t)len;
        if ((size_t)(o - out) + wn > max) break;
        memcpy(o, w, wn);
        o += wn;
        p += len;
    }
    *o = 0;
    return out;
}

static char *to_arena(struct arena *a, uint8_t *res, size_t len)
{
    if (!res) return NULL;
    char *out = arena_strndup(a, (const char *)res, len);
    free(res);
    return out;
}

char *text_nfkc(struct arena *a, const char *s)
{
    if (!s || u8_check((const uint8_t *)s, strlen(s))) return NULL;
    size_t len = 0;
    uint8_t *res = u8_normalize(UNINORM_NFKC, (const uint8_t *)s, strlen(s), NULL, &len);
    return to_arena(a, res, len);
}

char *text_fold(struct arena *a, const char *s)
{
    if (!s || u8_check((const uint8_t *)s, strlen(s))) return NULL;
    size_t len = 0;
    uint8_t *res = u8_casefold((const uint8_t *)s, strlen(s), NULL, UNINORM_NFKC, NULL, &len);
    return to_arena(a, res, len);
}

long text_codepoints(const char *s)
{
    if (!s || u8_check((const uint8_t *)s, strlen(s))) return -1;
    return (long)u8_mbsnlen((const uint8_t *)s, strlen(s));
}

char *text_trim(struct arena *a, const char *s)
{
    if (!s) return NULL;
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n')) n--;
    return arena_strndup(a, s, n);
}

char *text_urlencode(struct arena *a, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = s ? strlen(s) : 0;
    char *out = arena_alloc(a, 3 * n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            strchr("-._~/", c)) {
            *o++ = (char)c;
        } else {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    *o = 0;
    return out;
}
