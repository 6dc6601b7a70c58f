/* wechat_tickets: see wechat_tickets.h. Every statement on the wechat_tickets table. */
#include "wechat_tickets.h"

#include <string.h>

#define TICKET_COLS                                                                                \
    "scene, secret_hash, intent, account_id, wx_ticket, qr_url, state, openid, unionid,"           \
    " resolved, lang, created_at, expires_at"

int wechat_tickets_insert(struct st_conn *c, const struct wechat_ticket_row *r)
{
    return st_exec(c,
                   "INSERT INTO wechat_tickets (scene, secret_hash, intent, account_id, wx_ticket,"
                   " qr_url, lang, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   "sssisssii", r->scene, r->secret_hash, r->intent, r->account_id, r->wx_ticket,
                   r->qr_url, r->lang, r->created_at, r->expires_at) == ST_OK
               ? 0
               : -1;
}

/* Runs sql (TICKET_COLS of the row whose key column is key) into o. */
static enum st_rc read_one(struct st_conn *c, struct arena *a, const char *sql, const char *key,
                           struct wechat_ticket_row *o)
{
    memset(o, 0, sizeof(*o));
    return st_one(c, a, sql, "s", "sssisssssisii", key, &o->scene, &o->secret_hash, &o->intent,
                  &o->account_id, &o->wx_ticket, &o->qr_url, &o->state, &o->openid, &o->unionid,
                  &o->resolved, &o->lang, &o->created_at, &o->expires_at);
}

enum st_rc wechat_tickets_by_secret(struct st_conn *c, struct arena *a, const char *secret_hash,
                                    struct wechat_ticket_row *out)
{
    return read_one(c, a, "SELECT " TICKET_COLS " FROM wechat_tickets WHERE secret_hash = ?",
                    secret_hash, out);
}

enum st_rc wechat_tickets_by_scene(struct st_conn *c, struct arena *a, const char *scene,
                                   struct wechat_ticket_row *out)
{
    return read_one(c, a, "SELECT " TICKET_COLS " FROM wechat_tickets WHERE scene = ?", scene, out);
}

int wechat_tickets_delete_secret(struct st_conn *c, const char *secret_hash)
{
    return st_exec(c, "DELETE FROM wechat_tickets WHERE secret_hash = ?", "s", secret_hash) == ST_OK
               ? 0
               : -1;
}

/* 1 when the last statement changed a row, 0 when not; -1 when rc is an error. */
static int moved(struct st_conn *c, enum st_rc rc)
{
    return rc != ST_OK ? -1 : st_changes(c) == 1;
}

int wechat_tickets_scan(struct st_conn *c, const char *scene, const char *openid, int64_t now,
                        int64_t complete_by)
{
    return moved(c, st_exec(c,
                            "UPDATE wechat_tickets SET state = 'scanned', openid = ?,"
                            " scanned_at = ?, expires_at = ? WHERE scene = ? AND state = 'pending'",
                            "siis", openid, now, complete_by, scene));
}

int wechat_tickets_resolve(struct st_conn *c, const char *scene, const char *unionid)
{
    return st_exec(c, "UPDATE wechat_tickets SET unionid = ?, resolved = 1 WHERE scene = ?", "ss",
                   unionid, scene) == ST_OK
               ? 0
               : -1;
}

int wechat_tickets_consume(struct st_conn *c, const char *scene, int64_t now)
{
    return moved(c, st_exec(c,
                            "UPDATE wechat_tickets SET state = 'consumed'"
                            " WHERE scene = ? AND state = 'scanned' AND expires_at > ?",
                            "si", scene, now));
}

int64_t wechat_tickets_sweep(struct st_conn *c, int64_t now)
{
    if (st_exec(c, "DELETE FROM wechat_tickets WHERE expires_at <= ? - 86400", "i", now) != ST_OK)
        return -1;
    return st_changes(c);
}
