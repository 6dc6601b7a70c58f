/* invalidate: how a change to what a cached session holds (its sessions row, its account's
 * row, the account's grants: sessions_load's join) reaches the session caches, on this node
 * and on the others. The owners of those tables (sessions.c, accounts.c, grants.c) call
 * invalidate_account / invalidate_session / invalidate_all after every write that changes
 * what sessions_load returns; nothing else writes those tables. Across processes and nodes,
 * writers are seen without any call: on PostgreSQL the tables' triggers (sql/013) NOTIFY
 * channel daoid_session at commit and a listening connection (pg_listen.c) delivers it; on
 * SQLite the same triggers count changes in session_gen, which the reader compares
 * (invalidate_generation).
 *
 * A write inside a transaction is reported twice to the subscriber: at once, and again when
 * the transaction ends (st_commit / st_rollback call invalidate_tx_end), so that a reader that
 * filled a cache from the old committed row in between does not keep it. */
#ifndef DAOID_INVALIDATE_H
#define DAOID_INVALIDATE_H

#include <stdint.h>

struct st_conn;

/* What changed: the sessions of account (> 0), the session id_hash (non-NULL), or everything
 * (account 0 and id_hash NULL). Called on any thread, also the listener's. */
typedef void (*invalidate_fn)(int64_t account, const char *id_hash);

/* Sets the one subscriber (NULL: none) and, on PostgreSQL, starts listening for the other
 * nodes' changes (pg_listen.c). Before it the calls below only cost a branch. */
void invalidate_subscribe(invalidate_fn fn);
/* Stops listening (at shutdown). */
void invalidate_unsubscribe(void);

void invalidate_account(struct st_conn *c, int64_t account);
void invalidate_session(struct st_conn *c, const char *id_hash);
void invalidate_all(struct st_conn *c);
/* When c's transaction commits or rolls back (store_on_tx_end, set by invalidate_subscribe). */
void invalidate_tx_end(struct st_conn *c);

/* 1 while the other nodes' changes reach this one (SQLite: always, by session_gen;
 * PostgreSQL: while the listening connection is up). A cache must not answer while 0. */
int invalidate_live(void);
/* SQLite: the count of changes to what a cached session holds, by anyone (sql/013's
 * triggers); PostgreSQL: 0. -1 on error. */
int64_t invalidate_generation(struct st_conn *c);

/* The payloads on channel daoid_session: "a:<account id>", "s:<id_hash>", "*". Parses one
 * and reports it to the subscriber (exposed for tests). */
void invalidate_note(const char *payload);

#endif
