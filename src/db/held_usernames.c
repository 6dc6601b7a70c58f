/* held_usernames: see held_usernames.h. */
#include "held_usernames.h"

int64_t held_usernames_count(struct st_conn *c, const char *username, int64_t except, int64_t now)
{
    return st_count(c, Q_HELD_USERNAMES_COUNT,
                    ST_IN(ST_TEXT(username), ST_INT(now), ST_INT(except)));
}

int held_usernames_hold(struct st_conn *c, const char *username, int64_t account, int64_t until,
                        int64_t now)
{
    return st_run(c, Q_HELD_USERNAMES_HOLD,
                  ST_IN(ST_TEXT(username), ST_INT(account), ST_INT(until), ST_INT(now))) == ST_OK
               ? 0
               : -1;
}

int held_usernames_unhold(struct st_conn *c, const char *username, int64_t account)
{
    return st_run(c, Q_HELD_USERNAMES_UNHOLD, ST_IN(ST_TEXT(username), ST_INT(account))) == ST_OK
               ? 0
               : -1;
}

int held_usernames_release(struct st_conn *c, const char *username)
{
    int64_t n = st_change(c, Q_HELD_USERNAMES_RELEASE, ST_IN(ST_TEXT(username)));
    return n < 0 ? -1 : n > 0;
}

int held_usernames_detach(struct st_conn *c, int64_t account)
{
    return st_run(c, Q_HELD_USERNAMES_DETACH, ST_IN(ST_INT(account))) == ST_OK ? 0 : -1;
}

int held_usernames_list(struct st_conn *c, struct arena *a, int64_t account,
                        struct held_username *out, int max)
{
    static const struct st_col cols[] = {ST_COL_TEXT(struct held_username, username),
                                         ST_COL_INT(struct held_username, held_until)};
    return st_list(c, a, Q_HELD_USERNAMES_LIST, ST_IN(ST_INT(account)), cols, 2, out, sizeof(*out),
                   max);
}

int64_t held_usernames_sweep(struct st_conn *c, int64_t now)
{
    return st_change(c, Q_HELD_USERNAMES_SWEEP, ST_IN(ST_INT(now)));
}
