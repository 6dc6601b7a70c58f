/* sessions: see sessions.h. */
#include "sessions.h"

#include "invalidate.h"

/* Every write below but sessions_insert (a new row nobody has cached), sessions_touch (the caches
 * keep their own last_seen: session_cache_touched) and sessions_sweep (the caches check expiry and
 * idleness themselves, and ask the store before refusing) changes what a cached session holds:
 * the caches are told (invalidate.h). Returns rc. */
static int64_t written(struct st_conn *c, int64_t account, const char *id_hash, int64_t rc)
{
    if (id_hash)
        invalidate_session(c, id_hash);
    else
        invalidate_account(c, account);
    return rc;
}

enum st_rc sessions_load(struct st_conn *c, struct arena *a, const char *id_hash,
                         struct sessions_loaded *o)
{
    return st_row(
        c, a, Q_SESSIONS_LOAD, ST_IN(ST_TEXT(id_hash)),
        ST_OUT(ST_OUT_INT(&o->account_id), ST_OUT_INT(&o->created_at), ST_OUT_INT(&o->last_seen),
               ST_OUT_INT(&o->expires_at), ST_OUT_TEXT(&o->username), ST_OUT_TEXT(&o->email),
               ST_OUT_INT(&o->email_verified), ST_OUT_INT(&o->has_password), ST_OUT_INT(&o->status),
               ST_OUT_INT(&o->account_created_at), ST_OUT_INT(&o->auth_at),
               ST_OUT_INT(&o->tour_done_at), ST_OUT_TEXT(&o->amr), ST_OUT_INT(&o->bonus_units),
               ST_OUT_INT(&o->has_factor), ST_OUT_TEXT(&o->identities)));
}

int sessions_insert(struct st_conn *c, const char *id_hash, int64_t account, int64_t now,
                    int64_t expires_at, const char *ip, const char *user_agent, const char *amr)
{
    return st_run(c, Q_SESSIONS_INSERT,
                  ST_IN(ST_TEXT(id_hash), ST_INT(account), ST_INT(now), ST_INT(now),
                        ST_INT(expires_at), ST_TEXT(ip), ST_TEXT(user_agent), ST_INT(now),
                        ST_TEXT(amr ? amr : ""))) == ST_OK
               ? 0
               : -1;
}

int sessions_delete(struct st_conn *c, const char *id_hash)
{
    return written(c, 0, id_hash,
                   st_run(c, Q_SESSIONS_DELETE, ST_IN(ST_TEXT(id_hash))) == ST_OK ? 0 : -1);
}

int sessions_touch(struct st_conn *c, const char *id_hash, int64_t now)
{
    return st_run(c, Q_SESSIONS_TOUCH, ST_IN(ST_INT(now), ST_TEXT(id_hash))) == ST_OK ? 0 : -1;
}

int sessions_reauth(struct st_conn *c, const char *id_hash, int64_t now)
{
    return written(
        c, 0, id_hash,
        st_run(c, Q_SESSIONS_REAUTH, ST_IN(ST_INT(now), ST_TEXT(id_hash))) == ST_OK ? 0 : -1);
}

int64_t sessions_end_one(struct st_conn *c, int64_t account, const char *id_hash)
{
    return written(c, account, NULL,
                   st_change(c, Q_SESSIONS_END_ONE, ST_IN(ST_INT(account), ST_TEXT(id_hash))));
}

int64_t sessions_end_others(struct st_conn *c, int64_t account, const char *keep)
{
    return written(
        c, account, NULL,
        st_change(c, Q_SESSIONS_END_OTHERS, ST_IN(ST_INT(account), ST_TEXT(keep ? keep : ""))));
}

int64_t sessions_end_all(struct st_conn *c, int64_t account)
{
    return written(c, account, NULL, st_change(c, Q_SESSIONS_END_ALL, ST_IN(ST_INT(account))));
}

int sessions_list(struct st_conn *c, struct arena *a, int64_t account, const char *current,
                  int64_t now, struct session_row *out, int max)
{
    static const struct st_col cols[] = {
        ST_COL_TEXT(struct session_row, id_hash), ST_COL_TEXT(struct session_row, ip),
        ST_COL_TEXT(struct session_row, user_agent), ST_COL_INT(struct session_row, created_at),
        ST_COL_INT(struct session_row, last_seen)};
    return st_list(c, a, Q_SESSIONS_LIST,
                   ST_IN(ST_INT(account), ST_INT(now), ST_TEXT(current ? current : "")), cols, 5,
                   out, sizeof(*out), max);
}

int64_t sessions_sweep(struct st_conn *c, int64_t now, int64_t idle_before)
{
    int64_t expired = st_change(c, Q_SESSIONS_SWEEP_EXPIRED, ST_IN(ST_INT(now)));
    if (expired < 0) return -1;
    int64_t idle = st_change(c, Q_SESSIONS_SWEEP_IDLE, ST_IN(ST_INT(idle_before)));
    return idle < 0 ? -1 : expired + idle;
}

int64_t sessions_count_seen(struct st_conn *c, int64_t since)
{
    return st_count(c, Q_SESSIONS_COUNT_SEEN, ST_IN(ST_INT(since)));
}
