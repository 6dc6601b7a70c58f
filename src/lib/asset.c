/* asset: lookup by path with binary search over the generated table, and the optional
 * override directory an operator uses for branding (templates_dir). A load publishes a new set
 * (the overrides, and every template whose static URLs were rewritten to fingerprinted ones)
 * with one atomic store; the sets before stay allocated until asset_free_overrides, so a
 * request still reading one is never left with freed memory. */
#include "asset.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gz.h"
#include "log.h"

extern const struct asset asset_table[];
extern const unsigned long asset_count;

struct ovset {
    struct asset *v;
    size_t n;
    struct ovset *prev;
};
static _Atomic(struct ovset *) ov_cur;

static int cmp_path(const void *key, const void *elem)
{
    return strcmp(key, ((const struct asset *)elem)->path);
}

const struct asset *asset_all(size_t *n)
{
    *n = asset_count;
    return asset_table;
}

/* path in the set o (may be NULL), else built in */
static const struct asset *asset_in(const struct ovset *o, const char *path)
{
    for (size_t i = 0; o && i < o->n; i++)
        if (!strcmp(o->v[i].path, path)) return &o->v[i];
    return bsearch(path, asset_table, asset_count, sizeof(struct asset), cmp_path);
}

const struct asset *asset_get(const char *path)
{
    return asset_in(atomic_load_explicit(&ov_cur, memory_order_acquire), path);
}

void asset_fingerprint(const struct asset *a, char out[ASSET_FP_LEN + 1])
{
    const char *e = a->etag + (a->etag[0] == '"');
    size_t i = 0;
    for (; i < ASSET_FP_LEN && e[i] && e[i] != '"'; i++) out[i] = e[i];
    out[i] = 0;
}

static int is_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return 0;
    return 1;
}

const struct asset *asset_static(const char *name, int *fresh)
{
    char path[256];
    *fresh = 0;
    if (strlen(name) > 200) return NULL;
    snprintf(path, sizeof(path), "web/static/%s", name);
    const struct asset *a = asset_get(path);
    if (a) return a;
    /* NAME.<fp>.EXT → NAME.EXT */
    const char *ext = strrchr(name, '.');
    if (!ext || ext - name < ASSET_FP_LEN + 2) return NULL;
    const char *fp = ext - ASSET_FP_LEN;
    if (fp[-1] != '.' || !is_hex(fp, ASSET_FP_LEN)) return NULL;
    snprintf(path, sizeof(path), "web/static/%.*s%s", (int)(fp - 1 - name), name, ext);
    if (!(a = asset_get(path))) return NULL;
    char cur[ASSET_FP_LEN + 1];
    asset_fingerprint(a, cur);
    *fresh = memcmp(cur, fp, ASSET_FP_LEN) ? -1 : 1;
    return a;
}

static int read_file(const char *path, unsigned char **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    size_t cap = 4096, n = 0;
    unsigned char *buf = malloc(cap);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (cap - n - 1 == 0) {
            unsigned char *nb = realloc(buf, cap *= 2);
            if (!nb) free(buf);
            buf = nb;
        }
    }
    fclose(f);
    if (!buf) return -1;
    buf[n] = 0;
    *data = buf;
    *len = n;
    return 0;
}

/* A static text file read from the override directory is gzipped once, as embed does. */
static void asset_gzip(struct asset *a)
{
    if (strncmp(a->path, "web/static/", 11) || !gz_text_name(a->path)) return;
    unsigned char *z = malloc(gz_bound(a->len));
    size_t n = z ? gz_deflate(a->data, a->len, z, gz_bound(a->len), 9) : 0;
    if (n && n < a->len) {
        a->gz = z;
        a->gz_len = n;
    } else {
        free(z);
    }
}

static size_t asset_load_dir(const char *dir, struct asset *overrides)
{
    size_t n_overrides = 0;
    for (size_t i = 0; dir && *dir && i < asset_count; i++) {
        const char *rel = asset_table[i].path;
        if (strncmp(rel, "web/", 4) && strncmp(rel, "locale/", 7)) continue;
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", dir, rel + (rel[0] == 'w' ? 4 : 0));
        unsigned char *data;
        size_t len;
        if (read_file(path, &data, &len) != 0) continue;
        uint64_t h = 1469598103934665603ULL;
        for (size_t k = 0; k < len; k++) h = (h ^ data[k]) * 1099511628211ULL;
        char etag[24];
        snprintf(etag, sizeof(etag), "\"%016llx\"", (unsigned long long)(h ^ 0x6f76));
        overrides[n_overrides] =
            (struct asset){.path = rel, .data = data, .len = len, .etag = strdup(etag)};
        asset_gzip(&overrides[n_overrides++]);
        log_info("asset: %s overridden by %s", rel, path);
    }
    return n_overrides;
}

