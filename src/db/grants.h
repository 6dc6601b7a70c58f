/* grants: the ledger of units granted to an account on top of its base plan (the grants
 * table: account, reason, units, source). The first reason is the WeChat bonus. How many units
 * a reason is worth, and the base plan, are policy: core/resources.c.
 *
 * Invariants:
 *  1. A reason is granted at most once per account (unique account_id, reason).
 *  2. A reason is granted at most once per source ever (unique reason, source): the WeChat
 *     bonus once per WeChat identity, whether it is unbound and bound again, or bound to
 *     another account later.
 *  3. Grant rows are never deleted: unbinding leaves them, deleting the account detaches them
 *     (account_id NULL), so invariant 2 outlives both. The source is kept as a hash of the
 *     identity, not the identity itself.
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
/* The sum of the account's grants (0 when none), or -1. */
int64_t grants_sum(struct st_conn *c, int64_t account_id);

struct grant {
    char *reason; /* e.g. GRANT_WECHAT_BIND */
    int64_t units;
    int64_t created_at;
};
/* The account's grants, oldest first: *out (in a) and *n. 0 or -1. */
int grants_list(struct st_conn *c, struct arena *a, int64_t account_id, struct grant **out, int *n);
#endif
