/* closure: the end of an account: deletion by its owner (settings) or an operator (daoid
 * admin), and an operator's disable / enable.
 *
 * States: active (status 0) ⇄ disabled (status 1: closure_set_status)
 *         active | disabled → deleted (the row is gone: closure_delete)
 *
 * Invariants:
 *  1. A deletion is one transaction: the account row goes and with it its identities, sessions
 *     and one-time tokens (foreign-key cascades); its username is held for username_hold
 *     (nobody can take it over at once) and the names it released earlier stay held but lose
 *     their owner; its audit and outbox rows are detached from the id (SQLite may hand a
 *     deleted id to the next account); the confirmation mail to its verified address, if any,
 *     is queued. Either all of it happens or none.
 *  2. Disabling ends every session of the account in the same transaction; a disabled account
 *     cannot sign in (login.c) and its sessions are refused (session.c).
 *  3. An account that nobody verified (no verified address, no identity linked) within
 *     CLOSURE_UNVERIFIED_TTLS × verify_ttl (7 days by default; never less than a day) of its
 *     creation is deleted by the janitor (closure_sweep_unverified) through the same one
 *     transaction as above, checked again under the account's lock; its username is released
 *     at once (it never belonged to a proven person), so a squatted address or name does not
 *     stay squatted. Its images are deleted first when it may have pushed any (it logged in
 *     to the registry or made an access token); when the registry does not answer, the
 *     account waits for a later round and the registry is not asked again for
 *     CLOSURE_REGISTRY_RETRY seconds (the janitor never waits on it more than once a round).
 *  4. When a deletion cannot empty the account's registry namespace, its username is held for
 *     good (the mail says so) until an operator releases it: daoid admin release-username. */
#ifndef DAOID_CLOSURE_H
#define DAOID_CLOSURE_H

#include <stdint.h>

struct arena;
struct st_conn;

#define CLOSURE_UNVERIFIED_TTLS 7     /* unverified accounts live this many verify_ttl */
#define CLOSURE_UNVERIFIED_MIN  86400 /* ... but at least this many seconds */
#define CLOSURE_SWEEP_BATCH     500   /* accounts swept per janitor round at most */
#define CLOSURE_REGISTRY_RETRY  300   /* the sweep leaves the registry alone after a failure */

/* A hold that does not end (9999-12-31, invariant 4): only an operator removes it. */
#define CLOSURE_HOLD_FOREVER INT64_C(253402300799)

enum closure_rc { CLOSE_OK, CLOSE_NOTFOUND, CLOSE_ERR };

/* Deletes the account (invariant 1). actor ("self" or "admin") goes into the audit line;
 * lang is the confirmation mail's language. */
enum closure_rc closure_delete(struct arena *a, int64_t account_id, const char *actor,
                               const char *ip, const char *lang);
/* Deletes at most CLOSURE_SWEEP_BATCH accounts that nobody verified in time (invariant 3),
 * each in its own transaction, on c (this thread's connection). How many, or -1. */
int64_t closure_sweep_unverified(struct st_conn *c, int64_t now);
/* Disables (disabled = 1) or enables the account (invariant 2); *sessions_ended (may be NULL)
 * gets how many sessions ended. */
enum closure_rc closure_set_status(int64_t account_id, int disabled, const char *ip,
                                   int64_t *sessions_ended);

#endif
