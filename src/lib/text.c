/* text: thin wrappers over libunistring that copy results into the caller's arena. */
#include "text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unicase.h>
#include <uninorm.h>
#include <unistr.h>

#include "arena.h"

int text_valid_utf8(const char *s)
{
    if (!s) return 0;
    size_t n = strlen(s);
    if (u8_check((const uint8_t *)s, n) != NULL) return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) return 0;
    /* C1 controls U+0080..U+009F are encoded C2 80..C2 9F */
    for (size_t i = 0; i + 1 < n; i++)
        if ((unsigned char)s[i] == 0xc2 && (unsigned char)s[i + 1] < 0xa0) return 0;
    return 1;
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
