/* router: linear matching over a table of a few dozen routes (measured cheaper than the
 * request's session lookup by orders of magnitude); exact beats prefix, longest prefix wins. */
#include "router.h"

#include <string.h>

static int method_ok(const char *route_m, const char *m)
{
    return !strcmp(route_m, m) || (!strcmp(route_m, "GET") && !strcmp(m, "HEAD"));
}

const struct route *router_match(const struct route *t, size_t n, const char *method,
                                 const char *path, int *wrong_method)
{
    const struct route *best = NULL;
    size_t best_len = 0;
    *wrong_method = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(t[i].path);
        int hit =
            (t[i].flags & R_PREFIX) ? !strncmp(path, t[i].path, len) : !strcmp(path, t[i].path);
        if (!hit) continue;
        if (!method_ok(t[i].method, method)) {
            *wrong_method = 1;
            continue;
        }
        if (!(t[i].flags & R_PREFIX)) {
            *wrong_method = 0;
            return &t[i];
        }
        if (len > best_len) best = &t[i], best_len = len;
    }
    if (best) *wrong_method = 0;
    return best;
}
