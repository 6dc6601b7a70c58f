/* oauth_states: see oauth_states.h. Every statement on the oauth_states table (q_oauth.h). */
#include "oauth_states.h"

#include <string.h>

int oauth_states_insert(struct st_conn *c, const struct oauth_state_row *r)
{
    return st_run(c, Q_OAUTH_STATES_INSERT,
                  ST_IN(ST_TEXT(r->state_hash), ST_TEXT(r->browser_hash), ST_TEXT(r->provider),
                        ST_TEXT(r->intent), ST_INT(r->account_id), ST_TEXT(r->verifier),
                        ST_TEXT(r->next), ST_INT(r->created_at), ST_INT(r->expires_at),
                        ST_INT(r->repos))) == ST_OK
               ? 0
               : -1;
}

enum st_rc oauth_states_take(struct st_conn *c, struct arena *a, const char *state_hash,
                             struct oauth_state_row *o)
{
    memset(o, 0, sizeof(*o));
    return st_row(
        c, a, Q_OAUTH_STATES_TAKE, ST_IN(ST_TEXT(state_hash)),
        ST_OUT(ST_OUT_TEXT(&o->browser_hash), ST_OUT_TEXT(&o->provider), ST_OUT_TEXT(&o->intent),
               ST_OUT_INT(&o->account_id), ST_OUT_TEXT(&o->verifier), ST_OUT_TEXT(&o->next),
               ST_OUT_INT(&o->created_at), ST_OUT_INT(&o->expires_at), ST_OUT_INT(&o->repos)));
}

int64_t oauth_states_sweep(struct st_conn *c, int64_t now)
{
    return st_change(c, Q_OAUTH_STATES_SWEEP, ST_IN(ST_INT(now)));
}
