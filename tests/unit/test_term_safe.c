/* Unit tests of term_safe: what may reach the operator's terminal from stored text (daoid
 * admin, the logs) — control, C1 and bidi characters and stray bytes made visible, the rest
 * kept as it was — and that a log line carrying such text is written escaped. */
#include <fcntl.h>

#include "arena.h"
#include "log.h"
#include "term_safe.h"

#include "testlib.h"

/* 1 when s has a byte or character a terminal would act on. */
static int has_raw_control(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) return 1;
        if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) return 1; /* C1 */
        if (p[0] == 0xe2 && p[1] == 0x80 && p[2] >= 0xaa && p[2] <= 0xae) return 1;
        if (p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9) return 1;
        if (*p >= 0x80 && *p <= 0x9f) return 1; /* an 8-bit C1 on a Latin-1 terminal */
    }
    return 0;
}

Test(term_safe, hostile_user_agent_escaped)
{
    struct arena *a = arena_new();
    const char *ua = "Mozilla\x1b]0;PWNED\x07\x1b[2J";
    char *s = term_safe(a, ua);
    cr_assert_str_eq(s, "Mozilla\\x1b]0;PWNED\\x07\\x1b[2J");
    cr_assert_not(has_raw_control(s));
    cr_assert_str_eq(term_safe(a, "osc52\x1b]52;c;cHduZWQ=\x1b\\"),
                     "osc52\\x1b]52;c;cHduZWQ=\\x1b\\\\");
    arena_free(a);
}

Test(term_safe, c1_bidi_del_and_stray_bytes_escaped)
{
    struct arena *a = arena_new();
    cr_assert_str_eq(term_safe(a, "a\xc2\x9b"
                                  "2Jb"),
                     "a\\u009b2Jb", "C1 CSI as UTF-8");
    cr_assert_str_eq(term_safe(a, "a\x9b"
                                  "2Jb"),
                     "a\\x9b2Jb", "a lone 8-bit CSI");
    cr_assert_str_eq(term_safe(a, "evil\xe2\x80\xaegnp.exe"), "evil\\u202egnp.exe", "RLO");
    cr_assert_str_eq(term_safe(a, "\xe2\x81\xa6x\xe2\x81\xa9"), "\\u2066x\\u2069", "isolates");
    cr_assert_str_eq(term_safe(a, "\xe2\x80\xaa\xe2\x80\xac\xe2\x80\x8f\xd8\x9c"),
                     "\\u202a\\u202c\\u200f\\u061c", "embeddings and marks");
    cr_assert_str_eq(term_safe(a, "x\x7fy\tz\r\n"), "x\\x7fy\\tz\\r\\n");
    cr_assert_str_eq(term_safe(a, "\xe2\x80\xa8"), "\\u2028", "line separator");
    cr_assert_str_eq(term_safe(a, "\xc0\xaf\xed\xa0\x80"), "\\xc0\\xaf\\xed\\xa0\\x80",
                     "overlong form and surrogate are not UTF-8");
    cr_assert_str_eq(term_safe(a, "\xe2\x80"), "\\xe2\\x80", "cut sequence");
    cr_assert_str_eq(term_safe(a, "C:\\x1b"), "C:\\\\x1b", "a stored backslash is not an escape");
    arena_free(a);
}

Test(term_safe, ordinary_text_kept)
{
    struct arena *a = arena_new();
    const char *s = "Mozilla/5.0 (X11; Linux x86_64) 张三 ünïcødé 🙂 a@b.c 100%";
    cr_assert_str_eq(term_safe(a, s), s);
    cr_assert_str_eq(term_safe(a, ""), "");
    cr_assert_null(term_safe(a, NULL));
    arena_free(a);
}

Test(term_safe, buffer_cut_at_a_whole_escape)
{
    char out[8];
    cr_assert_eq(term_safe_buf(out, sizeof(out),
                               "ab\x1b"
                               "cd",
                               5),
                 7);
    cr_assert_str_eq(out, "ab\\x1bc");
    cr_assert_eq(term_safe_buf(out, 6, "abc\x1b", 4), 3, "no half escape");
    cr_assert_str_eq(out, "abc");
    cr_assert_eq(term_safe_buf(out, 5, "\xe4\xb8\xad\xe6\x96\x87", 6), 3, "no half character");
    cr_assert_str_eq(out, "\xe4\xb8\xad");
}

Test(term_safe, log_lines_escaped)
{
    char path[] = "/tmp/daoid-term-safe-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    int saved = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    log_init("info");
    log_info("session: user agent %s", "Mozilla\x1b]0;PWNED\x07\xe2\x80\xae");
    dup2(saved, STDERR_FILENO);
    close(saved);
    char line[512] = "";
    ssize_t n = pread(fd, line, sizeof(line) - 1, 0);
    close(fd);
    unlink(path);
    cr_assert_gt(n, 0);
    line[n] = 0;
    cr_assert_not_null(strstr(line, "user agent Mozilla\\x1b]0;PWNED\\x07\\u202e\n"), "%s", line);
    *strrchr(line, '\n') = 0;
    cr_assert_not(has_raw_control(line), "%s", line);
}
