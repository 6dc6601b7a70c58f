/* ratelimit: sliding-window limits over counters kept in the store (so every node sees the same
 * counts): sign-up, sign-in and resend limits per IP and per account, and the failed-sign-in
 * counts that turn the sign-in captcha on.
 *
 * The count over the last `window` seconds is estimated from two fixed windows: the events of
 * the current window plus those of the previous one weighted by the part of it that the last
 * `window` seconds still cover (as Cloudflare's and nginx-style limiters do), rounded up. So
 * a burst that straddles a window edge is counted whole (a fixed window would split it, and let
 * twice the limit through around the edge), and a limit frees up gradually, not at an edge. */
#ifndef DAOID_RATELIMIT_H
#define DAOID_RATELIMIT_H

#include <stdint.h>

struct st_conn;
struct rate;

enum rl_rc { RL_ALLOW, RL_DENY, RL_ERR };

/* Start of the fixed window that contains now. */
int64_t ratelimit_window(int64_t now, int64_t window);
/* The estimate at now of the events in the last window seconds, given the fixed window that
 * starts at start holding count events and the one before it prev (rounded up; a start later
 * than now counts the previous window whole). */
int64_t ratelimit_estimate(int64_t count, int64_t prev, int64_t start, int64_t window, int64_t now);
/* Counts one event under key; RL_DENY when the estimate with this event is beyond rate->count. */
enum rl_rc ratelimit_hit(struct st_conn *c, const char *key, const struct rate *rate, int64_t now);
/* Counts one event under each of n (1–3) distinct keys in one statement; RL_DENY when any of
 * them is beyond its rate. */
enum rl_rc ratelimit_hit_all(struct st_conn *c, int n, const char *const *keys,
                             const struct rate *const *rates, int64_t now);
/* The same, and *over gets bit i set when keys[i] is beyond its rate (0 unless RL_DENY). */
enum rl_rc ratelimit_hit_each(struct st_conn *c, int n, const char *const *keys,
                              const struct rate *const *rates, int64_t now, unsigned *over);
/* The estimate of the events under key in the last window seconds (0 when none), without
 * counting; -1 on error. */
int64_t ratelimit_peek(struct st_conn *c, const char *key, int64_t window, int64_t now);
/* Forgets key (e.g. failed sign-ins after a success). */
void ratelimit_reset(struct st_conn *c, const char *key);

#endif
