/* wechat_pushes: see wechat_pushes.h. Every statement on the wechat_pushes table (q_wechat.h). */
#include "wechat_pushes.h"

int wechat_pushes_insert(struct st_conn *c, const char *from_user, int64_t create_time,
                         const char *event, int64_t now)
{
    int64_t n = st_change(
        c, Q_WECHAT_PUSHES_INSERT,
        ST_IN(ST_TEXT(from_user), ST_INT(create_time), ST_TEXT(event ? event : ""), ST_INT(now)));
    return n < 0 ? -1 : n == 1;
}

enum st_rc wechat_pushes_reply_of(struct st_conn *c, struct arena *a, const char *from_user,
                                  int64_t create_time, char **reply, char **lang)
{
    return st_row(c, a, Q_WECHAT_PUSHES_REPLY_OF, ST_IN(ST_TEXT(from_user), ST_INT(create_time)),
                  ST_OUT(ST_OUT_TEXT(reply), ST_OUT_TEXT(lang)));
}

int wechat_pushes_set_reply(struct st_conn *c, const char *from_user, int64_t create_time,
                            const char *reply, const char *lang)
{
    return st_run(c, Q_WECHAT_PUSHES_SET_REPLY,
                  ST_IN(ST_TEXT(reply), ST_TEXT(lang), ST_TEXT(from_user), ST_INT(create_time))) ==
                   ST_OK
               ? 0
               : -1;
}

int64_t wechat_pushes_sweep(struct st_conn *c, int64_t now)
{
    return st_change(c, Q_WECHAT_PUSHES_SWEEP, ST_IN(ST_INT(now)));
}
