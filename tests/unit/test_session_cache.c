/* Unit tests of session_cache.c (the table: hits, copies, forgetting by session, by account and
 * all, the ticket that keeps a row read before an invalidation out, the TTL, bypass while not
 * live) and of its use by session_load on SQLite: a cached session is dropped by the owners'
 * writes in this process and in another one (a child process with a connection and a mapping of
 * the shared counters of its own, as daoid admin), only for the account written to; SQL typed
 * by hand is seen within the TTL. */
#include <sqlite3.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "accounts.h"
#include "arena.h"
#include "identities.h"
#include "invalidate.h"
#include "session.h"
#include "session_cache.h"
#include "sessions.h"
#include "token.h"

#include "testlib.h"

#define H1 "1111111111111111111111111111111111111111111111111111111111111111"
#define H2 "2222222222222222222222222222222222222222222222222222222222222222"
#define H3 "3333333333333333333333333333333333333333333333333333333333333333"

static int cached(const char *hash, int64_t now)
{
    struct session_cache_ticket t;
    session_cache_begin(1, &t);
    struct arena *a = arena_new();
    void *b;
    size_t n;
    int64_t e, l;
    int hit = session_cache_get(&t, a, hash, now, &b, &n, &e, &l);
    arena_free(a);
    return hit;
}

static void put(const char *hash, int64_t account, int64_t now)
{
    struct session_cache_ticket t;
    session_cache_begin(1, &t);
    session_cache_put(&t, hash, account, "block", 6, now + 100, now, now);
}

static void clean(void)
{
    session_cache_forget(0, NULL);
}

TestSuite(session_cache, .init = clean, .fini = clean);

Test(session_cache, hit_copies_the_block)
{
    put(H1, 5, 1000);
    struct session_cache_ticket t;
    session_cache_begin(1, &t);
    struct arena *a = arena_new();
    void *b;
    size_t n;
    int64_t e, l;
    cr_assert_eq(session_cache_get(&t, a, H1, 1001, &b, &n, &e, &l), 1);
    cr_assert_eq(n, 6);
    cr_assert_str_eq(b, "block");
    cr_assert_eq(e, 1100);
    cr_assert_eq(l, 1000);
    arena_free(a);
    cr_assert_eq(cached(H2, 1001), 0);
    session_cache_touched(H1, 1060);
    a = arena_new();
    cr_assert_eq(session_cache_get(&t, a, H1, 1001, &b, &n, &e, &l), 1);
    cr_assert_eq(l, 1060, "a touch moves the cached last_seen");
    arena_free(a);
}

Test(session_cache, forget_one_account_or_all)
{
    put(H1, 5, 1000);
    put(H2, 5, 1000);
    put(H3, 6, 1000);
    cr_assert_eq(session_cache_count(), 3);
    session_cache_forget(0, H1);
    cr_assert_eq(cached(H1, 1000), 0);
    cr_assert_eq(cached(H2, 1000), 1);
    put(H1, 5, 1000);
    session_cache_forget(5, NULL);
    cr_assert_eq(cached(H1, 1000), 0);
    cr_assert_eq(cached(H2, 1000), 0);
    cr_assert_eq(cached(H3, 1000), 1);
    session_cache_forget(0, NULL);
    cr_assert_eq(cached(H3, 1000), 0);
    cr_assert_eq(session_cache_count(), 0);
}

Test(session_cache, a_row_read_before_an_invalidation_is_not_kept)
{
    struct session_cache_ticket t;
    session_cache_begin(1, &t);
    session_cache_forget(5, NULL); /* reported while the row was being read */
    session_cache_put(&t, H1, 5, "block", 6, 2000, 1000, 1000);
    cr_assert_eq(cached(H1, 1000), 0);
}

Test(session_cache, ttl_and_not_live)
{
    put(H1, 5, 1000);
    cr_assert_eq(cached(H1, 1000 + SESSION_CACHE_TTL - 1), 1);
    cr_assert_eq(cached(H1, 1000 + SESSION_CACHE_TTL), 0);
    put(H1, 5, 1000);
    struct session_cache_ticket t;
    session_cache_begin(0, &t); /* notifications not arriving: bypassed */
    struct arena *a = arena_new();
    void *b;
    size_t n;
    int64_t e, l;
    cr_assert_eq(session_cache_get(&t, a, H1, 1000, &b, &n, &e, &l), 0);
    session_cache_put(&t, H2, 5, "block", 6, 2000, 1000, 1000);
    cr_assert_eq(cached(H2, 1000), 0);
    arena_free(a);
}

/* ---- session_load on SQLite ---- */

static void store_setup(void)
{
    tl_setup_with(TL_STORE, NULL);
    session_cache_forget(0, NULL);
}

static void store_teardown(void)
{
    tl_teardown();
}

TestSuite(session_cache_store, .init = store_setup, .fini = store_teardown);

static int64_t new_account(const char *name)
{
    int64_t id = 0;
    cr_assert_eq(accounts_insert(tl_conn(), name, NULL, NULL, 0, "$argon2id$x", time(NULL), &id),
                 ST_OK);
    return id;
}

/* 1 when tok's session loads (and the load came from the cache when from_cache) */
static int loads(const char *tok)
{
    struct arena *a = arena_new();
    struct session *s = NULL;
    cr_assert_eq(session_load(a, tok, &s), 0);
    int ok = s != NULL;
    arena_free(a);
    return ok;
}

static void signed_in(int64_t id, char tok[TOKEN_LEN + 1])
{
    cr_assert_eq(session_create(id, "127.0.0.1", "t", "pwd", tok), 0);
    cr_assert_eq(loads(tok), 1);
    cr_assert_eq(session_cache_count(), 1, "the session was cached");
}

