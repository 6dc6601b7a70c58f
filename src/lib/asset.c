/* asset: lookup by path with binary search over the generated table, and the optional
 * override directory an operator uses for branding (templates_dir). A reload (SIGHUP) publishes
 * a new set of overrides with one atomic store; the sets before stay allocated until
 * asset_free_overrides, so a request still reading one is never left with freed memory. */
#include "asset.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

const struct asset *asset_get(const char *path)
{
    struct ovset *o = atomic_load_explicit(&ov_cur, memory_order_acquire);
    for (size_t i = 0; o && i < o->n; i++)
        if (!strcmp(o->v[i].path, path)) return &o->v[i];
    return bsearch(path, asset_table, asset_count, sizeof(struct asset), cmp_path);
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

int asset_load_overrides(const char *dir)
{
    if (!dir || !*dir) return 0;
    struct ovset *o = calloc(1, sizeof(*o));
    struct asset *overrides = calloc(asset_count, sizeof(*overrides));
    if (!o || !overrides) {
        free(o), free(overrides);
        return -1;
    }
    size_t n_overrides = 0;
    for (size_t i = 0; i < asset_count; i++) {
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
        overrides[n_overrides++] =
            (struct asset){.path = rel, .data = data, .len = len, .etag = strdup(etag)};
        log_info("asset: %s overridden by %s", rel, path);
    }
    o->v = overrides;
    o->n = n_overrides;
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
        }
        free(o->v);
        free(o);
        o = prev;
    }
}
