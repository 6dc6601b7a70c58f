/* oidc_consents: see oidc_consents.h. */
#include "oidc_consents.h"

enum st_rc oidc_consents_get(struct st_conn *c, struct arena *a, int64_t account_id,
                             int64_t client_id, char **scope)
{
    return st_row(c, a, Q_OIDC_CONSENTS_GET, ST_IN(ST_INT(account_id), ST_INT(client_id)),
                  ST_OUT(ST_OUT_TEXT(scope)));
}

enum st_rc oidc_consents_put(struct st_conn *c, int64_t account_id, int64_t client_id,
                             const char *scope, int64_t now)
{
    return st_run(
        c, Q_OIDC_CONSENTS_PUT,
        ST_IN(ST_INT(account_id), ST_INT(client_id), ST_TEXT(scope), ST_INT(now), ST_INT(now)));
}

int oidc_consents_touch(struct st_conn *c, int64_t account_id, int64_t client_id, int64_t now)
{
    return st_run(c, Q_OIDC_CONSENTS_TOUCH,
                  ST_IN(ST_INT(now), ST_INT(account_id), ST_INT(client_id))) == ST_OK
               ? 0
               : -1;
}

int oidc_consents_list(struct st_conn *c, struct arena *a, int64_t account_id,
                       struct oidc_consent_row *out, int max)
{
    static const struct st_col cols[] = {
        ST_COL_INT(struct oidc_consent_row, client_row),
        ST_COL_TEXT(struct oidc_consent_row, client_id),
        ST_COL_TEXT(struct oidc_consent_row, name),
        ST_COL_TEXT(struct oidc_consent_row, scope),
        ST_COL_INT(struct oidc_consent_row, created_at),
        ST_COL_INT(struct oidc_consent_row, last_used_at),
    };
    return st_list(c, a, Q_OIDC_CONSENTS_LIST, ST_IN(ST_INT(account_id)), cols,
                   (int)(sizeof(cols) / sizeof(cols[0])), out, sizeof(*out), max);
}

int oidc_consents_delete(struct st_conn *c, int64_t account_id, int64_t client_id)
{
    int64_t n = st_change(c, Q_OIDC_CONSENTS_DELETE, ST_IN(ST_INT(account_id), ST_INT(client_id)));
    return n < 0 ? -1 : n > 0;
}
