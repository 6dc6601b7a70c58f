/* Unit tests of the copy: the mechanical rules of locale/GLOSSARY.md checked on every value of
 * both catalogs. zh-CN: no English words but names and technical terms (a value half in
 * English, like "绑定微信 bonus granted", fails), 您 not 你, 绑定 not 关联, full-width
 * punctuation next to Chinese, a space between a number and its unit and none after the unit.
 * en: no Chinese, "email" not "e-mail". */
#include <ctype.h>

#include "i18n.h"

#include "testlib.h"

static void setup(void)
{
    tl_setup_with(TL_I18N, NULL);
}

static void teardown(void)
{
    tl_teardown();
}

TestSuite(copy, .init = setup, .fini = teardown);

/* The code point at *p (UTF-8), advancing p; malformed bytes count as themselves. */
static unsigned cp_next(const char **p)
{
    const unsigned char *s = (const unsigned char *)*p;
    unsigned c = s[0];
    int n = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
    if (n) c &= 0x3fu >> n;
    for (int i = 1; i <= n && s[i]; i++) c = (c << 6) | (s[i] & 0x3fu);
    *p += 1 + n;
    return c;
}

static int is_han(unsigned c)
{
    return (c >= 0x3400 && c <= 0x9fff) || (c >= 0x3000 && c <= 0x303f) ||
           (c >= 0xff00 && c <= 0xffef);
}

/* Names and technical terms that stay in Latin letters in Chinese text. */
static const char *const latin_ok[] = {
    "GitHub",
    "Bitbucket",
    "Coding",
    "Git",
    "Docker",
    "docker",
    "Hub",
    "DaoCloud",
    "CI",
    "UTF-8",
    "Cookie",
    "Content-Length",
    "Transfer-Encoding",
    "NUL",
    "IP",
    "UTC",
    "skopeo",
    "login",
    "Esc",
    "API",
    "URL",
    "CLI",
    "OpenID",
    "Connect",
    "JSON",
    "HTTP",
    "HTTPS",
    "ID",
    "PIN",
    "X",
    NULL,
};

static int latin_allowed(const char *w, size_t n)
{
    for (int i = 0; latin_ok[i]; i++)
        if (strlen(latin_ok[i]) == n && !strncmp(latin_ok[i], w, n)) return 1;
    return 0;
}

/* The value with its {placeholders} removed. */
static void strip_placeholders(const char *v, char *out, size_t cap)
{
    size_t o = 0;
    for (const char *p = v; *p && o + 1 < cap; p++) {
        if (*p == '{') {
            const char *e = strchr(p, '}');
            if (e) {
                p = e;
                continue;
            }
        }
        out[o++] = *p;
    }
    out[o] = 0;
}

/* The first English word of a zh-CN value that is not allowed, into bad; 0 when none. */
static int foreign_word(const char *v, char *bad, size_t cap)
{
    char s[2048];
    strip_placeholders(v, s, sizeof(s));
    for (const char *p = s; *p;) {
        if (!isalpha((unsigned char)*p)) {
            p++;
            continue;
        }
        const char *w = p;
        while (*p && (isalnum((unsigned char)*p) ||
                      ((*p == '-' || *p == '.') && isalnum((unsigned char)p[1]))))
            p++;
        size_t n = (size_t)(p - w);
        if (n >= 2 && !latin_allowed(w, n)) {
            snprintf(bad, cap, "%.*s", (int)n, w);
            return 1;
        }
    }
    return 0;
}

Test(copy, zh_values_are_chinese)
{
    const struct i18n_cat *zh = i18n_cat("zh-CN");
    int bad_n = 0;
    for (int i = 0; i < i18n_count(zh); i++) {
        const char *k = i18n_key(zh, i);
        char bad[64];
        if (foreign_word(i18n_get(zh, k), bad, sizeof(bad))) {
            cr_expect_fail("zh-CN %s: English word \"%s\" in: %s", k, bad, i18n_get(zh, k));
            bad_n++;
        }
    }
    cr_assert_eq(bad_n, 0);
}

Test(copy, a_mixed_value_is_caught)
{
    char bad[64];
    cr_assert(foreign_word("绑定微信 bonus granted", bad, sizeof(bad)));
    cr_assert_str_eq(bad, "bonus");
    cr_assert_not(foreign_word("绑定 GitHub 后，{provider} 的代码仓库", bad, sizeof(bad)));
}

Test(copy, en_values_have_no_chinese)
{
    const struct i18n_cat *en = i18n_cat("en");
    for (int i = 0; i < i18n_count(en); i++) {
        const char *k = i18n_key(en, i), *v = i18n_get(en, k);
        for (const char *p = v; *p;) {
            if (k[0] == 'l' && !strncmp(k, "lang.", 5)) break; /* the language switch */
            unsigned c = cp_next(&p);
            cr_expect_not(is_han(c), "en %s: Chinese in: %s", k, v);
            if (is_han(c)) break;
        }
        cr_expect_null(strcasestr(v, "e-mail"), "en %s: \"e-mail\" (the glossary says email)", k);
    }
}

/* zh-CN: 您, 绑定, full-width punctuation beside Chinese, units spaced as the glossary says. */
Test(copy, zh_glossary_rules)
{
    const struct i18n_cat *zh = i18n_cat("zh-CN");
    static const char *const units[] = {"分钟", "小时", "天", "秒", "个", "次", NULL};
    for (int i = 0; i < i18n_count(zh); i++) {
        const char *k = i18n_key(zh, i), *v = i18n_get(zh, k);
        cr_expect_null(strstr(v, "你"), "zh-CN %s: 你 (the glossary says 您): %s", k, v);
        cr_expect_null(strstr(v, "关联"), "zh-CN %s: 关联 (the glossary says 绑定): %s", k, v);
        unsigned prev = 0;
        for (const char *p = v; *p;) {
            const char *at = p;
            unsigned c = cp_next(&p);
            int ascii_punct = c < 128 && strchr(",;:?!()", (int)c);
            unsigned next = 0;
            if (*p) {
                const char *q = p;
                next = cp_next(&q);
            }
            cr_expect_not(ascii_punct && (is_han(prev) || is_han(next)),
                          "zh-CN %s: ASCII '%c' beside Chinese (use full-width): %s", k, (char)c,
                          v);
            for (int u = 0; units[u] && c < 128 && isdigit((int)c); u++)
                cr_expect(strncmp(p, units[u], strlen(units[u])),
                          "zh-CN %s: no space between the number and %s: %s", k, units[u], v);
            (void)at;
            prev = c;
        }
        /* "{duration}" ends in its unit ("24 小时"): nothing spaced after it */
        const char *d = strstr(v, "{duration} ");
        if (d) {
            const char *q = d + strlen("{duration} ");
            cr_expect_not(is_han(cp_next(&q)), "zh-CN %s: a space after the unit: %s", k, v);
        }
    }
}
