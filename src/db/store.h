/* store: the database facade every domain file uses. SQL is written once, with `?`
 * placeholders and the dialect both backends share (ON CONFLICT, RETURNING, integer Unix
 * times, TEXT hex for hashes); a backend (store_sqlite.c, later store_pg.c) runs it.
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
 *     statement; st_one() copies into the caller's arena. */
#ifndef DAOID_STORE_H
#define DAOID_STORE_H

#include <stddef.h>
#include <stdint.h>

struct arena;
struct st_conn;
struct st_stmt;

enum st_rc {
    ST_OK = 0,
    ST_ROW,      /* st_step: a row is ready */
    ST_DONE,     /* st_step: no more rows */
    ST_NOTFOUND, /* st_one: no row */
    ST_CONFLICT, /* a unique or foreign-key constraint refused the write */
    ST_BUSY,     /* locked past the busy timeout, or the database is unreachable */
    ST_ERR,      /* anything else; already logged */
};

/* Selects the backend for url ("sqlite:PATH", "postgres://…") and checks it opens.
 * Returns 0, or -1 with a message in err. */
int store_init(const char *url, char *err, size_t errlen);
void store_shutdown(void);
/* Applies pending migrations (sql/NNN_*.sql) in order, each in its own transaction.
 * Returns the schema version reached, or -1. */
int store_migrate(void);
/* Highest migration shipped in this binary. */
int store_schema_version(void);
/* 1 when a trivial query succeeds (for /readyz). */
int store_ready(void);
/* Name of the backend in use ("sqlite" or "postgres"). */
const char *store_backend(void);

/* This thread's connection, opened on demand; NULL when the database cannot be reached
 * (logged, and retried on the next call). Owned by the thread: never close or share it. */
struct st_conn *st_get(void);
/* Drops this thread's connection (after a fatal error, or before the thread exits). */
void st_drop(void);

enum st_rc st_begin(struct st_conn *c);
enum st_rc st_commit(struct st_conn *c);
void st_rollback(struct st_conn *c);

/* Statement with `?` placeholders (1-based binds, 0-based columns). NULL on error.
 * Statements are cached per connection by the address of sql: pass string literals. */
struct st_stmt *st_prepare(struct st_conn *c, const char *sql);
void st_bind_int(struct st_stmt *s, int i, int64_t v);
void st_bind_text(struct st_stmt *s, int i, const char *v); /* NULL binds NULL */
enum st_rc st_step(struct st_stmt *s);
int64_t st_col_int(struct st_stmt *s, int i);
const char *st_col_text(struct st_stmt *s, int i); /* NULL for SQL NULL */
void st_done(struct st_stmt *s);
/* Rows changed by the last statement that finished on c. */
int64_t st_changes(struct st_conn *c);

/* Runs sql with binds described by in ('i' int64_t, 's' const char *), ignoring rows.
 * ST_OK, ST_CONFLICT, ST_BUSY or ST_ERR. */
enum st_rc st_exec(struct st_conn *c, const char *sql, const char *in, ...);
/* Runs sql and reads its first row into the pointers described by out ('i' int64_t *,
 * 's' char ** copied into a, NULL for SQL NULL), after the binds described by in.
 * ST_OK, ST_NOTFOUND, ST_CONFLICT, ST_BUSY or ST_ERR. */
enum st_rc st_one(struct st_conn *c, struct arena *a, const char *sql, const char *in,
                  const char *out, ...);

/* A value kept in the settings table, created with make() when absent (race-free across
 * nodes: the first writer wins, everyone reads the winner). Returns a malloc'd string. */
char *store_setting_get_or_create(const char *name, char *(*make)(void));

#endif
