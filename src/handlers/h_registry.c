/* h_registry: the console's Image Registry page — the registry's address, the account's
 * namespace, the commands to log in, tag and push, and the account's repositories (tags, size,
 * build time; the last push as the newest build) read from the registry (registry_repos.h);
 * a registry that does not answer is a message on the page, never an error page. Without a
 * configured registry the page says that pushing is not available. */
#include "arena.h"
#include "config.h"
#include "handlers.h"
#include "http.h"
#include "page.h"
#include "registry_repos.h"
#include "session.h"
#include "tmpl.h"

/* "12.3 MB" (decimal units, as docker prints them). */
static const char *size_text(struct req *r, int64_t b)
{
    if (b < 1000) return arena_printf(r->a, "%lld B", (long long)b);
    if (b < 1000000) return arena_printf(r->a, "%.1f kB", (double)b / 1e3);
    if (b < 1000000000) return arena_printf(r->a, "%.1f MB", (double)b / 1e6);
    return arena_printf(r->a, "%.2f GB", (double)b / 1e9);
}

static void add_repos(struct req *r, struct tmpl_ctx *c, const struct reg_list *l)
{
    for (int i = 0; i < l->n; i++) {
        const struct reg_repo *rp = &l->repos[i];
        struct tmpl_ctx *it = tmpl_list_add(c, "repos");
        tmpl_set(it, "name", rp->name);
        tmpl_setf(it, "n", "%d", i + 1);
        tmpl_set_bool(it, "more_tags", rp->more_tags);
        tmpl_set_bool(it, "has_latest", rp->latest != 0);
        if (rp->latest) {
            tmpl_set(it, "latest", page_date(r, rp->latest, PAGE_MINUTE));
            tmpl_set(it, "latest_iso", page_date(r, rp->latest, PAGE_ISO_MINUTE));
        }
        for (int j = 0; j < rp->ntags; j++) {
            struct tmpl_ctx *t = tmpl_list_add(it, "tags");
            tmpl_set(t, "tag", rp->tags[j].name);
            tmpl_set(t, "size", size_text(r, rp->tags[j].size));
            tmpl_set(t, "created",
                     rp->tags[j].created ? page_date(r, rp->tags[j].created, PAGE_MINUTE) : "—");
            tmpl_set(t, "created_iso",
                     rp->tags[j].created ? page_date(r, rp->tags[j].created, PAGE_ISO_MINUTE) : "");
        }
    }
    tmpl_set_bool(c, "more_repos", l->more);
}

void h_registry(struct req *r)
{
    struct tmpl_ctx *c = page_ctx(r);
    tmpl_set_bool(c, "nav_registry", 1);
    const char *ns = r->sess->username;
    tmpl_set(c, "namespace", ns);
    tmpl_set(c, "official", cfg->registry_official_namespace);
    struct reg_list l;
    registry_repos_list(r->a, ns, &l);
    if (l.state == RL_OFF) {
        tmpl_set_bool(c, "off", 1);
    } else {
        tmpl_set(c, "address", cfg->registry_address);
        tmpl_set_bool(c, "down", l.state == RL_DOWN);
        tmpl_set_bool(c, "listed", l.state == RL_LIST && l.n > 0);
        tmpl_set_bool(c, "empty", l.state == RL_LIST && l.n == 0);
        add_repos(r, c, &l);
    }
    page_render(r, 200, "registry", c);
}
