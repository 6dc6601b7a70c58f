/* ratelimit: one upsert per event (INSERT … ON CONFLICT DO UPDATE … RETURNING count), atomic in
 * both backends, so concurrent requests cannot both slip under the limit. Expired rows are
 * swept by the janitor. */
#include "ratelimit.h"

#include "config.h"
#include "store.h"

int64_t ratelimit_window(int64_t now, int64_t window)
{
    return window > 0 ? now - now % window : now;
}

enum rl_rc ratelimit_hit(struct st_conn *c, const char *key, const struct rate *rate, int64_t now)
{
    int64_t start = ratelimit_window(now, rate->window), count = 0;
    enum st_rc rc = st_one(
        c, NULL,
        "INSERT INTO rate_counters (key, window_start, count, expires_at) VALUES (?, ?, 1, ?)"
        " ON CONFLICT (key) DO UPDATE SET"
        " count = CASE WHEN rate_counters.window_start = excluded.window_start"
        " THEN rate_counters.count + 1 ELSE 1 END,"
        " window_start = excluded.window_start, expires_at = excluded.expires_at"
        " RETURNING count",
        "sii", "i", key, start, start + rate->window, &count);
    if (rc != ST_OK) return RL_ERR;
    return count > rate->count ? RL_DENY : RL_ALLOW;
}

int64_t ratelimit_peek(struct st_conn *c, const char *key, int64_t window, int64_t now)
{
    int64_t count = 0;
    enum st_rc rc = st_one(c, NULL,
                           "SELECT count FROM rate_counters WHERE key = ? AND window_start = ?",
                           "si", "i", key, ratelimit_window(now, window), &count);
    if (rc == ST_NOTFOUND) return 0;
    return rc == ST_OK ? count : -1;
}

void ratelimit_reset(struct st_conn *c, const char *key)
{
    st_exec(c, "DELETE FROM rate_counters WHERE key = ?", "s", key);
}
