/* resources: see resources.h. The units come from the config (base_units,
 * wechat_bonus_units); the ledger is db/grants.c. */
#include "resources.h"

#include "config.h"
#include "store.h"

int resources_of(struct st_conn *c, int64_t account_id, struct resources *out)
{
    int64_t bonus = grants_sum(c, account_id);
    if (bonus < 0) return -1;
    resources_from_bonus(bonus, out);
    return 0;
}

void resources_from_bonus(int64_t bonus, struct resources *out)
{
    out->base = cfg->base_units;
    out->bonus = bonus;
    out->total = out->base + bonus;
}

int resources_account(struct arena *a, int64_t account_id, struct resources *res,
                      struct grant **list, int *n)
{
    struct st_conn *c = st_get();
    if (!c || resources_of(c, account_id, res) != 0) return -1;
    return list ? grants_list(c, a, account_id, list, n) : 0;
}

enum grant_rc resources_wechat_bonus(struct st_conn *c, struct arena *a, int64_t account_id,
                                     const char *subject, int64_t now)
{
    if (cfg->wechat_bonus_units <= 0) return GRANT_ALREADY;
    return grants_award(c, account_id, GRANT_WECHAT_BIND, cfg->wechat_bonus_units,
                        grants_source(a, "wechat", subject), now);
}
