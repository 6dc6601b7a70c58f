/* wechat_pushes: the owner of the wechat_pushes table: each push WeChat delivered, keyed by
 * (FromUserName, CreateTime), with the reply it got, so a retry is recognised and answered the
 * same. Kept a day (WeChat retries within seconds). */
#ifndef DAOID_WECHAT_PUSHES_H
#define DAOID_WECHAT_PUSHES_H

#include <stdint.h>

#include "store.h"

struct arena;

/* Records the push (from_user, create_time): 1 new, 0 seen before, -1 on error. */
int wechat_pushes_insert(struct st_conn *c, const char *from_user, int64_t create_time,
                         const char *event, int64_t now);
/* The reply key and language recorded for the push ("" when none), in a. ST_OK, ST_NOTFOUND or
 * an error. */
enum st_rc wechat_pushes_reply_of(struct st_conn *c, struct arena *a, const char *from_user,
                                  int64_t create_time, char **reply, char **lang);
/* Records the reply given (reply "" for none). 0 or -1. */
int wechat_pushes_set_reply(struct st_conn *c, const char *from_user, int64_t create_time,
                            const char *reply, const char *lang);
/* Deletes pushes received a day before now, at most ST_SWEEP_BATCH a call; their number, or
 * -1. */
int64_t wechat_pushes_sweep(struct st_conn *c, int64_t now);

#endif
