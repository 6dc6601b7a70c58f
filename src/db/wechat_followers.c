/* wechat_followers: see wechat_followers.h. Every statement on the wechat_followers table
 * (q_wechat.h). */
#include "wechat_followers.h"

#include "store.h"

int wechat_followers_set(struct st_conn *c, const char *openid, int following, int64_t now)
{
    return st_run(c, Q_WECHAT_FOLLOWERS_SET,
                  ST_IN(ST_TEXT(openid), ST_INT(following), ST_INT(now))) == ST_OK
               ? 0
               : -1;
}

int wechat_followers_lock(struct st_conn *c, const char *openid)
{
    int64_t following = 0;
    enum st_rc rc = st_row(c, NULL, Q_WECHAT_FOLLOWERS_LOCK, ST_IN(ST_TEXT(openid)),
                           ST_OUT(ST_OUT_INT(&following)));
    return rc == ST_OK || rc == ST_NOTFOUND ? 0 : -1;
}
