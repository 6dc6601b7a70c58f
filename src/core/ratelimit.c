/* ratelimit: limits over the counters of rate_counters.c — one upsert per event (atomic in both
 * backends), so concurrent requests cannot both slip under the limit; the estimate is computed
 * here from the row the upsert returns. Expired rows are swept by the janitor. */
#include "ratelimit.h"

#include "config.h"
#include "metrics.h"
#include "rate_counters.h"
#include "store.h"

int64_t ratelimit_window(int64_t now, int64_t window)
{
    return window > 0 ? now - now % window : now;
}

int64_t ratelimit_estimate(int64_t count, int64_t prev, int64_t start, int64_t window, int64_t now)
{
    if (window < 1) window = 1;
    /* the part of the previous window still inside the last `window` seconds */
    int64_t left = window - (now - start);
    if (left > window) left = window;
    if (left < 0) left = 0;
    return count + (prev * left + window - 1) / window;
}

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
    if (n < 1 || n > RATE_COUNTERS_MAX_KEYS) return RL_ERR;
    int64_t starts[RATE_COUNTERS_MAX_KEYS], spans[RATE_COUNTERS_MAX_KEYS];
    struct rate_count rows[RATE_COUNTERS_MAX_KEYS];
    for (int i = 0; i < n; i++) {
        spans[i] = rates[i]->window > 0 ? rates[i]->window : 1;
        starts[i] = ratelimit_window(now, spans[i]);
    }
    if (rate_counters_hit(c, n, keys, starts, spans, rows) != 0) return RL_ERR;
    enum rl_rc out = RL_ALLOW;
    for (int i = 0; i < n; i++)
        if (ratelimit_estimate(rows[i].count, rows[i].prev, rows[i].start, spans[i], now) >
            rates[i]->count) {
            out = RL_DENY;
            *over |= 1u << i;
            metrics_inc_key(MET_RATELIMIT, keys[i]);
        }
    return out;
}

enum rl_rc ratelimit_hit(struct st_conn *c, const char *key, const struct rate *rate, int64_t now)
{
    return ratelimit_hit_all(c, 1, &key, &rate, now);
}

int64_t ratelimit_peek(struct st_conn *c, const char *key, int64_t window, int64_t now)
{
    struct rate_count row;
    int found = rate_counters_get(c, key, &row);
    if (found <= 0) return found;
    if (window < 1) window = 1;
    int64_t start = ratelimit_window(now, window);
    if (row.start + window == start) /* the row is of the window before: its count is prev */
        return ratelimit_estimate(0, row.count, start, window, now);
    if (row.start < start) return 0; /* older than that */
    return ratelimit_estimate(row.count, row.prev, row.start, window, now);
}

void ratelimit_reset(struct st_conn *c, const char *key)
{
    rate_counters_forget(c, key);
}
