/* oidc_grants: see oidc_grants.h. */
#include "oidc_grants.h"

enum st_rc oidc_grants_insert(struct st_conn *c, int64_t client_id, int64_t account_id,
                              const char *scope, int64_t auth_time, const char *amr, int64_t now,
                              int64_t expires_at, int64_t *id)
{
    return st_row(c, NULL, Q_OIDC_GRANTS_INSERT,
                  ST_IN(ST_INT(client_id), ST_INT(account_id), ST_TEXT(scope), ST_INT(auth_time),
                        ST_TEXT(amr ? amr : ""), ST_INT(now), ST_INT(expires_at)),
                  ST_OUT(ST_OUT_INT(id)));
}

int oidc_grants_revoke(struct st_conn *c, int64_t id, int64_t now)
{
    int64_t n = st_change(c, Q_OIDC_GRANTS_REVOKE, ST_IN(ST_INT(now), ST_INT(id)));
    return n < 0 ? -1 : n > 0;
}

int64_t oidc_grants_revoke_client(struct st_conn *c, int64_t account_id, int64_t client_id,
                                  int64_t now)
{
    return st_change(c, Q_OIDC_GRANTS_REVOKE_CLIENT,
                     ST_IN(ST_INT(now), ST_INT(account_id), ST_INT(client_id)));
}

int64_t oidc_grants_sweep(struct st_conn *c, int64_t now)
{
    return st_change(c, Q_OIDC_GRANTS_SWEEP, ST_IN(ST_INT(now)));
}
