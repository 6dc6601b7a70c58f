/* Unit tests of the byte rules of request input (text_bytes_ok, text_json_escapes_ok) and of
 * the cleaned copy of a stored header (text_clean_line). */
#include <criterion/criterion.h>
#include <string.h>

#include "arena.h"
#include "text.h"

#define OK(lit, rules) text_bytes_ok(lit, sizeof(lit) - 1, rules)

Test(text, bytes_ok_sees_past_a_nul)
{
    cr_assert(OK("victim@ex.test", TEXT_UTF8));
    cr_assert_not(OK("victim@ex.test\0@attacker.test", TEXT_UTF8));
    cr_assert_not(OK("\0", 0));
    cr_assert(OK("", TEXT_UTF8));
}

Test(text, bytes_ok_controls_per_rule)
{
    cr_assert_not(OK("a\tb", TEXT_UTF8));
    cr_assert(OK("a\tb", TEXT_TAB));
    cr_assert_not(OK("a\nb", TEXT_TAB));
    cr_assert(OK("a\r\nb\tc", TEXT_UTF8 | TEXT_TAB | TEXT_NEWLINE));
    cr_assert_not(OK("a\x01"
                     "b",
                     TEXT_UTF8 | TEXT_TAB | TEXT_NEWLINE));
    cr_assert_not(OK("a\x1b[2J", TEXT_TAB));
    cr_assert_not(OK("a\x7f", 0));
    cr_assert_not(OK("a\x1f", 0));
    cr_assert(OK("a ~", 0));
}

Test(text, bytes_ok_utf8_and_c1)
{
    cr_assert(OK("用户", TEXT_UTF8));
    cr_assert(OK("\xc2\xa0", TEXT_UTF8));     /* U+00A0 is not a control */
    cr_assert_not(OK("\xc2\x85", TEXT_UTF8)); /* U+0085 NEL */
    cr_assert_not(OK("\xc2\x9b", TEXT_UTF8)); /* U+009B CSI */
    cr_assert_not(OK("a\xff", TEXT_UTF8));
    cr_assert_not(OK("\xc0\xaf", TEXT_UTF8)); /* overlong '/' */
    cr_assert_not(OK("\xe4\xb8", TEXT_UTF8)); /* cut sequence */
    /* without TEXT_UTF8 (headers, cookies) bytes >= 0x80 pass */
    cr_assert(OK("a\xff\xc2\x9b", TEXT_TAB));
    cr_assert(text_valid_utf8("ok"));
    cr_assert_not(text_valid_utf8("a\x01"));
}

#define JOK(lit) text_json_escapes_ok(lit, sizeof(lit) - 1)

Test(text, json_escapes)
{
    cr_assert(JOK("{\"a\":\"b\"}"));
    cr_assert(JOK("{\"a\":\"line\\nnext\\ttab\\u000a\\u0009\\u000D\"}"));
    cr_assert(JOK("{\"a\":\"\\u4e2d\\u00e9\"}"));
    cr_assert_not(JOK("{\"a\":\"x\\u0000y\"}"));
    cr_assert_not(JOK("{\"a\":\"\\u001b[2J\"}"));
    cr_assert_not(JOK("{\"a\":\"\\u007F\"}"));
    cr_assert_not(JOK("{\"a\":\"\\u00zz\"}"));
    /* an escaped backslash before u0000 is text, not an escape */
    cr_assert(JOK("{\"a\":\"\\\\u0000\"}"));
    cr_assert_not(JOK("{\"a\":\"\\\\\\u0000\"}"));
    cr_assert(JOK("\"\\u00"));
}

Test(text, clean_line)
{
    struct arena *a = arena_new();
    cr_assert_null(text_clean_line(a, NULL, 10));
    cr_assert_str_eq(text_clean_line(a, "Mozilla/5.0 (X11)", 256), "Mozilla/5.0 (X11)");
    cr_assert_str_eq(text_clean_line(a,
                                     "M\xff\xfe (\xc2\x9b"
                                     "2J)",
                                     256),
                     "M\xef\xbf\xbd\xef\xbf\xbd (\xef\xbf\xbd"
                     "2J)");
    cr_assert_str_eq(text_clean_line(a,
                                     "a\x1b]0;x\x07"
                                     "b",
                                     256),
                     "a\xef\xbf\xbd]0;x\xef\xbf\xbd"
                     "b");
    cr_assert_str_eq(text_clean_line(a, "中文\xef\xbf\xbd", 256), "中文\xef\xbf\xbd");
    /* bounded, at a character boundary */
    cr_assert_str_eq(text_clean_line(a, "abcdef", 4), "abcd");
    cr_assert_str_eq(text_clean_line(a, "ab中", 4), "ab");
    char *c = text_clean_line(a, "x\xff\xff\xff\xff", 7);
    cr_assert_str_eq(c, "x\xef\xbf\xbd\xef\xbf\xbd");
    cr_assert(text_valid_utf8(text_clean_line(a, "\x80\x81\xc3(\xed\xa0\x80", 64)));
    arena_free(a);
}
