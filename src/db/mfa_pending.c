/* mfa_pending: see mfa_pending.h. Every statement on the mfa_pending table (q_mfa.h). */
#include "mfa_pending.h"

#include <string.h>

int mfa_pending_insert(struct st_conn *c, const char *id_hash, int64_t account,
                       const char *first_amr, const char *next, int64_t now, int64_t expires_at)
{
    return st_run(c, Q_MFA_PENDING_INSERT,
                  ST_IN(ST_TEXT(id_hash), ST_INT(account), ST_TEXT(first_amr), ST_TEXT(next),
                        ST_INT(now), ST_INT(expires_at))) == ST_OK
               ? 0
               : -1;
}

enum st_rc mfa_pending_get(struct st_conn *c, struct arena *a, const char *id_hash, int64_t now,
                           struct mfa_pending_row *o)
{
    memset(o, 0, sizeof(*o));
    return st_row(c, a, Q_MFA_PENDING_GET, ST_IN(ST_TEXT(id_hash), ST_INT(now)),
                  ST_OUT(ST_OUT_INT(&o->account_id), ST_OUT_TEXT(&o->first_amr),
                         ST_OUT_TEXT(&o->next), ST_OUT_INT(&o->created_at)));
}

int mfa_pending_take(struct st_conn *c, const char *id_hash, int64_t now)
{
    int64_t n = st_change(c, Q_MFA_PENDING_TAKE, ST_IN(ST_TEXT(id_hash), ST_INT(now)));
    return n < 0 ? -1 : n > 0;
}

int64_t mfa_pending_sweep(struct st_conn *c, int64_t now)
{
    return st_change(c, Q_MFA_PENDING_SWEEP, ST_IN(ST_INT(now)));
}
