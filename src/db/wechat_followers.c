/* wechat_followers: see wechat_followers.h. Every statement on the wechat_followers table. */
#include "wechat_followers.h"

#include "store.h"

int wechat_followers_set(struct st_conn *c, const char *openid, int following, int64_t now)
{
    return st_exec(c,
                   "INSERT INTO wechat_followers (openid, following, updated_at) VALUES (?, ?, ?)"
                   " ON CONFLICT (openid) DO UPDATE SET following = excluded.following,"
                   " updated_at = excluded.updated_at",
                   "sii", openid, (int64_t)following, now) == ST_OK
               ? 0
               : -1;
}

int wechat_followers_lock(struct st_conn *c, const char *openid)
{
    int64_t following = 0;
    enum st_rc rc =
        st_one(c, NULL, "SELECT following FROM wechat_followers WHERE openid = ? {{FOR_UPDATE}}",
               "s", "i", openid, &following);
    return rc == ST_OK || rc == ST_NOTFOUND ? 0 : -1;
}
