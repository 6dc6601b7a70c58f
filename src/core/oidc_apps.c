/* oidc_apps: see oidc_apps.h. */
#include "oidc_apps.h"

#include <string.h>

#include "arena.h"
#include "oidc_clients.h"
#include "oidc_grants.h"
#include "store.h"

#define MAX_APPS 100

int oidc_apps_list(struct arena *a, int64_t account_id, struct oidc_consent_row **out)
{
    struct st_conn *c = st_get();
    *out = arena_alloc(a, sizeof(**out) * MAX_APPS);
    return c ? oidc_consents_list(c, a, account_id, *out, MAX_APPS) : -1;
}

int oidc_apps_revoke(struct arena *a, int64_t account_id, const char *client_id, int64_t now)
{
    struct st_conn *c = st_get();
    struct oidc_client_row cl;
    if (!c || !client_id || strlen(client_id) > 64) return c ? 0 : -1;
    enum st_rc rc = oidc_clients_get(c, a, client_id, &cl);
    if (rc == ST_NOTFOUND) return 0;
    if (rc != ST_OK || st_begin(c) != ST_OK) return -1;
    int n = oidc_consents_delete(c, account_id, cl.id);
    if (n < 0 || oidc_grants_revoke_client(c, account_id, cl.id, now) < 0 ||
        st_commit(c) != ST_OK) {
        st_rollback(c);
        return -1;
    }
    return n;
}
