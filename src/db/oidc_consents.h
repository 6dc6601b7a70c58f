/* oidc_consents: owner of the oidc_consents table (what a person allowed a client to read).
 * Functions run on the caller's connection, inside its transaction when it holds one; text
 * comes back in the caller's arena. */
#ifndef DAOID_OIDC_CONSENTS_H
#define DAOID_OIDC_CONSENTS_H

#include "store.h"

struct oidc_consent_row {
    int64_t client_row; /* oidc_clients.id */
    char *client_id, *name, *scope;
    int64_t created_at, last_used_at;
};

/* The scopes allowed (space-separated) in *scope: ST_OK, ST_NOTFOUND or an error. */
enum st_rc oidc_consents_get(struct st_conn *c, struct arena *a, int64_t account_id,
                             int64_t client_id, char **scope);
/* Records (or widens: the caller passes the union) what was allowed. ST_OK or an error. */
enum st_rc oidc_consents_put(struct st_conn *c, int64_t account_id, int64_t client_id,
                             const char *scope, int64_t now);
/* Records a use (a token issued). 0 or -1. */
int oidc_consents_touch(struct st_conn *c, int64_t account_id, int64_t client_id, int64_t now);
/* The account's apps, last used first (at most max): count or -1. */
int oidc_consents_list(struct st_conn *c, struct arena *a, int64_t account_id,
                       struct oidc_consent_row *out, int max);
/* Forgets a consent: 1, 0 (none), -1. */
int oidc_consents_delete(struct st_conn *c, int64_t account_id, int64_t client_id);

#endif
