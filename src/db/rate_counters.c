/* rate_counters: see rate_counters.h. */
#include "rate_counters.h"

#include <string.h>

struct hit {
    int n, rows;
    const char *const *keys;
    struct rate_count *out;
};

static int hit_row(struct st_stmt *s, void *arg)
{
    struct hit *h = arg;
    const char *key = st_col_text(s, 0);
    h->rows++;
    for (int i = 0; i < h->n; i++)
        if (key && !strcmp(key, h->keys[i]))
            h->out[i] = (struct rate_count){st_col_int(s, 1), st_col_int(s, 2), st_col_int(s, 3)};
    return 0;
}

int rate_counters_hit(struct st_conn *c, int n, const char *const *keys, const int64_t *starts,
                      const int64_t *spans, struct rate_count *out)
{
    static const enum q_id by_n[] = {Q_RATE_COUNTERS_HIT1, Q_RATE_COUNTERS_HIT2,
                                     Q_RATE_COUNTERS_HIT3};
    if (n < 1 || n > RATE_COUNTERS_MAX_KEYS) return -1;
    struct st_val in[3 * RATE_COUNTERS_MAX_KEYS];
    for (int i = 0; i < n; i++) {
        in[3 * i] = (struct st_val)ST_TEXT(keys[i]);
        in[3 * i + 1] = (struct st_val)ST_INT(starts[i]);
        /* kept through the next window, where its count is the previous window's */
        in[3 * i + 2] = (struct st_val)ST_INT(starts[i] + 2 * (spans[i] > 0 ? spans[i] : 1));
        out[i] = (struct rate_count){0, 0, 0};
    }
    struct hit h = {n, 0, keys, out};
    if (st_each(c, by_n[n - 1], in, 3 * n, hit_row, &h) != ST_OK) return -1;
    return h.rows == n ? 0 : -1;
}

int rate_counters_get(struct st_conn *c, const char *key, struct rate_count *out)
{
    *out = (struct rate_count){0, 0, 0};
    enum st_rc rc =
        st_row(c, NULL, Q_RATE_COUNTERS_GET, ST_IN(ST_TEXT(key)),
               ST_OUT(ST_OUT_INT(&out->start), ST_OUT_INT(&out->count), ST_OUT_INT(&out->prev)));
    if (rc == ST_OK) return 1;
    *out = (struct rate_count){0, 0, 0};
    return rc == ST_NOTFOUND ? 0 : -1;
}

int rate_counters_spaced(struct st_conn *c, const char *key, int64_t now, int64_t gap)
{
    int64_t last = 0;
    enum st_rc rc = st_row(c, NULL, Q_RATE_COUNTERS_SPACED,
                           ST_IN(ST_TEXT(key), ST_INT(now), ST_INT(now + gap), ST_INT(now - gap)),
                           ST_OUT(ST_OUT_INT(&last)));
    return rc == ST_OK ? 1 : rc == ST_NOTFOUND ? 0 : -1;
}

int64_t rate_counters_start(struct st_conn *c, const char *key)
{
    int64_t start = 0;
    enum st_rc rc =
        st_row(c, NULL, Q_RATE_COUNTERS_START, ST_IN(ST_TEXT(key)), ST_OUT(ST_OUT_INT(&start)));
    return rc == ST_OK ? start : rc == ST_NOTFOUND ? 0 : -1;
}

int rate_counters_forget(struct st_conn *c, const char *key)
{
    return st_run(c, Q_RATE_COUNTERS_FORGET, ST_IN(ST_TEXT(key))) == ST_OK ? 0 : -1;
}

int64_t rate_counters_sweep(struct st_conn *c, int64_t now)
{
    return st_change(c, Q_RATE_COUNTERS_SWEEP, ST_IN(ST_INT(now)));
}
