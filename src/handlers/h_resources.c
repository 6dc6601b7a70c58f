/* h_resources: the resources page (/resources): the base plan's units, each grant (the
 * WeChat bonus, with its date) and the total, and the offer to bind WeChat for the bonus. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "config.h"
#include "handlers.h"
#include "http.h"
#include "i18n.h"
#include "page.h"
#include "resources.h"
#include "session.h"
#include "tmpl.h"
#include "wechat_api.h"

void h_resources(struct req *r)
{
    struct resources res;
    struct grant *list = NULL;
    int n = 0;
    if (resources_account(r->a, r->sess->account_id, &res, &list, &n) != 0)
        return page_error(r, 503, "error.unavailable");
    struct tmpl_ctx *c = page_ctx(r);
    const struct i18n_cat *cat = i18n_cat(r->lang);
    tmpl_set_bool(c, "nav_resources", 1); /* the console's navigation */
    tmpl_setf(c, "base", "%lld", (long long)res.base);
    tmpl_setf(c, "bonus", "%lld", (long long)res.bonus);
    tmpl_setf(c, "total", "%lld", (long long)res.total);
    tmpl_setf(c, "units", "%lld", (long long)cfg->wechat_bonus_units);
    tmpl_set_bool(c, "has_grants", n > 0);
    int wechat = 0;
    for (int i = 0; i < n; i++) {
        struct tmpl_ctx *g = tmpl_list_add(c, "grants");
        char key[96];
        snprintf(key, sizeof(key), "resources.reason.%s", list[i].reason);
        tmpl_set(g, "reason", list[i].reason);
        tmpl_setf(g, "units", "%lld", (long long)list[i].units);
        tmpl_set(g, "label", i18n_has(cat, key) ? i18n_get(cat, key) : list[i].reason);
        tmpl_set(g, "date", page_date(r, list[i].created_at, PAGE_DAY));
        tmpl_set(g, "date_iso", page_date(r, list[i].created_at, PAGE_ISO));
        wechat |= !strcmp(list[i].reason, GRANT_WECHAT_BIND);
    }
    tmpl_set_bool(c, "wechat_offer",
                  wechat_api_enabled() && !wechat && cfg->wechat_bonus_units > 0);
    page_render(r, 200, "resources", c);
}
