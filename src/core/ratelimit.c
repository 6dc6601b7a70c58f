/* ratelimit: limits over the counters of rate_counters.c — one upsert per event (atomic in both
 * backends), so concurrent requests cannot both slip under the limit. Expired rows are swept
 * by the janitor. */
#include "ratelimit.h"

#include "config.h"
#include "rate_counters.h"
#include "store.h"

int64_t ratelimit_window(int64_t now, int64_t window)
{
    return window > 0 ? now - now % window : now;
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
    int64_t starts[RATE_COUNTERS_MAX_KEYS], ends[RATE_COUNTERS_MAX_KEYS],
        counts[RATE_COUNTERS_MAX_KEYS];
    for (int i = 0; i < n; i++) {
        starts[i] = ratelimit_window(now, rates[i]->window);
        ends[i] = starts[i] + rates[i]->window;
    }
    if (rate_counters_hit(c, n, keys, starts, ends, counts) != 0) return RL_ERR;
    enum rl_rc out = RL_ALLOW;
    for (int i = 0; i < n; i++)
        if (counts[i] > rates[i]->count) {
            out = RL_DENY;
            *over |= 1u << i;
        }
    return out;
}

enum rl_rc ratelimit_hit(struct st_conn *c, const char *key, const struct rate *rate, int64_t now)
{
    return ratelimit_hit_all(c, 1, &key, &rate, now);
}

int64_t ratelimit_peek(struct st_conn *c, const char *key, int64_t window, int64_t now)
{
    return rate_counters_count(c, key, ratelimit_window(now, window));
}

void ratelimit_reset(struct st_conn *c, const char *key)
{
    rate_counters_forget(c, key);
}
