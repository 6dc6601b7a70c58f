/* h_oidc_apps: /settings/apps, the apps that may read the account (OpenID Connect clients the
 * person allowed): name, what they read, last used, and revoking one (oidc_apps.h). */
#include <time.h>

#include "arena.h"
#include "handlers.h"
#include "http.h"
#include "oidc_apps.h"
#include "page.h"
#include "session.h"
#include "tmpl.h"

static void render(struct req *r, const char *notice_key)
{
    struct oidc_consent_row *v = NULL;
    int n = oidc_apps_list(r->a, r->sess->account_id, &v);
    if (n < 0) return page_error(r, 503, "error.unavailable");
    struct tmpl_ctx *c = page_ctx(r);
    tmpl_set_bool(c, "nav_settings", 1);
    tmpl_set_bool(c, "snav_apps", 1);
    if (notice_key) tmpl_set(c, "notice", page_t(r, c, notice_key));
    for (int i = 0; i < n; i++) {
        struct tmpl_ctx *it = tmpl_list_add(c, "apps");
        tmpl_set(it, "client_id", v[i].client_id);
        tmpl_set(it, "name", v[i].name);
        tmpl_set(it, "scope", v[i].scope);
        tmpl_set(it, "since", page_date(r, v[i].created_at, PAGE_DAY));
        tmpl_set(it, "last_used", page_date(r, v[i].last_used_at, PAGE_MINUTE));
        tmpl_set(it, "last_used_iso", page_date(r, v[i].last_used_at, PAGE_ISO_MINUTE));
    }
    page_render(r, 200, "settings_apps", c);
}

void h_oidc_apps(struct req *r)
{
    render(r, NULL);
}

void h_oidc_apps_revoke(struct req *r)
{
    int n =
        oidc_apps_revoke(r->a, r->sess->account_id, req_form(r, "client_id"), (int64_t)time(NULL));
    if (n < 0) return page_error(r, 503, "error.unavailable");
    render(r, n ? "apps.revoked" : "apps.none_such");
}
