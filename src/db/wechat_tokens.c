/* wechat_tokens: see wechat_tokens.h. Every statement on the wechat_tokens table (q_wechat.h). */
#include "wechat_tokens.h"

enum st_rc wechat_tokens_get(struct st_conn *c, struct arena *a, const char *app_id,
                             struct wechat_tokens_row *o)
{
    return st_row(c, a, Q_WECHAT_TOKENS_GET, ST_IN(ST_TEXT(app_id)),
                  ST_OUT(ST_OUT_TEXT(&o->token), ST_OUT_INT(&o->expires_at),
                         ST_OUT_INT(&o->refresh_at), ST_OUT_TEXT(&o->lease_owner),
                         ST_OUT_INT(&o->lease_until)));
}

int wechat_tokens_create(struct st_conn *c, const char *app_id)
{
    return st_run(c, Q_WECHAT_TOKENS_CREATE, ST_IN(ST_TEXT(app_id))) == ST_OK ? 0 : -1;
}

int wechat_tokens_lease_take(struct st_conn *c, const char *app_id, const char *owner, int64_t now,
                             int64_t until)
{
    int64_t n = st_change(c, Q_WECHAT_TOKENS_LEASE_TAKE,
                          ST_IN(ST_TEXT(owner), ST_INT(until), ST_TEXT(app_id), ST_INT(now)));
    return n < 0 ? -1 : n == 1;
}

int wechat_tokens_lease_store(struct st_conn *c, const char *app_id, const char *owner,
                              const char *token, int64_t expires_at, int64_t refresh_at,
                              int64_t now)
{
    return st_run(c, Q_WECHAT_TOKENS_LEASE_STORE,
                  ST_IN(ST_TEXT(token), ST_INT(expires_at), ST_INT(refresh_at), ST_INT(now),
                        ST_TEXT(app_id), ST_TEXT(owner))) == ST_OK
               ? 0
               : -1;
}

int wechat_tokens_lease_end(struct st_conn *c, const char *app_id, const char *owner, int64_t until)
{
    return st_run(c, Q_WECHAT_TOKENS_LEASE_END,
                  ST_IN(ST_INT(until), ST_TEXT(app_id), ST_TEXT(owner))) == ST_OK
               ? 0
               : -1;
}

int wechat_tokens_invalidate(struct st_conn *c, const char *app_id, const char *token)
{
    return st_run(c, Q_WECHAT_TOKENS_INVALIDATE, ST_IN(ST_TEXT(app_id), ST_TEXT(token))) == ST_OK
               ? 0
               : -1;
}
