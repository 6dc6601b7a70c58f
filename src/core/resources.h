/* resources: an account's resources in 1X units — the base plan (base_units) plus the units
 * granted on top of it (the ledger, db/grants.h) — and what a grant the config prices is worth
 * (the WeChat bonus, wechat_bonus_units). The policy is here; the ledger's rows and invariants
 * are db/grants.h's.
 *
 * Invariant: total = base + the sum of the account's grants. */
#ifndef DAOID_RESOURCES_H
#define DAOID_RESOURCES_H

#include <stdint.h>

#include "grants.h"

struct arena;
struct st_conn;

struct resources {
    int64_t base;  /* base_units */
    int64_t bonus; /* sum of the grants */
    int64_t total;
};

/* The account's resources. 0, or -1 on a store error. */
int resources_of(struct st_conn *c, int64_t account_id, struct resources *out);
/* The resources of an account whose grants sum to bonus (the session lookup reads that sum
 * along with the session, so pages and /api/v1/me need no query of their own). */
void resources_from_bonus(int64_t bonus, struct resources *out);
/* Both on this thread's connection (for pages and the API): the resources, and the grants
 * when list is not NULL. 0, or -1 when the store failed. */
int resources_account(struct arena *a, int64_t account_id, struct resources *res,
                      struct grant **list, int *n);
/* The WeChat bonus (GRANT_WECHAT_BIND, wechat_bonus_units) for binding the WeChat identity
 * subject, inside the caller's transaction; GRANT_ALREADY when wechat_bonus_units is 0. */
enum grant_rc resources_wechat_bonus(struct st_conn *c, struct arena *a, int64_t account_id,
                                     const char *subject, int64_t now);

#endif
