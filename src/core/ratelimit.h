/* ratelimit: fixed-window counters kept in the store (so every node sees the same counts):
 * sign-up, sign-in and resend limits per IP and per account, and the failed-sign-in counts
 * that turn the sign-in captcha on. */
#ifndef DAOID_RATELIMIT_H
#define DAOID_RATELIMIT_H

#include <stdint.h>

struct st_conn;
struct rate;

enum rl_rc { RL_ALLOW, RL_DENY, RL_ERR };

/* Start of the window that contains now. */
int64_t ratelimit_window(int64_t now, int64_t window);
/* Counts one event under key; RL_DENY when this event is beyond rate->count in the window. */
enum rl_rc ratelimit_hit(struct st_conn *c, const char *key, const struct rate *rate, int64_t now);
/* Counts one event under each of n (1–3) distinct keys in one statement; RL_DENY when any of
 * them is beyond its rate. */
enum rl_rc ratelimit_hit_all(struct st_conn *c, int n, const char *const *keys,
                             const struct rate *const *rates, int64_t now);
/* The same, and *over gets bit i set when keys[i] is beyond its rate (0 unless RL_DENY). */
enum rl_rc ratelimit_hit_each(struct st_conn *c, int n, const char *const *keys,
                              const struct rate *const *rates, int64_t now, unsigned *over);
/* Events counted under key in the current window (0 when none), without counting; -1 on error. */
int64_t ratelimit_peek(struct st_conn *c, const char *key, int64_t window, int64_t now);
/* Forgets key (e.g. failed sign-ins after a success). */
void ratelimit_reset(struct st_conn *c, const char *key);

#endif
