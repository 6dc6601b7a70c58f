/* wechat_pushes: see wechat_pushes.h. Every statement on the wechat_pushes table. */
#include "wechat_pushes.h"

int wechat_pushes_insert(struct st_conn *c, const char *from_user, int64_t create_time,
                         const char *event, int64_t now)
{
    if (st_exec(c,
                "INSERT INTO wechat_pushes (from_user, create_time, event, received_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                "sisi", from_user, create_time, event ? event : "", now) != ST_OK)
        return -1;
    return st_changes(c) == 1;
}

enum st_rc wechat_pushes_reply_of(struct st_conn *c, struct arena *a, const char *from_user,
                                  int64_t create_time, char **reply, char **lang)
{
    return st_one(c, a,
                  "SELECT reply, lang FROM wechat_pushes WHERE from_user = ? AND create_time = ?",
                  "si", "ss", from_user, create_time, reply, lang);
}

int wechat_pushes_set_reply(struct st_conn *c, const char *from_user, int64_t create_time,
                            const char *reply, const char *lang)
{
    return st_exec(c,
                   "UPDATE wechat_pushes SET reply = ?, lang = ? WHERE from_user = ? AND "
                   "create_time = ?",
                   "sssi", reply, lang, from_user, create_time) == ST_OK
               ? 0
               : -1;
}

int64_t wechat_pushes_sweep(struct st_conn *c, int64_t now)
{
    if (st_exec(c, "DELETE FROM wechat_pushes WHERE received_at <= ? - 86400", "i", now) != ST_OK)
        return -1;
    return st_changes(c);
}
