/* rate_counters: owner of the rate_counters table — one row per key: the start of its current
 * window, the events counted in it and in the window just before (for a sliding-window
 * estimate), and when the row may go. Counting is one upsert (atomic in both backends), so
 * concurrent requests cannot both slip under a limit. */
#ifndef DAOID_RATE_COUNTERS_H
#define DAOID_RATE_COUNTERS_H

#include "store.h"

#define RATE_COUNTERS_MAX_KEYS 3

/* A key's row: the start of its window, the events in that window and in the one before it. */
struct rate_count {
    int64_t start, count, prev;
};

/* Counts one event under each of n (1–3) distinct keys, in the window of spans[i] seconds
 * starting at starts[i]. A row of the window just before moves on (its count becomes prev), a
 * row of an older window starts over, a row of a later window (another node's clock is ahead)
 * counts the event there. out[i] gets the row of keys[i] after the event. 0, or -1 (also when
 * a key's row did not come back). */
int rate_counters_hit(struct st_conn *c, int n, const char *const *keys, const int64_t *starts,
                      const int64_t *spans, struct rate_count *out);
/* The row of key as stored (the caller decides which window it belongs to): 1, 0 when none
 * (*out zeroed), or -1. */
int rate_counters_get(struct st_conn *c, const char *key, struct rate_count *out);
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
