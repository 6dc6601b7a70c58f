/* oidc_keys: see oidc_keys.h. */
#include "oidc_keys.h"

enum st_rc oidc_keys_insert(struct st_conn *c, const char *kid, const char *alg, const char *sealed,
                            const char *jwk, int64_t now, int64_t active_at)
{
    return st_run(c, Q_OIDC_KEYS_INSERT,
                  ST_IN(ST_TEXT(kid), ST_TEXT(alg), ST_TEXT(sealed), ST_TEXT(jwk), ST_INT(now),
                        ST_INT(active_at)));
}

enum st_rc oidc_keys_current(struct st_conn *c, struct arena *a, const char *alg, int64_t now,
                             char **kid)
{
    return st_row(c, a, Q_OIDC_KEYS_CURRENT, ST_IN(ST_TEXT(alg), ST_INT(now), ST_INT(now)),
                  ST_OUT(ST_OUT_TEXT(kid)));
}

int oidc_keys_published(struct st_conn *c, struct arena *a, int64_t now, struct oidc_key_row *out,
                        int max)
{
    static const struct st_col cols[] = {
        ST_COL_TEXT(struct oidc_key_row, kid),        ST_COL_TEXT(struct oidc_key_row, alg),
        ST_COL_TEXT(struct oidc_key_row, public_jwk), ST_COL_INT(struct oidc_key_row, created_at),
        ST_COL_INT(struct oidc_key_row, active_at),   ST_COL_INT(struct oidc_key_row, expires_at),
    };
    return st_list(c, a, Q_OIDC_KEYS_PUBLISHED, ST_IN(ST_INT(now)), cols,
                   (int)(sizeof(cols) / sizeof(cols[0])), out, sizeof(*out), max);
}

int64_t oidc_keys_retire(struct st_conn *c, const char *alg, const char *keep, int64_t until)
{
    return st_change(c, Q_OIDC_KEYS_RETIRE, ST_IN(ST_INT(until), ST_TEXT(alg), ST_TEXT(keep)));
}

int64_t oidc_keys_sweep(struct st_conn *c, int64_t now)
{
    return st_change(c, Q_OIDC_KEYS_SWEEP, ST_IN(ST_INT(now)));
}

enum st_rc oidc_keys_sealed(struct st_conn *c, struct arena *a, const char *kid, int64_t now,
                            char **alg, char **sealed)
{
    return st_row(c, a, Q_OIDC_KEYS_BY_KID, ST_IN(ST_TEXT(kid), ST_INT(now)),
                  ST_OUT(ST_OUT_TEXT(alg), ST_OUT_TEXT(sealed)));
}
