/* session_cache: this node's copy of live sessions, as session_load returns them, so that checking
 * a session is a memory lookup. session.c is its only user: it stores each session as one block
 * (struct session whole, then its text: session.c's pack/unpack), which the cache keeps by the
 * session's id_hash and account without knowing what is in it, so new fields come along.
 *
 * Staleness: every writer of what an entry holds reports it (invalidate.h): in-process at once
 * and again at commit; other nodes' changes through PostgreSQL's notifications, other processes'
 * on one SQLite file through the shared counters each entry is stamped with (per account and
 * session: a sign-in of one account leaves the others' entries alone), checked on every hit
 * with atomic loads, no query. While the notifications are not arriving (live 0: the listening
 * connection is down or not yet up; SQLite: the counters file could not be mapped) the cache is
 * bypassed: neither read nor filled, so a lost connection costs speed, never a revoked session
 * honoured. Every entry is also re-read after SESSION_CACHE_TTL seconds, which bounds what a
 * silently broken connection could hide until the listener's probe notices (pg_listen.h), and
 * what SQL typed by hand into the SQLite file (which bumps no counter) could. At most
 * SESSION_CACHE_MAX entries: a full cache starts over. Each answer is counted in
 * daoid_session_cache_total{result="hit"|"miss"|"bypass"}. Thread-safe (one mutex). */
#ifndef DAOID_SESSION_CACHE_H
#define DAOID_SESSION_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct arena;

#define SESSION_CACHE_TTL 10
#define SESSION_CACHE_MAX 16384

/* What a lookup may use, taken before it (and before reading the store on a miss, so that a
 * change reported meanwhile keeps the old row out). */
struct session_cache_ticket {
    uint64_t seq;  /* invalidations so far */
    uint64_t mark; /* invalidate_mark */
    int usable;
};

/* Subscribes to invalidate.h (once; PostgreSQL: starts listening). At start (main.c), and
 * by session_load on first use. */
void session_cache_init(void);
/* Stops listening and empties the cache (at exit). */
void session_cache_shutdown(void);
/* Before a lookup: live is whether other nodes' and processes' changes arrive
 * (invalidate_live). */
void session_cache_begin(int live, struct session_cache_ticket *t);
/* A copy of the block cached for id_hash in a (*block, *len), its *expires_at and *last_seen, when
 * it is there and younger than the TTL at now: 1; 0 when not. */
int session_cache_get(const struct session_cache_ticket *t, struct arena *a, const char *id_hash,
                      int64_t now, void **block, size_t *len, int64_t *expires_at,
                      int64_t *last_seen);
/* Caches a copy of block (len bytes) for the session id_hash of account, as read from the store
 * under t, unless something was invalidated since t was taken. */
void session_cache_put(const struct session_cache_ticket *t, const char *id_hash, int64_t account,
                       const void *block, size_t len, int64_t expires_at, int64_t last_seen,
                       int64_t now);
/* The session's last_seen was written (sessions_touch). */
void session_cache_touched(const char *id_hash, int64_t last_seen);
/* Drops account's sessions (account > 0), the session id_hash (non-NULL), or everything. */
void session_cache_forget(int64_t account, const char *id_hash);
/* How many entries are cached (tests). */
int session_cache_count(void);

#endif
