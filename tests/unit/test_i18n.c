/* Unit tests of i18n: catalogs, i18n_pick, and every template {{t:key}} in both catalogs. */
#include "asset.h"
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

TestSuite(i18n, .init = setup, .fini = teardown);

Test(i18n, catalogs_have_the_same_keys)
{
    const struct i18n_cat *zh = i18n_cat("zh-CN"), *en = i18n_cat("en");
    cr_assert_neq(zh, en);
    cr_assert_gt(i18n_count(zh), 50);
    cr_assert_eq(i18n_count(zh), i18n_count(en));
    for (int i = 0; i < i18n_count(zh); i++) {
        const char *k = i18n_key(zh, i);
        cr_assert_not_null(k);
        cr_expect_str_eq(k, i18n_key(en, i));
        cr_expect(i18n_has(en, k), "en lacks %s", k);
        cr_expect(i18n_has(zh, i18n_key(en, i)), "zh-CN lacks %s", i18n_key(en, i));
        cr_expect_str_neq(i18n_get(zh, k), "", "zh-CN %s is empty", k);
        cr_expect_str_neq(i18n_get(en, k), "", "en %s is empty", k);
    }
    cr_assert_null(i18n_key(zh, -1));
    cr_assert_null(i18n_key(zh, i18n_count(zh)));
}

static int name_cmp(const void *x, const void *y)
{
    return strcmp(x, y);
}

/* The {name} placeholders of a message, sorted and joined, into out. */
static void placeholders(const char *msg, char *out, size_t n)
{
    char names[16][64];
    int k = 0;
    for (const char *p = msg; (p = strchr(p, '{')) && k < 16;) {
        const char *e = strchr(p, '}');
        if (!e) break;
        snprintf(names[k++], sizeof(names[0]), "%.*s", (int)(e - p - 1), p + 1);
        p = e + 1;
    }
    qsort(names, (size_t)k, sizeof(names[0]), name_cmp);
    out[0] = 0;
    for (int i = 0; i < k; i++) {
        strncat(out, names[i], n - strlen(out) - 1);
        strncat(out, ",", n - strlen(out) - 1);
    }
}

Test(i18n, catalogs_use_the_same_placeholders)
{
    const struct i18n_cat *zh = i18n_cat("zh-CN"), *en = i18n_cat("en");
    int with = 0;
    for (int i = 0; i < i18n_count(en); i++) {
        const char *k = i18n_key(en, i);
        char pe[512], pz[512];
        placeholders(i18n_get(en, k), pe, sizeof(pe));
        placeholders(i18n_get(zh, k), pz, sizeof(pz));
        cr_expect_str_eq(pe, pz, "%s: en {%s} vs zh-CN {%s}", k, pe, pz);
        with += *pe != 0;
    }
    cr_assert_gt(with, 0);
}

Test(i18n, lookups)
{
    const struct i18n_cat *en = i18n_cat("en");
    cr_assert_str_eq(i18n_get(en, "nav.login"), "Sign in");
    cr_assert_str_eq(i18n_get(en, "console.hello"), "Hello, {user}");
    cr_assert_str_eq(i18n_get(en, "no.such.key"), "no.such.key");
    cr_assert_eq(i18n_has(en, "no.such.key"), 0);
    cr_assert_eq(i18n_has(en, "nav.login"), 1);
    cr_assert_str_neq(i18n_get(i18n_cat("zh-CN"), "nav.login"), "Sign in");
    /* unknown languages fall back to zh-CN */
    cr_assert_eq(i18n_cat(NULL), i18n_cat("zh-CN"));
    cr_assert_eq(i18n_cat("fr"), i18n_cat("zh-CN"));
    cr_assert_eq(i18n_cat("EN"), i18n_cat("zh-CN"));
}

