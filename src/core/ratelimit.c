/* ratelimit: one upsert per event (INSERT … ON CONFLICT DO UPDATE … RETURNING count), atomic in
 * both backends, so concurrent requests cannot both slip under the limit. Expired rows are
 * swept by the janitor. */
#include "ratelimit.h"

#include <string.h>

#include "config.h"
#include "store.h"

int64_t ratelimit_window(int64_t now, int64_t window)
{
    return window > 0 ? now - now % window : now;
}

#define RL_UPSERT_TAIL                                                                             \
    " ON CONFLICT (key) DO UPDATE SET"                                                             \
    " count = CASE WHEN rate_counters.window_start = excluded.window_start"                        \
    " THEN rate_counters.count + 1 ELSE 1 END,"                                                    \
    " window_start = excluded.window_start, expires_at = excluded.expires_at"                      \
    " RETURNING key, count"
#define RL_UPSERT_HEAD "INSERT INTO rate_counters (key, window_start, count, expires_at) VALUES"

static const char *const upsert_sql[4] = {
    NULL,
    RL_UPSERT_HEAD " (?, ?, 1, ?)" RL_UPSERT_TAIL,
    RL_UPSERT_HEAD " (?, ?, 1, ?), (?, ?, 1, ?)" RL_UPSERT_TAIL,
    RL_UPSERT_HEAD " (?, ?, 1, ?), (?, ?, 1, ?), (?, ?, 1, ?)" RL_UPSERT_TAIL,
};

enum rl_rc ratelimit_hit_all(struct st_conn *c, int n, const char *const *keys,
                             const struct rate *const *rates, int64_t now)
{
    unsigned over;
    return ratelimit_hit_each(c, n, keys, rates, now, &over);
}

enum rl_rc ratelimit_hit_each(struct st_conn *c, int n, const char *const *keys,
                              const struct rate *const *rates, int64_t now, unsigned *over)
{
    *over = 0;
    if (n < 1 || n > 3) return RL_ERR;
    struct st_stmt *s = st_prepare(c, upsert_sql[n]);
    if (!s) return RL_ERR;
    for (int i = 0; i < n; i++) {
        int64_t start = ratelimit_window(now, rates[i]->window);
        st_bind_text(s, 3 * i + 1, keys[i]);
        st_bind_int(s, 3 * i + 2, start);
        st_bind_int(s, 3 * i + 3, start + rates[i]->window);
    }
    enum rl_rc out = RL_ALLOW;
    enum st_rc rc;
    int rows = 0;
    while ((rc = st_step(s)) == ST_ROW) {
        const char *key = st_col_text(s, 0);
        int64_t count = st_col_int(s, 1);
        rows++;
        for (int i = 0; i < n; i++)
            if (key && !strcmp(key, keys[i]) && count > rates[i]->count) {
                out = RL_DENY;
                *over |= 1u << i;
            }
    }
    st_done(s);
    if (rc != ST_DONE || rows != n) {
        *over = 0;
        return RL_ERR;
    }
    return out;
}

enum rl_rc ratelimit_hit(struct st_conn *c, const char *key, const struct rate *rate, int64_t now)
{
    return ratelimit_hit_all(c, 1, &key, &rate, now);
}

int64_t ratelimit_peek(struct st_conn *c, const char *key, int64_t window, int64_t now)
{
    int64_t count = 0;
    enum st_rc rc =
        st_one(c, NULL, "SELECT count FROM rate_counters WHERE key = ? AND window_start = ?", "si",
               "i", key, ratelimit_window(now, window), &count);
    if (rc == ST_NOTFOUND) return 0;
    return rc == ST_OK ? count : -1;
}

void ratelimit_reset(struct st_conn *c, const char *key)
{
    st_exec(c, "DELETE FROM rate_counters WHERE key = ?", "s", key);
}
