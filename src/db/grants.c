/* grants: see grants.h for the invariants. Awarding is one INSERT … ON CONFLICT DO NOTHING
 * against both unique indexes, so racing binds grant once, on either backend. Every
 * statement on the grants table is here. */
#include "grants.h"

#include <sodium.h>
#include <string.h>

#include "arena.h"
#include "config.h"
#include "store.h"

char *grants_source(struct arena *a, const char *provider, const char *subject)
{
    /* the hash token_hash() gives (BLAKE2b-256, hex), so the sources of earlier grants match */
    unsigned char h[32];
    char hex[2 * sizeof(h) + 1];
    crypto_generichash(h, sizeof(h), (const unsigned char *)subject, strlen(subject), NULL, 0);
    sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
    return arena_printf(a, "%s:%s", provider, hex);
}

enum grant_rc grants_award(struct st_conn *c, int64_t account_id, const char *reason, int64_t units,
                           const char *source, int64_t now)
{
    enum st_rc rc = st_exec(c,
                            "INSERT INTO grants (account_id, reason, units, source, created_at)"
                            " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                            "isisi", account_id, reason, units, source, now);
    if (rc != ST_OK) return GRANT_ERR;
    return st_changes(c) == 1 ? GRANT_OK : GRANT_ALREADY;
}

int grants_given(struct st_conn *c, const char *reason, const char *source1, const char *source2)
{
    int64_t n = 0;
    if (st_one(c, NULL, "SELECT COUNT(*) FROM grants WHERE reason = ? AND source IN (?, ?)", "sss",
               "i", reason, source1, source2, &n) != ST_OK)
        return -1;
    return n > 0;
}

enum grant_rc grants_wechat_bonus(struct st_conn *c, struct arena *a, int64_t account_id,
                                  const char *subject, int64_t now)
{
    if (cfg->wechat_bonus_units <= 0) return GRANT_ALREADY;
    return grants_award(c, account_id, GRANT_WECHAT_BIND, cfg->wechat_bonus_units,
                        grants_source(a, "wechat", subject), now);
}

int grants_resources(struct st_conn *c, int64_t account_id, struct resources *out)
{
    int64_t bonus = 0;
    if (st_one(c, NULL, "SELECT COALESCE(SUM(units), 0) FROM grants WHERE account_id = ?", "i", "i",
               account_id, &bonus) != ST_OK)
        return -1;
    grants_from_bonus(bonus, out);
    return 0;
}

void grants_from_bonus(int64_t bonus, struct resources *out)
{
    out->base = cfg->base_units;
    out->bonus = bonus;
    out->total = out->base + bonus;
}

int grants_list(struct st_conn *c, struct arena *a, int64_t account_id, struct grant **out, int *n)
{
    struct st_stmt *s = st_prepare(c, "SELECT reason, units, created_at FROM grants"
                                      " WHERE account_id = ? ORDER BY created_at, id");
    if (!s) return -1;
    st_bind_int(s, 1, account_id);
    int cap = 4, k = 0;
    struct grant *v = arena_alloc(a, sizeof(*v) * (size_t)cap);
    enum st_rc rc;
    while ((rc = st_step(s)) == ST_ROW) {
        if (k == cap) {
            struct grant *nv = arena_alloc(a, sizeof(*nv) * (size_t)(cap *= 2));
            memcpy(nv, v, sizeof(*v) * (size_t)k);
            v = nv;
        }
        v[k].reason = arena_strdup(a, st_col_text(s, 0));
        v[k].units = st_col_int(s, 1);
        v[k].created_at = st_col_int(s, 2);
        k++;
    }
    st_done(s);
    if (rc != ST_DONE) return -1;
    *out = v;
    *n = k;
    return 0;
}

int grants_account(struct arena *a, int64_t account_id, struct resources *res, struct grant **list,
                   int *n)
{
    struct st_conn *c = st_get();
    if (!c || grants_resources(c, account_id, res) != 0) return -1;
    return list ? grants_list(c, a, account_id, list, n) : 0;
}
