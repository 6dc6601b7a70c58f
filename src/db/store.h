/* store: the database facade the table owners (src/db/<table>.c) use. Statements are named
 * by id from the catalogue (catalog.h); a backend (store_sqlite.c, store_pg.c) runs them.
 * Domain code holds transactions (st_begin/st_commit/st_rollback) and calls the owners.
 *
 * Connections: each thread has its own, opened on first use by st_get() and closed when the
 * thread ends. A connection that fails is dropped and reopened on the next st_get(), so the
 * service recovers by itself when the database comes back.
 *
 * Invariants:
 *  1. A statement from st_prepare() is finished with st_done() before its connection is used
 *     for anything else by the caller (the convenience calls do this themselves).
 *  2. Every write that must be atomic with another runs between st_begin() and st_commit();
 *     st_begin() takes the write lock at once (SQLite BEGIN IMMEDIATE) so two writers never
 *     deadlock upgrading a read lock.
 *  3. Text returned by st_col_text() lives until the next st_step()/st_done() on that
 *     statement; st_row() and st_list() copy into the caller's arena. */
#ifndef DAOID_STORE_H
#define DAOID_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "catalog.h"

#include "store_types.h"

struct arena;

/* Selects the backend for url ("sqlite:PATH", "postgres://…") and checks it opens.
 * Returns 0, or -1 with a message in err. */
int store_init(const char *url, char *err, size_t errlen);
void store_shutdown(void);
/* Applies pending migrations (sql/NNN_*.sql) in order, each in its own transaction.
 * Returns the schema version reached, or -1. */
int store_migrate(void);
/* Highest migration shipped in this binary. */
int store_schema_version(void);
/* Highest migration applied to the database (/readyz), or -1 when it cannot be read. */
int store_schema_applied(void);
/* For /readyz: NULL when the database answers and takes writes, else why not ("database
 * unavailable", or "disk full" from the moment a write failed for lack of space — SQLite's
 * SQLITE_FULL, PostgreSQL's 53100 — until a write succeeds again: the small write (a row inserted
 * and deleted in one transaction) this call tries while the state lasts). */
const char *store_unready(void);
/* Refreshes the query planner's statistics on this thread's connection (SQLite: PRAGMA
 * optimize, with ANALYZE bounded to a sample on a database that has none yet; PostgreSQL:
 * nothing, autovacuum analyses by itself). 0 or -1. The janitor calls it at start and daily. */
int store_optimize(void);
/* SQLite only (daoid backup / restore; need no store_init). backup: a consistent copy of the
 * database at url written to file (through file.partial, renamed when complete) while other
 * processes serve it. restore: file (checked: a daoid database, quick_check ok) copied over the
 * database at url, refused while a server holds it. lock: the lock a server holds (serving: a
 * shared one, else exclusive); a descriptor to keep open, -2 when another process holds it, -1
 * on error or for PostgreSQL. 0 or -1 with a message in err. */
int store_sqlite_backup(const char *url, const char *file, char *err, size_t errlen);
int store_sqlite_restore(const char *url, const char *file, char *err, size_t errlen);
int store_sqlite_lock(const char *url, int serving);
/* Name of the backend in use ("sqlite" or "postgres"). */
const char *store_backend(void);
/* PostgreSQL: a connection of its own LISTENs on channel daoid_session (pg_listen.c), calls
 * note(payload) for each notification and state(1) once listening, state(0) when the connection
 * is lost (then it reconnects with backoff). 0 started, -1 not (SQLite: nothing to listen to). */
int store_listen(void (*note)(const char *payload), void (*state)(int up));
void store_unlisten(void);

/* This thread's connection, opened on demand; NULL when the database cannot be reached
 * (logged, and retried on the next call). Owned by the thread: never close or share it. */
struct st_conn *st_get(void);
/* Drops this thread's connection (after a fatal error, or before the thread exits). */
void st_drop(void);

enum st_rc st_begin(struct st_conn *c);
/* 1 between st_begin and st_commit / st_rollback. */
int st_in_transaction(const struct st_conn *c);
/* fn(c) is called after every commit and rollback (invalidate.c's; NULL: none). */
void store_on_tx_end(void (*fn)(struct st_conn *c));
enum st_rc st_commit(struct st_conn *c);
void st_rollback(struct st_conn *c);

