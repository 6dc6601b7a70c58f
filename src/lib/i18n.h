/* i18n: message catalogs (locale/LANG.txt plus per-feature locale/LANG.PART.txt, for zh-CN and
 * en: "key = value" lines) and the choice of a request's language (cookie, then Accept-Language,
 * then the default). */
#ifndef DAOID_I18N_H
#define DAOID_I18N_H

struct i18n_cat;

/* Loads both catalogs from the assets; 0, or -1 when a catalog is missing or malformed. */
int i18n_init(void);
void i18n_shutdown(void);
/* The catalog of lang ("zh-CN" or "en"); never NULL after i18n_init (falls back to zh-CN). */
const struct i18n_cat *i18n_cat(const char *lang);
/* The message for key, or key itself when the catalog lacks it. Static storage. */
const char *i18n_get(const struct i18n_cat *cat, const char *key);
/* 1 when the catalog has key. */
int i18n_has(const struct i18n_cat *cat, const char *key);
/* Language for a request: a valid cookie value wins, then the best Accept-Language match,
 * then fallback. Returns "zh-CN" or "en" (static). */
const char *i18n_pick(const char *cookie, const char *accept_language, const char *fallback);
struct arena;
/* A duration in words in lang ("24 小时", "30 minutes", "7 days"), whole units, in a. */
const char *i18n_duration(struct arena *a, const char *lang, long long seconds);
/* Number of keys, and the i-th key (for tests that compare catalogs). */
int i18n_count(const struct i18n_cat *cat);
const char *i18n_key(const struct i18n_cat *cat, int i);

#endif
