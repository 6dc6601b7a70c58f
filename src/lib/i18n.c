/* i18n: catalogs parsed once at start into sorted arrays (binary search per lookup), and an
 * Accept-Language parser that honours q-values. Only zh-CN and en exist. */
#include "i18n.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "asset.h"
#include "log.h"

struct msg {
    char *key, *val;
};

struct i18n_cat {
    const char *lang;
    struct msg *msgs;
    int n;
};

static struct i18n_cat cats[2] = {{"zh-CN", NULL, 0}, {"en", NULL, 0}};

static int msg_cmp(const void *a, const void *b)
{
    return strcmp(((const struct msg *)a)->key, ((const struct msg *)b)->key);
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) s[--n] = 0;
    return s;
}

/* "\n" in a value becomes a newline. */
static char *unescape(const char *v)
{
    char *out = malloc(strlen(v) + 1), *o = out;
    for (; *v; v++) {
        if (v[0] == '\\' && v[1] == 'n')
            *o++ = '\n', v++;
        else
            *o++ = *v;
    }
    *o = 0;
    return out;
}

/* Adds the "key = value" lines of one catalog file to c. */
static int cat_parse(struct i18n_cat *c, const struct asset *a, int *cap)
{
    char *text = strndup((const char *)a->data, a->len), *save = NULL;
    int lineno = 0, rc = 0;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        char *l = trim(line);
        if (!*l || *l == '#') continue;
        char *eq = strchr(l, '=');
        if (!eq) {
            log_warnx("i18n: %s: no '=' in a line near %d", a->path, lineno);
            rc = -1;
            continue;
        }
        *eq = 0;
        if (c->n == *cap) c->msgs = realloc(c->msgs, sizeof(struct msg) * (size_t)(*cap *= 2));
        c->msgs[c->n].key = strdup(trim(l));
        c->msgs[c->n].val = unescape(trim(eq + 1));
        c->n++;
    }
    free(text);
    return rc;
}

/* A language's catalog is locale/LANG.txt plus any locale/LANG.PART.txt (one per feature). */
static int is_catalog_of(const char *path, const char *lang)
{
    size_t n = strlen(lang);
    if (strncmp(path, "locale/", 7) || strncmp(path + 7, lang, n)) return 0;
    const char *rest = path + 7 + n;
    size_t rl = strlen(rest);
    return (rest[0] == '.' && rl >= 4 && !strcmp(rest + rl - 4, ".txt"));
}

static int cat_load(struct i18n_cat *c)
{
    int cap = 256, rc = 0, files = 0;
    c->msgs = malloc(sizeof(struct msg) * (size_t)cap);
    c->n = 0;
    size_t n;
    const struct asset *all = asset_all(&n);
    for (size_t i = 0; i < n; i++) {
        if (!is_catalog_of(all[i].path, c->lang)) continue;
        const struct asset *a = asset_get(all[i].path); /* the override, when there is one */
        if (cat_parse(c, a, &cap) != 0) rc = -1;
        files++;
    }
    if (!files) {
        log_warnx("i18n: no catalog for %s", c->lang);
        return -1;
    }
    qsort(c->msgs, (size_t)c->n, sizeof(struct msg), msg_cmp);
    for (int i = 1; i < c->n; i++)
        if (!strcmp(c->msgs[i].key, c->msgs[i - 1].key)) {
            log_warnx("i18n: %s: duplicate key %s", c->lang, c->msgs[i].key);
            rc = -1;
        }
    return rc;
}

int i18n_init(void)
{
    i18n_shutdown();
    int rc = 0;
    for (int i = 0; i < 2; i++)
        if (cat_load(&cats[i]) != 0) rc = -1;
    return rc;
}

void i18n_shutdown(void)
{
    for (int i = 0; i < 2; i++) {
        for (int k = 0; k < cats[i].n; k++) {
            free(cats[i].msgs[k].key);
            free(cats[i].msgs[k].val);
        }
        free(cats[i].msgs);
        cats[i].msgs = NULL;
        cats[i].n = 0;
    }
}

const struct i18n_cat *i18n_cat(const char *lang)
{
    return lang && !strcmp(lang, "en") ? &cats[1] : &cats[0];
}

static const struct msg *find(const struct i18n_cat *c, const char *key)
{
    struct msg k = {(char *)key, NULL};
    return c->n ? bsearch(&k, c->msgs, (size_t)c->n, sizeof(struct msg), msg_cmp) : NULL;
}

const char *i18n_get(const struct i18n_cat *c, const char *key)
{
    const struct msg *m = find(c, key);
    return m ? m->val : key;
}

int i18n_has(const struct i18n_cat *c, const char *key)
{
    return find(c, key) != NULL;
}

int i18n_count(const struct i18n_cat *c)
{
    return c->n;
}

const char *i18n_key(const struct i18n_cat *c, int i)
{
    return i >= 0 && i < c->n ? c->msgs[i].key : NULL;
}

/* Maps a language tag to one we have, or NULL. */
static const char *lang_match(const char *tag, size_t n)
{
    if (n >= 2 && !strncasecmp(tag, "zh", 2) && (n == 2 || tag[2] == '-')) return "zh-CN";
    if (n >= 2 && !strncasecmp(tag, "en", 2) && (n == 2 || tag[2] == '-')) return "en";
    return NULL;
}

const char *i18n_duration(struct arena *a, const char *lang, long long s)
{
    const struct i18n_cat *c = i18n_cat(lang);
    const char *key = "time.minutes";
    long long n = (s + 59) / 60;
    if (s >= 2 * 86400 && s % 86400 == 0)
        key = "time.days", n = s / 86400;
    else if (s >= 3600 && s % 3600 == 0)
        key = "time.hours", n = s / 3600;
    /* one: "time.hour" etc. where the catalog has a singular form */
    char one[16];
    snprintf(one, sizeof(one), "%.*s", (int)strlen(key) - 1, key);
    if (n == 1 && i18n_has(c, one)) key = one;
    const char *fmt = i18n_get(c, key), *p = strstr(fmt, "{n}");
    if (!p) return arena_strdup(a, fmt);
    return arena_printf(a, "%.*s%lld%s", (int)(p - fmt), fmt, n, p + 3);
}

const char *i18n_pick(const char *cookie, const char *al, const char *fallback)
{
    if (cookie && (!strcmp(cookie, "en") || !strcmp(cookie, "zh-CN")))
        return !strcmp(cookie, "en") ? "en" : "zh-CN";
    const char *best = NULL;
    double best_q = 0;
    for (const char *p = al; p && *p;) {
        while (*p == ' ' || *p == ',') p++;
        const char *tag = p;
        size_t tn = strcspn(p, ";, ");
        p += tn;
        double q = 1.0;
        while (*p == ' ') p++;
        if (*p == ';') {
            const char *qs = strstr(p, "q=");
            size_t seg = strcspn(p, ",");
            if (qs && (size_t)(qs - p) < seg) q = strtod(qs + 2, NULL);
            p += seg;
        }
        const char *m = lang_match(tag, tn);
        if (m && q > best_q) best = m, best_q = q;
        while (*p && *p != ',') p++;
    }
    if (best) return best;
    return fallback && !strcmp(fallback, "en") ? "en" : "zh-CN";
}
