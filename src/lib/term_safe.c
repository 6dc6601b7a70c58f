/* term_safe: see term_safe.h. One pass: decode a UTF-8 sequence (strictly: no overlong forms,
 * no surrogates, nothing above U+10FFFF), copy it when it is harmless, else write its escape. */
#include "term_safe.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"

/* The code point of the valid UTF-8 sequence at s (at most n bytes) into *cp; its length, or 0
 * when the byte at s does not start one. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    size_t len = s[0] < 0x80             ? 1
                 : (s[0] & 0xE0) == 0xC0 ? 2
                 : (s[0] & 0xF0) == 0xE0 ? 3
                 : (s[0] & 0xF8) == 0xF0 ? 4
                                         : 0;
    if (!len || len > n) return 0;
    uint32_t c = len == 1 ? s[0] : s[0] & (0x7F >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        c = c << 6 | (s[i] & 0x3F);
    }
    if (c < min[len] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
    *cp = c;
    return len;
}

/* 1 when the code point steers a terminal or reorders the text around it. */
static int term_safe_hidden(uint32_t c)
{
    return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x061C || c == 0x200E || c == 0x200F ||
           (c >= 0x2028 && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

/* The escape of code point c (hidden) into out (room for 8); its length. */
static size_t term_safe_escape(uint32_t c, char *out)
{
    switch (c) {
    case '\t':
        return (size_t)snprintf(out, 8, "\\t");
    case '\n':
        return (size_t)snprintf(out, 8, "\\n");
    case '\r':
        return (size_t)snprintf(out, 8, "\\r");
    default:
        return (size_t)snprintf(out, 8, c < 0x80 ? "\\x%02x" : "\\u%04x", (unsigned)c);
    }
}

size_t term_safe_buf(char *dst, size_t cap, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        char esc[8];
        const char *piece = esc;
        uint32_t c = 0;
        size_t used = utf8_decode(p + i, n - i, &c), len;
        if (!used) { /* not UTF-8: the byte itself, visibly */
            len = (size_t)snprintf(esc, sizeof(esc), "\\x%02x", p[i]);
            used = 1;
        } else if (term_safe_hidden(c)) {
            len = term_safe_escape(c, esc);
        } else if (c == '\\') {
            len = (size_t)snprintf(esc, sizeof(esc), "\\\\");
        } else {
            piece = (const char *)p + i;
            len = used;
        }
        if (o + len >= cap) break;
        memcpy(dst + o, piece, len);
        o += len;
        i += used;
    }
    dst[o] = 0;
    return o;
}

char *term_safe(struct arena *a, const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s), cap = n * 6 + 1; /* an escape is at most 6 bytes per byte */
    char *out = arena_alloc(a, cap);
    term_safe_buf(out, cap, s, n);
    return out;
}
