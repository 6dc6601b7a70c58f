/* oidc_apps: "Apps with access" — the relying parties a person allowed (what they read, when
 * last used) and revoking one: the consent is forgotten and every grant of that app (refresh
 * tokens and access tokens) is revoked in one transaction, so the app must ask again. */
#ifndef DAOID_OIDC_APPS_H
#define DAOID_OIDC_APPS_H

#include <stdint.h>

#include "oidc_consents.h" /* struct oidc_consent_row */

struct arena;

/* The account's apps, last used first (at most 100): *out in a. Count or -1. */
int oidc_apps_list(struct arena *a, int64_t account_id, struct oidc_consent_row **out);
/* Revokes the app client_id (its public id) for account: 1 done, 0 none such, -1 store error. */
int oidc_apps_revoke(struct arena *a, int64_t account_id, const char *client_id, int64_t now);

#endif
