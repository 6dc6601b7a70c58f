/* oauth_pending: see oauth_pending.h. Every statement on the oauth_pending table. */
#include "oauth_pending.h"

#include <string.h>

int oauth_pending_insert(struct st_conn *c, const struct oauth_pending_row *r)
{
    return st_exec(c,
                   "INSERT INTO oauth_pending (id_hash, provider, subject, login, name, email,"
                   " next, created_at, expires_at, token_ct, refresh_ct, token_scope,"
                   " token_expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   "sssssssiisssi", r->id_hash, r->provider, r->subject, r->login, r->name,
                   r->email, r->next, r->created_at, r->expires_at, r->token_ct, r->refresh_ct,
                   r->token_scope, r->token_expires_at) == ST_OK
               ? 0
               : -1;
}

#define PENDING_COLS                                                                               \
    "provider, subject, login, name, email, next, created_at, expires_at, token_ct, refresh_ct,"   \
    " token_scope, token_expires_at"

/* The row sql reads or takes (PENDING_COLS of the row id_hash still valid at now) into o. */
static enum st_rc one(struct st_conn *c, struct arena *a, const char *sql, const char *id_hash,
                      int64_t now, struct oauth_pending_row *o)
{
    memset(o, 0, sizeof(*o));
    return st_one(c, a, sql, "si", "ssssssiisssi", id_hash, now, &o->provider, &o->subject,
                  &o->login, &o->name, &o->email, &o->next, &o->created_at, &o->expires_at,
                  &o->token_ct, &o->refresh_ct, &o->token_scope, &o->token_expires_at);
}

enum st_rc oauth_pending_get(struct st_conn *c, struct arena *a, const char *id_hash, int64_t now,
                             struct oauth_pending_row *out)
{
    return one(c, a,
               "SELECT " PENDING_COLS " FROM oauth_pending WHERE id_hash = ? AND expires_at > ?",
               id_hash, now, out);
}

enum st_rc oauth_pending_take(struct st_conn *c, struct arena *a, const char *id_hash, int64_t now,
                              struct oauth_pending_row *out)
{
    return one(
        c, a,
        "DELETE FROM oauth_pending WHERE id_hash = ? AND expires_at > ? RETURNING " PENDING_COLS,
        id_hash, now, out);
}

int64_t oauth_pending_sweep(struct st_conn *c, int64_t now)
{
    if (st_exec(c, "DELETE FROM oauth_pending WHERE expires_at <= ?", "i", now) != ST_OK) return -1;
    return st_changes(c);
}
