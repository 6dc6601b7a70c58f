/* wechat_nonces: see wechat_nonces.h. Every statement on the wechat_nonces table (q_wechat.h). */
#include "wechat_nonces.h"

int wechat_nonces_claim(struct st_conn *c, const char *nonce, int64_t ts, const char *digest,
                        int64_t expires_at)
{
    if (st_change(c, Q_WECHAT_NONCES_INSERT,
                  ST_IN(ST_TEXT(nonce), ST_INT(ts), ST_TEXT(digest), ST_INT(expires_at))) < 0)
        return -1;
    int64_t same =
        st_count(c, Q_WECHAT_NONCES_SAME, ST_IN(ST_TEXT(nonce), ST_INT(ts), ST_TEXT(digest)));
    return same < 0 ? -1 : same == 1;
}

int64_t wechat_nonces_sweep(struct st_conn *c, int64_t now)
{
    return st_change(c, Q_WECHAT_NONCES_SWEEP, ST_IN(ST_INT(now)));
}
