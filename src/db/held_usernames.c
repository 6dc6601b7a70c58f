/* held_usernames: see held_usernames.h. */
#include "held_usernames.h"

#include "arena.h"

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

int held_usernames_detach(struct st_conn *c, int64_t account)
{
    return st_run(c, Q_HELD_USERNAMES_DETACH, ST_IN(ST_INT(account))) == ST_OK ? 0 : -1;
}

struct held_list {
    struct arena *a;
    struct held_username *out;
    int n, max;
};

static int held_row(struct st_stmt *s, void *arg)
{
    struct held_list *l = arg;
    if (l->n >= l->max) return 1;
    l->out[l->n].username = arena_strdup(l->a, st_col_text(s, 0));
    l->out[l->n++].held_until = st_col_int(s, 1);
    return 0;
}

int held_usernames_list(struct st_conn *c, struct arena *a, int64_t account,
                        struct held_username *out, int max)
{
    struct held_list l = {a, out, 0, max};
    return st_each(c, Q_HELD_USERNAMES_LIST, ST_IN(ST_INT(account)), held_row, &l) == ST_OK ? l.n
                                                                                            : -1;
}

int64_t held_usernames_sweep(struct st_conn *c, int64_t now)
{
    return st_change(c, Q_HELD_USERNAMES_SWEEP, ST_IN(ST_INT(now)));
}
