/* oidc_codes: see oidc_codes.h. */
#include "oidc_codes.h"

enum st_rc oidc_codes_insert(struct st_conn *c, const char *hash, const struct oidc_code_row *r,
                             int64_t now)
{
    return st_run(c, Q_OIDC_CODES_INSERT,
                  ST_IN(ST_TEXT(hash), ST_INT(r->client_id), ST_INT(r->account_id),
                        ST_TEXT(r->redirect_uri), ST_TEXT(r->scope), ST_TEXT(r->nonce),
                        ST_TEXT(r->challenge), ST_INT(r->auth_time), ST_TEXT(r->amr ? r->amr : ""),
                        ST_INT(now), ST_INT(r->expires_at)));
}

enum st_rc oidc_codes_take(struct st_conn *c, struct arena *a, const char *hash, int64_t now,
                           struct oidc_code_row *o)
{
    return st_row(
        c, a, Q_OIDC_CODES_TAKE, ST_IN(ST_INT(now), ST_TEXT(hash)),
        ST_OUT(ST_OUT_INT(&o->client_id), ST_OUT_INT(&o->account_id), ST_OUT_TEXT(&o->redirect_uri),
               ST_OUT_TEXT(&o->scope), ST_OUT_TEXT(&o->nonce), ST_OUT_TEXT(&o->challenge),
               ST_OUT_INT(&o->auth_time), ST_OUT_TEXT(&o->amr), ST_OUT_INT(&o->expires_at)));
}

enum st_rc oidc_codes_grant_of(struct st_conn *c, const char *hash, int64_t *grant_id,
                               int64_t *client_id)
{
    return st_row(c, NULL, Q_OIDC_CODES_GRANT_OF, ST_IN(ST_TEXT(hash)),
                  ST_OUT(ST_OUT_INT(grant_id), ST_OUT_INT(client_id)));
}

enum st_rc oidc_codes_set_grant(struct st_conn *c, const char *hash, int64_t grant_id)
{
    return st_run(c, Q_OIDC_CODES_SET_GRANT, ST_IN(ST_INT(grant_id), ST_TEXT(hash)));
}

int64_t oidc_codes_sweep(struct st_conn *c, int64_t now)
{
    return st_change(c, Q_OIDC_CODES_SWEEP, ST_IN(ST_INT(now)));
}