Test(session_cache_store, owners_writes_reach_the_cache)
{
    int64_t id = new_account("ann");
    char tok[TOKEN_LEN + 1];
    signed_in(id, tok);
    cr_assert_eq(accounts_set_status(tl_conn(), id, 1, time(NULL)), 0);
    cr_assert_eq(loads(tok), 0, "a disabled account's session is refused at once");
    cr_assert_eq(accounts_set_status(tl_conn(), id, 0, time(NULL)), 0);
    signed_in(id, tok);
    session_end(tok);
    cr_assert_eq(loads(tok), 0, "signed out");
    signed_in(id, tok);
    cr_assert_eq(sessions_end_all(tl_conn(), id), 1);
    cr_assert_eq(loads(tok), 0, "every session ended");
}

Test(session_cache_store, a_write_in_a_transaction_is_reported_at_commit_too)
{
    int64_t id = new_account("bob");
    char tok[TOKEN_LEN + 1];
    signed_in(id, tok);
    struct st_conn *c = tl_conn();
    cr_assert_eq(st_begin(c), ST_OK);
    cr_assert_eq(accounts_set_status(c, id, 1, time(NULL)), 0);
    /* a reader on another connection would refill from the old row here */
    struct session_cache_ticket t;
    session_cache_begin(1, &t);
    char h[TOKEN_HASH_LEN + 1];
    token_hash(tok, h);
    session_cache_put(&t, h, id, "old row", 8, time(NULL) + 100, time(NULL), time(NULL));
    cr_assert_eq(session_cache_count(), 1);
    cr_assert_eq(st_commit(c), ST_OK);
    cr_assert_eq(session_cache_count(), 0, "the commit dropped the refilled row");
    cr_assert_eq(loads(tok), 0);
}

/* Runs the account status change in a child process (its own connection and counters mapping,
 * as `daoid admin disable` would) and waits for it. */
static void status_elsewhere(int64_t id, int status)
{
    pid_t p = fork();
    cr_assert_neq(p, -1);
    if (p == 0) {
        char err[256];
        int ok = store_init(cfg->database, err, sizeof(err)) == 0 &&
                 accounts_set_status(st_get(), id, status, time(NULL)) == 0;
        _exit(ok ? 0 : 1);
    }
    int ws = 0;
    cr_assert_eq(waitpid(p, &ws, 0), p);
    cr_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "the other process wrote");
}

Test(session_cache_store, another_process_reaches_only_the_account_it_wrote)
{
    int64_t ann = new_account("ann"), bob = new_account("bob");
    char tok[TOKEN_LEN + 1], h[TOKEN_HASH_LEN + 1];
    signed_in(ann, tok);
    token_hash(tok, h);
    status_elsewhere(bob, 1);
    cr_assert_eq(cached(h, time(NULL)), 1, "a write to another account leaves ann's entry");
    status_elsewhere(ann, 1);
    cr_assert_eq(cached(h, time(NULL)), 0, "a write to ann's account by another process");
    cr_assert_eq(loads(tok), 0, "is seen on the next check");
}

Test(session_cache_store, sql_by_hand_is_seen_within_the_ttl)
{
    int64_t id = new_account("cat");
    char tok[TOKEN_LEN + 1], h[TOKEN_HASH_LEN + 1];
    signed_in(id, tok);
    token_hash(tok, h);
    sqlite3 *db;
    cr_assert_eq(sqlite3_open(cfg->database + 7, &db), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(db, "UPDATE sessions SET auth_at = 0", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    cr_assert_eq(cached(h, time(NULL) + SESSION_CACHE_TTL), 0, "gone when the TTL ran out");
    struct arena *a = arena_new();
    struct session *s = NULL;
    cr_assert_eq(session_load(a, tok, &s), 0);
    cr_assert_not_null(s);
    cr_assert_eq(s->auth_at, 0, "another process's change was read");
    cr_assert_str_eq(s->username, "cat", "the text comes back whole");
    cr_assert_str_eq(s->amr, "pwd");
    cr_assert_null(s->email);
    arena_free(a);
    a = arena_new();
    cr_assert_eq(session_load(a, tok, &s), 0);
    cr_assert_not_null(s);
    cr_assert_str_eq(s->username, "cat", "from the cache too");
    cr_assert_str_eq(s->amr, "pwd");
    cr_assert_null(s->email);
    arena_free(a);
}

/* the account's identities come with its cached session (GET /api/v1/me): binding one and
 * unbinding it reach the cache */
static const char *cached_identities(const char *tok)
{
    static char copy[256];
    struct arena *a = arena_new();
    struct session *s = NULL;
    cr_assert_eq(session_load(a, tok, &s), 0);
    cr_assert_not_null(s);
    snprintf(copy, sizeof(copy), "%s", s->identities);
    arena_free(a);
    return copy;
}

Test(session_cache_store, identities_bound_and_unbound_reach_the_cache)
{
    int64_t id = new_account("dan");
    char tok[TOKEN_LEN + 1];
    signed_in(id, tok);
    cr_assert_str_eq(cached_identities(tok), "[]");
    cr_assert_eq(identities_insert(tl_conn(), id, "github", "42", "dan-gh", NULL, NULL, 1000),
                 ST_OK);
    cr_assert_str_eq(cached_identities(tok),
                     "[{\"provider\":\"github\",\"login\":\"dan-gh\",\"linked_at\":1000}]");
    cr_assert_eq(identities_delete(tl_conn(), id, "github"), 0);
    cr_assert_str_eq(cached_identities(tok), "[]");
}
