/* libFuzzer target: the byte rules of request input and the cleaned copy of a stored header on
 * arbitrary bytes (NUL and other controls included): what a rule accepts holds no control it
 * forbids and, with TEXT_UTF8, is valid UTF-8; a cleaned copy is always valid UTF-8 without
 * controls and within its bound. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistr.h>

#include "arena.h"
#include "text.h"

static void check_rule(const uint8_t *d, size_t n, unsigned rules)
{
    if (!text_bytes_ok((const char *)d, n, rules)) return;
    for (size_t i = 0; i < n; i++) {
        if (d[i] == '\t' && (rules & TEXT_TAB)) continue;
        if ((d[i] == '\r' || d[i] == '\n') && (rules & TEXT_NEWLINE)) continue;
        if (d[i] < 0x20 || d[i] == 0x7f) abort();
        if ((rules & TEXT_UTF8) && d[i] == 0xc2 && i + 1 < n && d[i + 1] < 0xa0) abort();
    }
    if ((rules & TEXT_UTF8) && u8_check(d, n)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (unsigned rules = 0; rules < 8; rules++) check_rule(data, size, rules);
    text_json_escapes_ok((const char *)data, size);
    struct arena *a = arena_new();
    const char *s = arena_strndup(a, (const char *)data, size);
    size_t max = size ? data[0] % 64 + 3 : 16;
    const char *c = text_clean_line(a, s, max);
    if (!c || strlen(c) > max || !text_bytes_ok(c, strlen(c), TEXT_UTF8)) abort();
    arena_free(a);
    return 0;
}
