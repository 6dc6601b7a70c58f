/* webauthn_challenges: see webauthn_challenges.h. Every statement on the table (q_mfa.h). */
#include "webauthn_challenges.h"

#include <string.h>

int webauthn_challenges_insert(struct st_conn *c, const char *id_hash,
                               const struct webauthn_challenge_row *r, int64_t now)
{
    return st_run(c, Q_WEBAUTHN_CHALLENGES_INSERT,
                  ST_IN(ST_TEXT(id_hash), ST_TEXT(r->challenge), ST_TEXT(r->kind),
                        ST_INT(r->account_id), ST_TEXT(r->name), ST_INT(now),
                        ST_INT(r->expires_at))) == ST_OK
               ? 0
               : -1;
}

enum st_rc webauthn_challenges_take(struct st_conn *c, struct arena *a, const char *id_hash,
                                    struct webauthn_challenge_row *o)
{
    memset(o, 0, sizeof(*o));
    return st_row(c, a, Q_WEBAUTHN_CHALLENGES_TAKE, ST_IN(ST_TEXT(id_hash)),
                  ST_OUT(ST_OUT_TEXT(&o->challenge), ST_OUT_TEXT(&o->kind),
                         ST_OUT_INT(&o->account_id), ST_OUT_TEXT(&o->name),
                         ST_OUT_INT(&o->expires_at)));
}

int64_t webauthn_challenges_sweep(struct st_conn *c, int64_t now)
{
    return st_change(c, Q_WEBAUTHN_CHALLENGES_SWEEP, ST_IN(ST_INT(now)));
}
