/* outbox: see outbox.h. */
#include "outbox.h"

int outbox_insert(struct st_conn *c, int64_t account, const char *kind, const char *rcpt,
                  const char *message, int64_t now)
{
    return st_run(c, Q_OUTBOX_INSERT,
                  ST_IN(ST_INT(account), ST_TEXT(kind), ST_TEXT(rcpt), ST_TEXT(message),
                        ST_INT(now), ST_INT(now))) == ST_OK
               ? 0
               : -1;
}

enum st_rc outbox_claim(struct st_conn *c, struct arena *a, int64_t now, int64_t lease_until,
                        struct outbox_claimed *o)
{
    return st_row(c, a, Q_OUTBOX_CLAIM,
                  ST_IN(ST_INT(lease_until), ST_INT(now), ST_INT(now), ST_INT(now)),
                  ST_OUT(ST_OUT_INT(&o->id), ST_OUT_INT(&o->attempts), ST_OUT_TEXT(&o->rcpt),
                         ST_OUT_TEXT(&o->message)));
}

int outbox_sent(struct st_conn *c, int64_t id, int64_t now)
{
    return st_run(c, Q_OUTBOX_SENT, ST_IN(ST_INT(now), ST_INT(id))) == ST_OK ? 0 : -1;
}

int outbox_dead(struct st_conn *c, int64_t id, int64_t lease_until, const char *error)
{
    return st_run(c, Q_OUTBOX_DEAD, ST_IN(ST_TEXT(error), ST_INT(id), ST_INT(lease_until))) == ST_OK
               ? 0
               : -1;
}

int outbox_retry_later(struct st_conn *c, int64_t id, int64_t lease_until, int64_t next,
                       const char *error)
{
    return st_run(c, Q_OUTBOX_RETRY_LATER,
                  ST_IN(ST_INT(next), ST_TEXT(error), ST_INT(id), ST_INT(lease_until))) == ST_OK
               ? 0
               : -1;
}

int outbox_hand_back(struct st_conn *c, int64_t id, int64_t lease_until)
{
    return st_run(c, Q_OUTBOX_HAND_BACK, ST_IN(ST_INT(id), ST_INT(lease_until))) == ST_OK ? 0 : -1;
}

int outbox_extend(struct st_conn *c, int64_t id, int64_t lease_until, int64_t new_until)
{
    int64_t n =
        st_change(c, Q_OUTBOX_EXTEND, ST_IN(ST_INT(new_until), ST_INT(id), ST_INT(lease_until)));
    return n < 0 ? -1 : n > 0;
}

int outbox_detach(struct st_conn *c, int64_t account)
{
    return st_run(c, Q_OUTBOX_DETACH, ST_IN(ST_INT(account))) == ST_OK ? 0 : -1;
}

int outbox_dead_list(struct st_conn *c, struct arena *a, struct outbox_dead_row *out, int max)
{
    static const struct st_col cols[] = {ST_COL_INT(struct outbox_dead_row, id),
                                         ST_COL_TEXT(struct outbox_dead_row, kind),
                                         ST_COL_TEXT(struct outbox_dead_row, rcpt),
                                         ST_COL_INT(struct outbox_dead_row, attempts),
                                         ST_COL_INT(struct outbox_dead_row, created_at),
                                         ST_COL_TEXT(struct outbox_dead_row, last_error)};
    return st_list(c, a, Q_OUTBOX_DEAD_LIST, ST_NONE, cols, 6, out, sizeof(*out), max);
}

int64_t outbox_requeue_dead(struct st_conn *c, int64_t id, int64_t now)
{
    return st_change(c, Q_OUTBOX_REQUEUE_DEAD, ST_IN(ST_INT(now), ST_INT(id), ST_INT(id)));
}

int64_t outbox_sweep(struct st_conn *c, int64_t sent_before)
{
    return st_change(c, Q_OUTBOX_SWEEP, ST_IN(ST_INT(sent_before)));
}

int64_t outbox_depth(struct st_conn *c)
{
    return st_count(c, Q_OUTBOX_DEPTH, ST_NONE);
}
