/* oidc_clients: see oidc_clients.h. */
#include "oidc_clients.h"

#define CLIENT_OUT(o)                                                                              \
    ST_OUT(ST_OUT_INT(&(o)->id), ST_OUT_TEXT(&(o)->client_id), ST_OUT_TEXT(&(o)->name),            \
           ST_OUT_TEXT(&(o)->secret_hash), ST_OUT_TEXT(&(o)->redirect_uris),                       \
           ST_OUT_TEXT(&(o)->post_logout_uris), ST_OUT_TEXT(&(o)->scopes),                         \
           ST_OUT_INT(&(o)->is_public), ST_OUT_INT(&(o)->first_party),                             \
           ST_OUT_TEXT(&(o)->id_token_alg), ST_OUT_INT(&(o)->created_at))

enum st_rc oidc_clients_insert(struct st_conn *c, const struct oidc_client_row *r, int64_t now,
                               int64_t *id)
{
    return st_row(
        c, NULL, Q_OIDC_CLIENTS_INSERT,
        ST_IN(ST_TEXT(r->client_id), ST_TEXT(r->name), ST_TEXT(r->secret_hash),
              ST_TEXT(r->redirect_uris), ST_TEXT(r->post_logout_uris ? r->post_logout_uris : ""),
              ST_TEXT(r->scopes), ST_INT(r->is_public), ST_INT(r->first_party),
              ST_TEXT(r->id_token_alg ? r->id_token_alg : "RS256"), ST_INT(now), ST_INT(now)),
        ST_OUT(ST_OUT_INT(id)));
}

enum st_rc oidc_clients_get(struct st_conn *c, struct arena *a, const char *client_id,
                            struct oidc_client_row *o)
{
    return st_row(c, a, Q_OIDC_CLIENTS_BY_CLIENT_ID, ST_IN(ST_TEXT(client_id)), CLIENT_OUT(o));
}

enum st_rc oidc_clients_get_id(struct st_conn *c, struct arena *a, int64_t id,
                               struct oidc_client_row *o)
{
    return st_row(c, a, Q_OIDC_CLIENTS_BY_ID, ST_IN(ST_INT(id)), CLIENT_OUT(o));
}

int oidc_clients_list(struct st_conn *c, struct arena *a, struct oidc_client_row *out, int max)
{
    static const struct st_col cols[] = {
        ST_COL_INT(struct oidc_client_row, id),
        ST_COL_TEXT(struct oidc_client_row, client_id),
        ST_COL_TEXT(struct oidc_client_row, name),
        ST_COL_TEXT(struct oidc_client_row, secret_hash),
        ST_COL_TEXT(struct oidc_client_row, redirect_uris),
        ST_COL_TEXT(struct oidc_client_row, post_logout_uris),
        ST_COL_TEXT(struct oidc_client_row, scopes),
        ST_COL_INT(struct oidc_client_row, is_public),
        ST_COL_INT(struct oidc_client_row, first_party),
        ST_COL_TEXT(struct oidc_client_row, id_token_alg),
        ST_COL_INT(struct oidc_client_row, created_at),
    };
    return st_list(c, a, Q_OIDC_CLIENTS_LIST, ST_NONE, cols, (int)(sizeof(cols) / sizeof(cols[0])),
                   out, sizeof(*out), max);
}

int oidc_clients_set_secret(struct st_conn *c, const char *client_id, const char *hash, int64_t now)
{
    int64_t n = st_change(c, Q_OIDC_CLIENTS_SET_SECRET,
                          ST_IN(ST_TEXT(hash), ST_INT(now), ST_TEXT(client_id)));
    return n < 0 ? -1 : n > 0;
}

int oidc_clients_set_alg(struct st_conn *c, const char *client_id, const char *alg, int64_t now)
{
    int64_t n =
        st_change(c, Q_OIDC_CLIENTS_SET_ALG, ST_IN(ST_TEXT(alg), ST_INT(now), ST_TEXT(client_id)));
    return n < 0 ? -1 : n > 0;
}

int oidc_clients_delete(struct st_conn *c, const char *client_id)
{
    int64_t n = st_change(c, Q_OIDC_CLIENTS_DELETE, ST_IN(ST_TEXT(client_id)));
    return n < 0 ? -1 : n > 0;
}
