/* grants: an account's resources: the base plan's units (base_units, from config) plus the
 * ledger of units granted on top of it (the grants table: account, reason, units, source).
 * The first reason is the WeChat bonus: wechat_bonus_units for binding WeChat.
 *
 * Invariants:
 *  1. A reason is granted at most once per account (unique account_id, reason).
 *  2. A reason is granted at most once per source ever (unique reason, source): the WeChat
 *     bonus once per WeChat identity, whether it is unbound and bound again, or bound to
 *     another account later.
 *  3. Grant rows are never deleted: unbinding leaves them, deleting the account detaches them
 *     (account_id NULL), so invariant 2 outlives both. The source is kept as a hash of the
 *     identity, not the identity itself.
 *  4. total = base + the sum of the account's grants.
 * The owner of the grants table: every statement on it is in grants.c. */
#ifndef DAOID_GRANTS_H
#define DAOID_GRANTS_H

#include <stdint.h>

struct arena;
struct st_conn;

#define GRANT_WECHAT_BIND "wechat_bind"

enum grant_rc {
    GRANT_OK,      /* granted now */
    GRANT_ALREADY, /* nothing granted: the account or the source had it already */
    GRANT_ERR,
};

/* The source of a grant for an identity: "provider:" + hex hash of subject, in a. */
char *grants_source(struct arena *a, const char *provider, const char *subject);
/* Grants units for reason to account_id from source (invariants 1–2), inside the caller's
 * transaction. */
enum grant_rc grants_award(struct st_conn *c, int64_t account_id, const char *reason, int64_t units,
                           const char *source, int64_t now);
/* 1 when reason was granted from source1 or source2 (to any account, ever), 0 when not, -1 on
 * a store error. */
int grants_given(struct st_conn *c, const char *reason, const char *source1, const char *source2);
/* The WeChat bonus (GRANT_WECHAT_BIND, wechat_bonus_units) for binding the WeChat identity
 * subject; GRANT_ALREADY when wechat_bonus_units is 0. */
enum grant_rc grants_wechat_bonus(struct st_conn *c, struct arena *a, int64_t account_id,
                                  const char *subject, int64_t now);

struct resources {
    int64_t base;  /* base_units */
    int64_t bonus; /* sum of the grants */
    int64_t total;
};
/* The account's resources. 0, or -1 on a store error. */
int grants_resources(struct st_conn *c, int64_t account_id, struct resources *out);
/* The resources of an account whose grants sum to bonus (the session lookup reads that sum
 * along with the session, so pages and /api/v1/me need no query of their own). */
void grants_from_bonus(int64_t bonus, struct resources *out);

struct grant {
    char *reason; /* e.g. GRANT_WECHAT_BIND */
    int64_t units;
    int64_t created_at;
};
/* The account's grants, oldest first: *out (in a) and *n. 0 or -1. */
int grants_list(struct st_conn *c, struct arena *a, int64_t account_id, struct grant **out, int *n);
/* Both on this thread's connection (for pages and the API): the resources, and the grants
 * when list is not NULL. 0, or -1 when the store failed. */
int grants_account(struct arena *a, int64_t account_id, struct resources *res, struct grant **list,
                   int *n);

#endif
