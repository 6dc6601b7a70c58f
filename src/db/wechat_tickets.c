/* wechat_tickets: see wechat_tickets.h. Every statement on the wechat_tickets table
 * (q_wechat.h). */
#include "wechat_tickets.h"

#include <string.h>

int wechat_tickets_insert(struct st_conn *c, const struct wechat_ticket_row *r)
{
    return st_run(c, Q_WECHAT_TICKETS_INSERT,
                  ST_IN(ST_TEXT(r->scene), ST_TEXT(r->secret_hash), ST_TEXT(r->intent),
                        ST_INT(r->account_id), ST_TEXT(r->wx_ticket), ST_TEXT(r->qr_url),
                        ST_TEXT(r->lang), ST_INT(r->created_at), ST_INT(r->expires_at))) == ST_OK
               ? 0
               : -1;
}

/* Runs q (the ticket columns of the row whose key column is key) into o. */
static enum st_rc read_one(struct st_conn *c, struct arena *a, enum q_id q, const char *key,
                           struct wechat_ticket_row *o)
{
    memset(o, 0, sizeof(*o));
    return st_row(c, a, q, ST_IN(ST_TEXT(key)),
                  ST_OUT(ST_OUT_TEXT(&o->scene), ST_OUT_TEXT(&o->secret_hash),
                         ST_OUT_TEXT(&o->intent), ST_OUT_INT(&o->account_id),
                         ST_OUT_TEXT(&o->wx_ticket), ST_OUT_TEXT(&o->qr_url),
                         ST_OUT_TEXT(&o->state), ST_OUT_TEXT(&o->openid), ST_OUT_TEXT(&o->unionid),
                         ST_OUT_INT(&o->resolved), ST_OUT_TEXT(&o->lang),
                         ST_OUT_INT(&o->created_at), ST_OUT_INT(&o->expires_at)));
}

enum st_rc wechat_tickets_by_secret(struct st_conn *c, struct arena *a, const char *secret_hash,
                                    struct wechat_ticket_row *out)
{
    return read_one(c, a, Q_WECHAT_TICKETS_BY_SECRET, secret_hash, out);
}

enum st_rc wechat_tickets_by_scene(struct st_conn *c, struct arena *a, const char *scene,
                                   struct wechat_ticket_row *out)
{
    return read_one(c, a, Q_WECHAT_TICKETS_BY_SCENE, scene, out);
}

int wechat_tickets_delete_secret(struct st_conn *c, const char *secret_hash)
{
    return st_run(c, Q_WECHAT_TICKETS_DELETE_SECRET, ST_IN(ST_TEXT(secret_hash))) == ST_OK ? 0 : -1;
}

/* 1 when the statement changed a row, 0 when not; -1 on an error. */
static int moved(int64_t changed)
{
    return changed < 0 ? -1 : changed == 1;
}

int wechat_tickets_scan(struct st_conn *c, const char *scene, const char *openid, int64_t now,
                        int64_t complete_by)
{
    return moved(
        st_change(c, Q_WECHAT_TICKETS_SCAN,
                  ST_IN(ST_TEXT(openid), ST_INT(now), ST_INT(complete_by), ST_TEXT(scene))));
}

int wechat_tickets_resolve(struct st_conn *c, const char *scene, const char *unionid)
{
    return st_run(c, Q_WECHAT_TICKETS_RESOLVE, ST_IN(ST_TEXT(unionid), ST_TEXT(scene))) == ST_OK
               ? 0
               : -1;
}

int wechat_tickets_consume(struct st_conn *c, const char *scene, int64_t now)
{
    return moved(st_change(c, Q_WECHAT_TICKETS_CONSUME, ST_IN(ST_TEXT(scene), ST_INT(now))));
}

int64_t wechat_tickets_sweep(struct st_conn *c, int64_t now)
{
    return st_change(c, Q_WECHAT_TICKETS_SWEEP, ST_IN(ST_INT(now)));
}
