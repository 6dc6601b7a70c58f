/* invalidate: how a change to what a cached session holds (its sessions row, its account's
 * row, the account's grants and identities, whether it has a second factor: sessions_load's
 * join) reaches the session caches, on this node and on the others. The owners of those tables
 * (sessions.c, accounts.c, grants.c, identities.c, totp_secrets.c, passkeys.c) call
 * invalidate_account / invalidate_session / invalidate_all after every write that changes what
 * sessions_load returns; nothing else writes those tables. Across nodes, on PostgreSQL, the
 * tables' triggers (sql/013, 018, 020) NOTIFY channel daoid_session at commit and a listening
 * connection (pg_listen.c) delivers it, whoever wrote. On SQLite every
 * daoid process on the file (servers, daoid admin) shares sessgen's counters, which these calls
 * bump per account or session; a cache entry is current while its counters have not moved
 * (invalidate_stamp / invalidate_current: atomic loads, no query). Changes made by hand with
 * the sqlite3 shell bump nothing: they are seen when the cache's TTL runs out.
 *
 * A write inside a transaction is reported twice (to the subscriber and the counters): at once,
 * and again when the transaction ends (st_commit / st_rollback call invalidate_tx_end), so that
 * a reader that filled a cache from the old committed row in between does not keep it. This
 * holds in every process, subscribed or not (daoid admin reports too). */
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
/* For a process that has not opened the database at url (a DAOID_DATABASE value; daoid admin
 * sessions-changed, after SQL typed by hand): tells every daoid on it that anything cached may
 * have changed. SQLite: the bulk counter of its shared counters, bumped atomically as the
 * servers do (nothing when no daoid has made the counters file yet: nothing is cached then);
 * PostgreSQL: nothing, its triggers notified whoever wrote. 0, or -1 (the counters cannot be
 * opened). */
int invalidate_all_at(const char *url);

/* 1 while the other nodes' changes reach this one (SQLite: while the shared counters are
 * mapped; PostgreSQL: while the listening connection is up). A cache must not answer while 0. */
int invalidate_live(void);

/* What a cache entry was read under (SQLite: the shared counters of its account and session;
 * PostgreSQL: nothing, the notifications do it). */
struct invalidate_stamp {
    uint64_t all, account, session;
};
/* Before reading the store for an entry: the count of changes so far (PostgreSQL: 0). */
uint64_t invalidate_mark(void);
/* After reading it: the entry's stamp in *out, and 1 when nothing changed since mark (else
 * the entry must not be cached). */
int invalidate_stamp(uint64_t mark, int64_t account, const char *id_hash,
                     struct invalidate_stamp *out);
/* 1 while what an entry stamped *s holds has not changed since (a few atomic loads). */
int invalidate_current(const struct invalidate_stamp *s, int64_t account, const char *id_hash);

/* The payloads on channel daoid_session: "a:<account id>", "s:<id_hash>", "*". Parses one
 * and reports it to the subscriber (exposed for tests). */
void invalidate_note(const char *payload);

#endif