struct abuf_raw {
    unsigned char *p;
    size_t n, cap;
};

static void raw_put(struct abuf_raw *b, const void *s, size_t n)
{
    if (b->p && b->n + n + 1 > b->cap) {
        unsigned char *nb = realloc(b->p, b->cap = (b->n + n + 1) * 2);
        if (!nb) free(b->p);
        b->p = nb;
    }
    if (b->p) memcpy(b->p + b->n, s, n), b->n += n;
}

/* src with every "/static/NAME.EXT" of an existing static file (as o sees it) turned into
 * "/static/NAME.<fingerprint>.EXT", in malloc'd memory; NULL when nothing changed (or out of
 * memory). */
static unsigned char *asset_rewrite(const struct ovset *o, const struct asset *src, size_t *len)
{
    static const char pfx[] = "/static/";
    const char *s = (const char *)src->data, *end = s + src->len;
    struct abuf_raw b = {.p = malloc(src->len + 512), .cap = src->len + 512};
    int changed = 0;
    const char *hit;
    while (b.p && (hit = memmem(s, (size_t)(end - s), pfx, sizeof(pfx) - 1))) {
        const char *name = hit + sizeof(pfx) - 1;
        size_t nl =
            strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.");
        char path[256], fp[ASSET_FP_LEN + 1];
        snprintf(path, sizeof(path), "web/static/%.*s", (int)(nl < 200 ? nl : 0), name);
        const struct asset *a = nl && nl < 200 ? asset_in(o, path) : NULL;
        const char *dot = a ? memrchr(name, '.', nl) : NULL;
        if (!dot) {
            raw_put(&b, s, (size_t)(name - s));
            s = name;
            continue;
        }
        asset_fingerprint(a, fp);
        raw_put(&b, s, (size_t)(dot - s));
        raw_put(&b, ".", 1);
        raw_put(&b, fp, strlen(fp));
        raw_put(&b, dot, (size_t)(name + nl - dot));
        s = name + nl;
        changed = 1;
    }
    raw_put(&b, s, (size_t)(end - s));
    if (!b.p || !changed) {
        free(b.p);
        return NULL;
    }
    b.p[b.n] = 0;
    *len = b.n;
    return b.p;
}

/* Rewrites the static URLs of every template (overridden or built in) into o->v, which has room
 * for one entry per asset. */
static void asset_rewrite_all(struct ovset *o)
{
    for (size_t i = 0; i < asset_count; i++) {
        if (strncmp(asset_table[i].path, "web/templates/", 14)) continue;
        struct asset *t = (struct asset *)asset_in(o, asset_table[i].path);
        size_t len = 0;
        unsigned char *data = asset_rewrite(o, t, &len);
        if (!data) continue;
        if (t >= o->v && t < o->v + o->n) { /* an override: replace its text */
            free((void *)t->data);
            t->data = data;
            t->len = len;
        } else {
            o->v[o->n++] =
                (struct asset){.path = t->path, .data = data, .len = len, .etag = strdup(t->etag)};
        }
    }
}

int asset_load_overrides(const char *dir)
{
    struct ovset *o = calloc(1, sizeof(*o));
    struct asset *v = calloc(asset_count + 1, sizeof(*v));
    if (!o || !v) {
        free(o), free(v);
        return -1;
    }
    o->v = v;
    o->n = asset_load_dir(dir, v);
    asset_rewrite_all(o);
    o->prev = atomic_load(&ov_cur);
    atomic_store_explicit(&ov_cur, o, memory_order_release);
    return 0;
}

void asset_free_overrides(void)
{
    struct ovset *o = atomic_exchange(&ov_cur, NULL);
    while (o) {
        struct ovset *prev = o->prev;
        for (size_t i = 0; i < o->n; i++) {
            free((void *)o->v[i].data);
            free((void *)o->v[i].etag);
            free((void *)o->v[i].gz);
        }
        free(o->v);
        free(o);
        o = prev;
    }
}
