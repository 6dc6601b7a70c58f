/* q_rate_counters: fixed-window counters (rate_counters.c); one upsert counts 1–3 keys. */
#define RC_HEAD "INSERT INTO rate_counters (key, window_start, count, expires_at) VALUES"
#define RC_TAIL                                                                                    \
    " ON CONFLICT (key) DO UPDATE SET"                                                             \
    " count = CASE WHEN rate_counters.window_start = excluded.window_start"                        \
    " THEN rate_counters.count + 1 ELSE 1 END,"                                                    \
    " window_start = excluded.window_start, expires_at = excluded.expires_at"                      \
    " RETURNING key, count"
Q(RATE_COUNTERS_HIT1, RC_HEAD " (?, ?, 1, ?)" RC_TAIL, NULL)
Q(RATE_COUNTERS_HIT2, RC_HEAD " (?, ?, 1, ?), (?, ?, 1, ?)" RC_TAIL, NULL)
Q(RATE_COUNTERS_HIT3, RC_HEAD " (?, ?, 1, ?), (?, ?, 1, ?), (?, ?, 1, ?)" RC_TAIL, NULL)
#undef RC_HEAD
#undef RC_TAIL
Q(RATE_COUNTERS_COUNT, "SELECT count FROM rate_counters WHERE key = ? AND window_start = ?", NULL)
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