Test(i18n, pick_cookie_wins)
{
    cr_assert_str_eq(i18n_pick("en", "zh-CN,zh;q=0.9", "zh-CN"), "en");
    cr_assert_str_eq(i18n_pick("zh-CN", "en-US,en;q=0.9", "en"), "zh-CN");
    /* an invalid cookie is ignored */
    cr_assert_str_eq(i18n_pick("fr", "en", "zh-CN"), "en");
    cr_assert_str_eq(i18n_pick("EN", "zh", "en"), "zh-CN");
    cr_assert_str_eq(i18n_pick("", NULL, "en"), "en");
}

Test(i18n, pick_accept_language)
{
    cr_assert_str_eq(i18n_pick(NULL, "en-US,en;q=0.9", "zh-CN"), "en");
    cr_assert_str_eq(i18n_pick(NULL, "zh-CN,zh;q=0.9,en;q=0.8", "en"), "zh-CN");
    cr_assert_str_eq(i18n_pick(NULL, "en;q=0.5, zh;q=0.8", "en"), "zh-CN");
    cr_assert_str_eq(i18n_pick(NULL, "zh;q=0.5, en;q=0.8", "zh-CN"), "en");
    cr_assert_str_eq(i18n_pick(NULL, "zh;q=0.1, en", "zh-CN"), "en");
    cr_assert_str_eq(i18n_pick(NULL, "fr-FR, de;q=0.9, en;q=0.2", "zh-CN"), "en");
    cr_assert_str_eq(i18n_pick(NULL, "zh-TW", "en"), "zh-CN");
    cr_assert_str_eq(i18n_pick(NULL, "EN-gb", "zh-CN"), "en");
    cr_assert_str_eq(i18n_pick(NULL, "en ; q=0.3 , zh ; q=0.4", "en"), "zh-CN");
    /* q=0 means "not acceptable" */
    cr_assert_str_eq(i18n_pick(NULL, "en;q=0", "zh-CN"), "zh-CN");
    cr_assert_str_eq(i18n_pick(NULL, "zh;q=0, fr", "en"), "en");
    /* equal q: the first listed */
    cr_assert_str_eq(i18n_pick(NULL, "en;q=0.7, zh;q=0.7", "zh-CN"), "en");
}

Test(i18n, pick_fallback)
{
    cr_assert_str_eq(i18n_pick(NULL, NULL, "en"), "en");
    cr_assert_str_eq(i18n_pick(NULL, NULL, "zh-CN"), "zh-CN");
    cr_assert_str_eq(i18n_pick(NULL, "", "en"), "en");
    cr_assert_str_eq(i18n_pick(NULL, "fr-FR, de;q=0.9", "en"), "en");
    cr_assert_str_eq(i18n_pick(NULL, "english, zhongwen", "en"), "en");
    cr_assert_str_eq(i18n_pick(NULL, "*", "en"), "en");
    cr_assert_str_eq(i18n_pick(NULL, NULL, NULL), "zh-CN");
    cr_assert_str_eq(i18n_pick(NULL, NULL, "fr"), "zh-CN");
}

Test(i18n, template_keys_exist_in_both_catalogs)
{
    const struct i18n_cat *zh = i18n_cat("zh-CN"), *en = i18n_cat("en");
    size_t n = 0;
    const struct asset *all = asset_all(&n);
    int templates = 0, keys = 0;
    for (size_t i = 0; i < n; i++) {
        if (strncmp(all[i].path, "web/templates/", 14)) continue;
        templates++;
        const char *s = (const char *)all[i].data;
        for (const char *p = s; (p = strstr(p, "{{t:"));) {
            const char *e = strstr(p, "}}");
            cr_assert_not_null(e, "%s: unclosed {{t:", all[i].path);
            char key[128];
            snprintf(key, sizeof(key), "%.*s", (int)(e - p - 4), p + 4);
            cr_expect(i18n_has(zh, key), "%s: zh-CN lacks %s", all[i].path, key);
            cr_expect(i18n_has(en, key), "%s: en lacks %s", all[i].path, key);
            keys++;
            p = e + 2;
        }
    }
    cr_assert_geq(templates, 10);
    cr_assert_gt(keys, 50);
}