/* The catalogue's statement q (1-based binds, 0-based columns), prepared once per connection
 * and kept in the connection's slot for q. NULL on error. */
struct st_stmt *st_prepare(struct st_conn *c, enum q_id q);
void st_bind_int(struct st_stmt *s, int i, int64_t v);
void st_bind_text(struct st_stmt *s, int i, const char *v); /* NULL binds NULL */
enum st_rc st_step(struct st_stmt *s);
int64_t st_col_int(struct st_stmt *s, int i);
const char *st_col_text(struct st_stmt *s, int i); /* NULL for SQL NULL */
void st_done(struct st_stmt *s);
/* Rows changed by the last statement that finished on c. */
int64_t st_changes(struct st_conn *c);

/* Typed parameters and results for st_run/st_row: ST_INT(x), ST_TEXT(s) (NULL binds NULL);
 * ST_OUT_INT(&i64), ST_OUT_TEXT(&str) (copied into the arena, NULL for SQL NULL). The compiler
 * checks each value against its kind. ST_IN(...)/ST_OUT(...) pass an array and its length. */
struct st_val {
    int text;
    int64_t i;
    const char *s;
};
struct st_out {
    int64_t *i;
    char **s;
};
#define ST_INT(v)                                                                                  \
    {                                                                                              \
        .text = 0, .i = (v)                                                                        \
    }
#define ST_TEXT(v)                                                                                 \
    {                                                                                              \
        .text = 1, .s = (v)                                                                        \
    }
#define ST_OUT_INT(p)                                                                              \
    {                                                                                              \
        .i = (p)                                                                                   \
    }
#define ST_OUT_TEXT(p)                                                                             \
    {                                                                                              \
        .s = (p)                                                                                   \
    }
#define ST_IN(...)                                                                                 \
    (const struct st_val[]){__VA_ARGS__},                                                          \
        (int)(sizeof((const struct st_val[]){__VA_ARGS__}) / sizeof(struct st_val))
#define ST_OUT(...)                                                                                \
    (const struct st_out[]){__VA_ARGS__},                                                          \
        (int)(sizeof((const struct st_out[]){__VA_ARGS__}) / sizeof(struct st_out))
#define ST_NONE NULL, 0

/* Runs q with the parameters in, ignoring rows. ST_OK, ST_CONFLICT, ST_BUSY or ST_ERR. */
enum st_rc st_run(struct st_conn *c, enum q_id q, const struct st_val *in, int nin);
/* Runs q and reads its first row into out (the rest are stepped over, so writes with
 * RETURNING finish). ST_OK, ST_NOTFOUND, ST_CONFLICT, ST_BUSY or ST_ERR. */
enum st_rc st_row(struct st_conn *c, struct arena *a, enum q_id q, const struct st_val *in, int nin,
                  const struct st_out *out, int nout);
/* The first column of q's first row as an integer (COUNT(*) and the like); -1 on error. */
int64_t st_count(struct st_conn *c, enum q_id q, const struct st_val *in, int nin);
/* Rows changed by q (st_run then st_changes); -1 on error. */
int64_t st_change(struct st_conn *c, enum q_id q, const struct st_val *in, int nin);
/* Where st_list puts column i of a row: an int64_t or a char * (copied into the arena) at
 * offset off of the row struct. ST_COL_INT(struct x, field), ST_COL_TEXT(struct x, field). */
struct st_col {
    size_t off;
    int text;
};
#define ST_COL_INT(type, field)                                                                    \
    {                                                                                              \
        offsetof(type, field), 0                                                                   \
    }
#define ST_COL_TEXT(type, field)                                                                   \
    {                                                                                              \
        offsetof(type, field), 1                                                                   \
    }
/* Runs q and reads at most max rows into out[] (rows of size bytes; column i per cols[i]).
 * The number of rows read, or -1. */
int st_list(struct st_conn *c, struct arena *a, enum q_id q, const struct st_val *in, int nin,
            const struct st_col *cols, int ncols, void *out, size_t size, int max);
/* Runs q and calls row(s, arg) on each row until it returns non-zero (then the rest are left
 * unread). ST_OK, or an error. */
enum st_rc st_each(struct st_conn *c, enum q_id q, const struct st_val *in, int nin,
                   int (*row)(struct st_stmt *s, void *arg), void *arg);

#endif
