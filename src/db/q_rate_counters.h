/* q_rate_counters: sliding-window counters (rate_counters.c); one upsert counts 1–3 keys. A row
 * is kept until the end of the window after its own (expires_at = start + 2 × window), so that
 * `expires_at > the new window's start` tells that the row's window is the one just before. A row
 * already in a later window than the event's (a node whose clock is behind) counts the event
 * there instead of moving back. */
#define RC_HEAD                                                                                    \
    "INSERT INTO rate_counters (key, window_start, count, prev_count, expires_at) VALUES"
#define RC_NEWER " WHEN rate_counters.window_start >= excluded.window_start THEN"
#define RC_TAIL                                                                                    \
    " ON CONFLICT (key) DO UPDATE SET"                                                             \
    " count = CASE" RC_NEWER " rate_counters.count + 1 ELSE 1 END,"                                \
    " prev_count = CASE" RC_NEWER " rate_counters.prev_count"                                      \
    " WHEN rate_counters.expires_at > excluded.window_start THEN rate_counters.count ELSE 0 END,"  \
    " expires_at = CASE" RC_NEWER " rate_counters.expires_at ELSE excluded.expires_at END,"        \
    " window_start = CASE" RC_NEWER " rate_counters.window_start ELSE excluded.window_start END"   \
    " RETURNING key, window_start, count, prev_count"
Q(RATE_COUNTERS_HIT1, RC_HEAD " (?, ?, 1, 0, ?)" RC_TAIL, NULL)
Q(RATE_COUNTERS_HIT2, RC_HEAD " (?, ?, 1, 0, ?), (?, ?, 1, 0, ?)" RC_TAIL, NULL)
Q(RATE_COUNTERS_HIT3, RC_HEAD " (?, ?, 1, 0, ?), (?, ?, 1, 0, ?), (?, ?, 1, 0, ?)" RC_TAIL, NULL)
#undef RC_HEAD
#undef RC_NEWER
#undef RC_TAIL
Q(RATE_COUNTERS_GET, "SELECT window_start, count, prev_count FROM rate_counters WHERE key = ?",
  NULL)
Q(RATE_COUNTERS_FORGET, "DELETE FROM rate_counters WHERE key = ?", NULL)
Q(RATE_COUNTERS_SWEEP, "DELETE FROM rate_counters WHERE expires_at <= ?", NULL)
/* one event at most every gap seconds under a key: the row moves to now only when its last event
 * is gap old (one conditional upsert, so one winner among racing nodes) */
Q(RATE_COUNTERS_SPACED,
  "INSERT INTO rate_counters (key, window_start, count, expires_at) VALUES (?, ?, 1, ?)"
  " ON CONFLICT (key) DO UPDATE SET window_start = excluded.window_start,"
  " count = rate_counters.count + 1, expires_at = excluded.expires_at"
  " WHERE rate_counters.window_start <= ? RETURNING window_start",
  NULL)
Q(RATE_COUNTERS_START, "SELECT window_start FROM rate_counters WHERE key = ?", NULL)
