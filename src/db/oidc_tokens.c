/* oidc_tokens: see oidc_tokens.h. */
#include "oidc_tokens.h"

enum st_rc oidc_tokens_insert(struct st_conn *c, const char *hash, int64_t grant_id,
                              const char *kind, int64_t now, int64_t expires_at)
{
    return st_run(
        c, Q_OIDC_TOKENS_INSERT,
        ST_IN(ST_TEXT(hash), ST_INT(grant_id), ST_TEXT(kind), ST_INT(now), ST_INT(expires_at)));
}

enum st_rc oidc_tokens_get(struct st_conn *c, struct arena *a, const char *hash,
                           struct oidc_token_row *o)
{
    return st_row(c, a, Q_OIDC_TOKENS_BY_HASH, ST_IN(ST_TEXT(hash)),
                  ST_OUT(ST_OUT_INT(&o->grant_id), ST_OUT_TEXT(&o->kind),
                         ST_OUT_INT(&o->expires_at), ST_OUT_INT(&o->used_at),
                         ST_OUT_INT(&o->revoked_at), ST_OUT_INT(&o->grant_revoked_at),
                         ST_OUT_INT(&o->client_id), ST_OUT_INT(&o->account_id),
                         ST_OUT_TEXT(&o->scope), ST_OUT_INT(&o->auth_time), ST_OUT_TEXT(&o->amr),
                         ST_OUT_TEXT(&o->client), ST_OUT_INT(&o->account_status),
                         ST_OUT_TEXT(&o->username), ST_OUT_INT(&o->grant_expires_at)));
}

int oidc_tokens_use(struct st_conn *c, const char *hash, int64_t now)
{
    int64_t n = st_change(c, Q_OIDC_TOKENS_USE, ST_IN(ST_INT(now), ST_TEXT(hash)));
    return n < 0 ? -1 : n > 0;
}

int oidc_tokens_revoke(struct st_conn *c, const char *hash, int64_t now)
{
    int64_t n = st_change(c, Q_OIDC_TOKENS_REVOKE, ST_IN(ST_INT(now), ST_TEXT(hash)));
    return n < 0 ? -1 : n > 0;
}

int64_t oidc_tokens_sweep(struct st_conn *c, int64_t now)
{
    return st_change(c, Q_OIDC_TOKENS_SWEEP, ST_IN(ST_INT(now)));
}
