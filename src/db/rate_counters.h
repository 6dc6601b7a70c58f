/* rate_counters: owner of the rate_counters table — one row per key: the start of its current
 * window, the events counted in it, and when the row may go. Counting is one upsert (atomic in
 * both backends), so concurrent requests cannot both slip under a limit. */
#ifndef DAOID_RATE_COUNTERS_H
#define DAOID_RATE_COUNTERS_H

#include "store.h"

#define RATE_COUNTERS_MAX_KEYS 3

/* Counts one event under each of n (1–3) distinct keys, in the window starting at starts[i]
 * (a row of an older window starts over at 1) and kept until ends[i]; counts[i] gets the
 * count of keys[i] now. 0, or -1 (also when a key's row did not come back). */
int rate_counters_hit(struct st_conn *c, int n, const char *const *keys, const int64_t *starts,
                      const int64_t *ends, int64_t *counts);
/* The count of key in the window starting at start (0 when none), or -1. */
int64_t rate_counters_count(struct st_conn *c, const char *key, int64_t start);
/* One event under key at most every gap seconds: records the event at now and gives 1 when the
 * last one was at least gap ago (or there was none), 0 when it is too recent (nothing
 * recorded), -1 on an error. Racing callers: one wins. */
int rate_counters_spaced(struct st_conn *c, const char *key, int64_t now, int64_t gap);
/* The start of key's window (for rate_counters_spaced: its last event); 0 when none, -1. */
int64_t rate_counters_start(struct st_conn *c, const char *key);
/* Forgets key. 0 or -1. */
int rate_counters_forget(struct st_conn *c, const char *key);
/* Janitor: removes rows whose window is over at now; rows or -1. */
int64_t rate_counters_sweep(struct st_conn *c, int64_t now);

#endif
