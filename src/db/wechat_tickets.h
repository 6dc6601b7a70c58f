/* wechat_tickets: the owner of the wechat_tickets table: one row per QR code shown, keyed by
 * its scene, found by the browser through the hash of its cookie. The state column moves
 * pending → scanned → consumed only by the conditional UPDATEs here, each of which says
 * whether it moved the row (core/wechat_login.h has the state machine). */
#ifndef DAOID_WECHAT_TICKETS_H
#define DAOID_WECHAT_TICKETS_H

#include <stdint.h>

#include "store.h"

struct arena;

struct wechat_ticket_row {
    char *scene, *secret_hash, *intent; /* intent: "signin", "bind", "reauth" */
    int64_t account_id;                 /* bind, reauth: the asking account; else 0 */
    char *wx_ticket, *qr_url;
    char *state;            /* "pending", "scanned", "consumed" */
    char *openid, *unionid; /* who scanned; NULL before */
    int64_t resolved;       /* 1 once user/info was asked (unionid kept, maybe NULL) */
    char *lang;
    int64_t created_at, expires_at;
};

/* A new pending row (scene, secret_hash, intent, account_id, wx_ticket, qr_url, lang,
 * created_at, expires_at). 0 or -1. */
int wechat_tickets_insert(struct st_conn *c, const struct wechat_ticket_row *row);
/* The row whose secret hash is secret_hash (strings in a). ST_OK, ST_NOTFOUND or an error. */
enum st_rc wechat_tickets_by_secret(struct st_conn *c, struct arena *a, const char *secret_hash,
                                    struct wechat_ticket_row *out);
/* The row of scene. ST_OK, ST_NOTFOUND or an error. */
enum st_rc wechat_tickets_by_scene(struct st_conn *c, struct arena *a, const char *scene,
                                   struct wechat_ticket_row *out);
/* Deletes the row of secret_hash (a browser's previous code). 0 or -1. */
int wechat_tickets_delete_secret(struct st_conn *c, const char *secret_hash);
/* pending → scanned by openid, now; open until complete_by. 1 moved, 0 not pending, -1. */
int wechat_tickets_scan(struct st_conn *c, const char *scene, const char *openid, int64_t now,
                        int64_t complete_by);
/* Keeps user/info's answer (unionid may be NULL) and marks the row resolved. 0 or -1. */
int wechat_tickets_resolve(struct st_conn *c, const char *scene, const char *unionid);
/* scanned → consumed while not expired at now. 1 moved, 0 not scanned or expired, -1. */
int wechat_tickets_consume(struct st_conn *c, const char *scene, int64_t now);
/* Deletes rows expired a day before now (an old page still says "expired" until then), at most
 * ST_SWEEP_BATCH a call; their number, or -1. */
int64_t wechat_tickets_sweep(struct st_conn *c, int64_t now);

#endif
