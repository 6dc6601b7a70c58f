/* h_build: the Code Build page (/build): the Git platforms, bound or not, with bind buttons,
 * and one bound platform's repositories (?p=NAME picks which; repos.c reads them), or why
 * they cannot be listed right now. Every outcome of the provider is a message on the page. */
#include "arena.h"
#include "config.h"
#include "handlers.h"
#include "http.h"
#include "page.h"
#include "repos.h"
#include "session.h"
#include "tmpl.h"

/* The message of a state that lists nothing (NULL for the others). */
static const char *const state_keys[] = {
    [RS_OFF] = "repos.off", [RS_TIMEOUT] = "repos.timeout", [RS_DOWN] = "repos.down",
    [RS_BAD] = "repos.bad", [RS_STORE] = "repos.store",
};

static void platform_items(struct req *r, struct tmpl_ctx *c, const struct repos_view *v)
{
    for (int i = 0; i < REPOS_PLATFORMS; i++) {
        const struct repos_platform *pl = &v->platforms[i];
        struct tmpl_ctx *it = tmpl_list_add(c, "platforms");
        tmpl_set(it, "id", pl->name);
        tmpl_set(it, "label", pl->label);
        tmpl_set_bool(it, "bound", pl->bound);
        tmpl_set_bool(it, "offered", pl->offered);
        tmpl_set(it, "login", pl->login);
        tmpl_set(it, "bind_href", pl->bind_href);
        tmpl_set(it, "show_href", arena_printf(r->a, "/build?p=%s", pl->name));
        tmpl_set_bool(it, "selected", i == v->selected);
    }
}

static void repo_items(struct req *r, struct tmpl_ctx *c, const struct oauth2_repos *list)
{
    for (int i = 0; i < list->n; i++) {
        const struct oauth2_repo *rp = &list->v[i];
        struct tmpl_ctx *it = tmpl_list_add(c, "repos");
        tmpl_set(it, "name", rp->name);
        tmpl_set(it, "link", rp->link);
        tmpl_set_bool(it, "private", rp->private_ == 1);
        tmpl_set_bool(it, "public", rp->private_ == 0);
        tmpl_set(it, "branch", rp->branch);
        if (rp->updated > 0) {
            tmpl_set(it, "updated", page_date(r, rp->updated, PAGE_DAY));
            tmpl_set(it, "updated_iso", page_date(r, rp->updated, PAGE_ISO));
        }
    }
}

/* The selected platform's part of the page. */
static void repos_part(struct req *r, struct tmpl_ctx *c, const struct repos_view *v)
{
    const struct repos_platform *pl = &v->platforms[v->selected];
    tmpl_set_bool(c, "shown", 1);
    tmpl_set(c, "provider", pl->label);
    tmpl_set(c, "shown_id", pl->name);
    tmpl_set(c, "rebind_href", pl->bind_href);
    tmpl_setf(c, "seconds", "%lld", (long long)(cfg->oauth_timeout > 0 ? cfg->oauth_timeout : 10));
    tmpl_setf(c, "max", "%d", REPOS_MAX);
    const char *key = (unsigned)v->state < sizeof(state_keys) / sizeof(state_keys[0])
                          ? state_keys[v->state]
                          : NULL;
    if (key) tmpl_set(c, "repos_error", page_t(r, c, key));
    tmpl_set_bool(c, "rebind", v->state == RS_REBIND);
    tmpl_set_bool(c, "grant", v->state == RS_GRANT);
    if (v->state != RS_LIST) return;
    tmpl_set_bool(c, "listed", 1);
    tmpl_set_bool(c, "empty", v->repos.n == 0);
    tmpl_set_bool(c, "more", v->repos.more);
    tmpl_set_bool(c, "need_grant", v->need_grant);
    repo_items(r, c, &v->repos);
}

void h_build(struct req *r)
{
    struct repos_view v;
    if (repos_view(r->a, r->sess->account_id, req_arg(r, "p"), &v) != 0) {
        page_error(r, 503, "error.unavailable");
        return;
    }
    struct tmpl_ctx *c = page_ctx(r);
    tmpl_set_bool(c, "nav_build", 1);
    platform_items(r, c, &v);
    if (v.selected >= 0) repos_part(r, c, &v);
    page_render(r, 200, "build", c);
}
