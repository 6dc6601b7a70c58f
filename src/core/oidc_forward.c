/* oidc_forward: see oidc_forward.h. */
#include "oidc_forward.h"

#include <string.h>
#include <strings.h>

#include "config.h"

/* 1 when the n bytes at name are one of list's items (separated by any of seps) */
static int in_list(const char *list, const char *seps, const char *name, size_t n)
{
    for (const char *p = list ? list : ""; *p;) {
        p += strspn(p, seps);
        size_t w = strcspn(p, seps);
        if (w && w == n && !strncasecmp(p, name, n)) return 1;
        p += w;
    }
    return 0;
}

int oidc_forward_member(const char *group, const char *username)
{
    if (!group || !*group || !username) return 0;
    size_t un = strlen(username);
    if (!strcmp(group, "registry_admins")) return in_list(cfg->registry_admins, ", ", username, un);
    size_t gn = strlen(group);
    for (const char *p = cfg->auth_groups ? cfg->auth_groups : ""; *p;) {
        p += strspn(p, "; ");
        size_t w = strcspn(p, ";");
        const char *eq = memchr(p, '=', w);
        if (eq && (size_t)(eq - p) == gn && !strncmp(p, group, gn)) {
            char members[1024];
            size_t m = w - (size_t)(eq + 1 - p);
            if (m >= sizeof(members)) m = sizeof(members) - 1;
            memcpy(members, eq + 1, m);
            members[m] = 0;
            if (in_list(members, ", ", username, un)) return 1;
        }
        p += w;
    }
    return 0;
}

int oidc_forward_url_ok(const char *url)
{
    if (!url || strlen(url) > 2000) return 0;
    const char *h = !strncmp(url, "https://", 8)  ? url + 8
                    : !strncmp(url, "http://", 7) ? url + 7
                                                  : NULL;
    if (!h) return 0;
    for (const unsigned char *p = (const unsigned char *)url; *p; p++)
        if (*p <= 0x20 || *p == 0x7f || *p == '\\') return 0;
    size_t n = strcspn(h, "/?#");
    if (!n || memchr(h, '@', n)) return 0;
    const char *own = cfg->origin ? strstr(cfg->origin, "://") : NULL;
    if (own && strlen(own + 3) == n && !strncasecmp(own + 3, h, n)) return 1;
    return in_list(cfg->auth_check_hosts, " ,", h, n);
}
