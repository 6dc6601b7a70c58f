/* oidc_clients: owner of the oidc_clients table (the registered relying parties). The caller
 * hashes secrets (oidc_client.c); the store never sees one. Functions run on the caller's
 * connection, inside its transaction when it holds one; text comes back in the caller's arena. */
#ifndef DAOID_OIDC_CLIENTS_H
#define DAOID_OIDC_CLIENTS_H

#include "store.h"

struct oidc_client_row {
    int64_t id;
    char *client_id, *name;
    char *secret_hash;                               /* NULL for a public client */
    char *redirect_uris, *post_logout_uris, *scopes; /* space-separated */
    char *id_token_alg;                              /* "RS256" or "ES256" (NULL: RS256) */
    int64_t is_public, first_party, created_at;
};

/* A new client; *id set. ST_OK, ST_CONFLICT (client_id taken) or an error. */
enum st_rc oidc_clients_insert(struct st_conn *c, const struct oidc_client_row *row, int64_t now,
                               int64_t *id);
/* By its public client_id, or by row id: ST_OK, ST_NOTFOUND or an error. */
enum st_rc oidc_clients_get(struct st_conn *c, struct arena *a, const char *client_id,
                            struct oidc_client_row *out);
enum st_rc oidc_clients_get_id(struct st_conn *c, struct arena *a, int64_t id,
                               struct oidc_client_row *out);
/* Every client (at most max), oldest first: count or -1. */
int oidc_clients_list(struct st_conn *c, struct arena *a, struct oidc_client_row *out, int max);
/* A confidential client's new secret hash: 1 changed, 0 none such (or public), -1 error. */
int oidc_clients_set_secret(struct st_conn *c, const char *client_id, const char *hash,
                            int64_t now);
/* The algorithm its ID tokens are signed with: 1 changed, 0 none such, -1 error. */
int oidc_clients_set_alg(struct st_conn *c, const char *client_id, const char *alg, int64_t now);
/* Removes a client (its codes, grants, tokens and consents go with it): 1, 0 none, -1. */
int oidc_clients_delete(struct st_conn *c, const char *client_id);

#endif
