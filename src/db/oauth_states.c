/* oauth_states: see oauth_states.h. Every statement on the oauth_states table. */
#include "oauth_states.h"

#include <string.h>

int oauth_states_insert(struct st_conn *c, const struct oauth_state_row *r)
{
    return st_exec(c,
                   "INSERT INTO oauth_states (state_hash, browser_hash, provider, intent,"
                   " account_id, verifier, next, created_at, expires_at)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   "ssssissii", r->state_hash, r->browser_hash, r->provider, r->intent,
                   r->account_id, r->verifier, r->next, r->created_at, r->expires_at) == ST_OK
               ? 0
               : -1;
}

enum st_rc oauth_states_take(struct st_conn *c, struct arena *a, const char *state_hash,
                             struct oauth_state_row *o)
{
    memset(o, 0, sizeof(*o));
    return st_one(c, a,
                  "DELETE FROM oauth_states WHERE state_hash = ? RETURNING browser_hash,"
                  " provider, intent, account_id, verifier, next, created_at, expires_at",
                  "s", "sssissii", state_hash, &o->browser_hash, &o->provider, &o->intent,
                  &o->account_id, &o->verifier, &o->next, &o->created_at, &o->expires_at);
}

int64_t oauth_states_sweep(struct st_conn *c, int64_t now)
{
    if (st_exec(c, "DELETE FROM oauth_states WHERE expires_at <= ?", "i", now) != ST_OK) return -1;
    return st_changes(c);
}
