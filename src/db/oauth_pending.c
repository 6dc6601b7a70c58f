/* oauth_pending: see oauth_pending.h. Every statement on the oauth_pending table (q_oauth.h). */
#include "oauth_pending.h"

#include <string.h>

int oauth_pending_insert(struct st_conn *c, const struct oauth_pending_row *r)
{
    return st_run(c, Q_OAUTH_PENDING_INSERT,
                  ST_IN(ST_TEXT(r->id_hash), ST_TEXT(r->provider), ST_TEXT(r->subject),
                        ST_TEXT(r->login), ST_TEXT(r->name), ST_TEXT(r->email), ST_TEXT(r->next),
                        ST_INT(r->created_at), ST_INT(r->expires_at), ST_TEXT(r->token_ct),
                        ST_TEXT(r->refresh_ct), ST_TEXT(r->token_scope),
                        ST_INT(r->token_expires_at))) == ST_OK
               ? 0
               : -1;
}

/* The row q reads or takes (the row id_hash still valid at now) into o. */
static enum st_rc one(struct st_conn *c, struct arena *a, enum q_id q, const char *id_hash,
                      int64_t now, struct oauth_pending_row *o)
{
    memset(o, 0, sizeof(*o));
    return st_row(c, a, q, ST_IN(ST_TEXT(id_hash), ST_INT(now)),
                  ST_OUT(ST_OUT_TEXT(&o->provider), ST_OUT_TEXT(&o->subject),
                         ST_OUT_TEXT(&o->login), ST_OUT_TEXT(&o->name), ST_OUT_TEXT(&o->email),
                         ST_OUT_TEXT(&o->next), ST_OUT_INT(&o->created_at),
                         ST_OUT_INT(&o->expires_at), ST_OUT_TEXT(&o->token_ct),
                         ST_OUT_TEXT(&o->refresh_ct), ST_OUT_TEXT(&o->token_scope),
                         ST_OUT_INT(&o->token_expires_at)));
}

enum st_rc oauth_pending_get(struct st_conn *c, struct arena *a, const char *id_hash, int64_t now,
                             struct oauth_pending_row *out)
{
    return one(c, a, Q_OAUTH_PENDING_GET, id_hash, now, out);
}

enum st_rc oauth_pending_take(struct st_conn *c, struct arena *a, const char *id_hash, int64_t now,
                              struct oauth_pending_row *out)
{
    return one(c, a, Q_OAUTH_PENDING_TAKE, id_hash, now, out);
}

int64_t oauth_pending_sweep(struct st_conn *c, int64_t now)
{
    return st_change(c, Q_OAUTH_PENDING_SWEEP, ST_IN(ST_INT(now)));
}
