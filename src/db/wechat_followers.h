/* wechat_followers: the owner of the wechat_followers table: who follows the service account
 * (by openid), as the pushes tell. Its row is also the lock one person's identity and bonus
 * change under (wechat_followers_lock). */
#ifndef DAOID_WECHAT_FOLLOWERS_H
#define DAOID_WECHAT_FOLLOWERS_H

#include <stdint.h>

struct st_conn;

/* Records whether openid follows now. 0 or -1. */
int wechat_followers_set(struct st_conn *c, const char *openid, int following, int64_t now);
/* Locks openid's row for the caller's transaction (none: nothing to lock). 0 or -1. */
int wechat_followers_lock(struct st_conn *c, const char *openid);

#endif
