/* sessgen: the session-change counters that every daoid process on one SQLite database shares,
 * so that a cached session is checked at memory speed and per account (invalidate.h is the only
 * user). A file next to the database (DB + "-sessgen", mode 0600) mapped shared: a counter of
 * all changes, a counter of bulk changes (everything), and SESSGEN_SLOTS counters indexed by a
 * hash of an account id or of a session's id_hash, each 64-bit and changed with atomic adds. A
 * writer bumps after it commits (the total first, then its slot); a reader takes the total
 * before reading the store and the slots after (sessgen_stamp), and an entry is current while
 * its slots still hold what they held then. Two accounts sharing a slot only cost a miss.
 * Writers that do not go through daoid (the sqlite3 shell) bump nothing: what they change is
 * seen when the cache's TTL runs out (session_cache.h). The mapping lives until sessgen_close;
 * ":memory:" (one process) gets a private anonymous one. Thread-safe after sessgen_open. */
#ifndef DAOID_SESSGEN_H
#define DAOID_SESSGEN_H

#include <stdint.h>

#define SESSGEN_SLOTS 8192 /* power of 2 */

/* What an entry was read under (sessgen_stamp). */
struct sessgen_stamp {
    uint64_t all, account, session;
};

/* Maps the counters of the SQLite database at path (store_init): 0, or -1 (then
 * sessgen_ready is 0 and the bumps do nothing). Replaces an earlier mapping. */
int sessgen_open(const char *path);
void sessgen_close(void);
int sessgen_ready(void);

/* After a commit that changed account's sessions (> 0), the session id_hash, or anything. */
void sessgen_bump_account(int64_t account);
void sessgen_bump_session(const char *id_hash);
void sessgen_bump_all(void);
/* Once, without a mapping of one's own (daoid restore: the file is replaced under the
 * counters; daoid admin sessions-changed): bumps the bulk counter of the database at path, with
 * the same atomic adds as the servers' bumps. A missing counters file is left missing: no
 * daoid has opened the database, so none caches anything of it. 0, or -1. */
int sessgen_bump_all_at(const char *path);

/* The count of all changes so far (before reading the store). */
uint64_t sessgen_changes(void);
/* The counters for an entry of account and id_hash in *out: 1 when no change at all was counted
 * since mark (sessgen_changes before the store was read), so *out describes what was read; 0
 * when something changed meanwhile (do not cache) or there are no counters. */
int sessgen_stamp(uint64_t mark, int64_t account, const char *id_hash, struct sessgen_stamp *out);
/* 1 while nothing an entry stamped *s holds has changed since. */
int sessgen_current(const struct sessgen_stamp *s, int64_t account, const char *id_hash);

#endif
