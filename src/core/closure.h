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
 *     cannot sign in (login.c) and its sessions are refused (session.c). */
#ifndef DAOID_CLOSURE_H
#define DAOID_CLOSURE_H

#include <stdint.h>

struct arena;

enum closure_rc { CLOSE_OK, CLOSE_NOTFOUND, CLOSE_ERR };

/* Deletes the account (invariant 1). actor ("self" or "admin") goes into the audit line;
 * lang is the confirmation mail's language. */
enum closure_rc closure_delete(struct arena *a, int64_t account_id, const char *actor,
                               const char *ip, const char *lang);
/* Disables (disabled = 1) or enables the account (invariant 2); *sessions_ended (may be NULL)
 * gets how many sessions ended. */
enum closure_rc closure_set_status(int64_t account_id, int disabled, const char *ip,
                                   int64_t *sessions_ended);

#endif
