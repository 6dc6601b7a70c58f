/* store_be: what a storage backend implements (OpenSMTPD table_backend style). Only store.c
 * and the backends include this. */
#ifndef DAOID_STORE_BE_H
#define DAOID_STORE_BE_H

#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "store_types.h"

struct st_conn {
    const struct st_backend *be;
    int64_t changes;
    int broken;  /* set by a backend when the connection must be reopened */
    int nospace; /* set by a backend when a write failed for lack of space (store.c reads it) */
    int in_tx;   /* between st_begin and st_commit/st_rollback (store.c) */
};

struct st_stmt {
    struct st_conn *conn;
    int64_t t0_us; /* store.c: when st_prepare handed it out, and the last step's result */
    int last_rc;   /* (metrics: statements by result and latency, counted at st_done) */
};

struct st_backend {
    const char *name;
    /* 1 when this backend serves url */
    int (*accepts)(const char *url);
    struct st_conn *(*open)(const char *url, char *err, size_t errlen);
    void (*close)(struct st_conn *c);
    /* runs a script of ;-separated statements without parameters */
    enum st_rc (*exec_script)(struct st_conn *c, const char *sql);
    enum st_rc (*begin)(struct st_conn *c);
    enum st_rc (*commit)(struct st_conn *c);
    void (*rollback)(struct st_conn *c);
    /* sql (the catalogue's text for slot q, 0 ≤ q < Q_COUNT) prepared and kept in the
     * connection's slot, or prepared for this one use while the slot's statement is running
     * (or slot < 0: the test suites' own SQL, tests/unit/testlib.h) */
    struct st_stmt *(*prepare)(struct st_conn *c, int slot, const char *sql);
    void (*bind_int)(struct st_stmt *s, int i, int64_t v);
    void (*bind_text)(struct st_stmt *s, int i, const char *v);
    enum st_rc (*step)(struct st_stmt *s);
    int64_t (*col_int)(struct st_stmt *s, int i);
    const char *(*col_text)(struct st_stmt *s, int i);
    void (*done)(struct st_stmt *s);
    /* which catalogue texts it runs: 0 the shared/SQLite ones, 1 the PostgreSQL overrides */
    int pg;
    /* dialect of the migrations (the files under sql/): NULL-terminated pairs {"{{NAME}}",
     * "replacement"} (statements have their per-backend texts in the catalogue instead) */
    const char *const *macros;
    /* run first inside each migration transaction so nodes migrate one at a time (or NULL) */
    const char *migrate_lock;
    /* refreshes the planner's statistics, cheaply (or NULL: the server does it by itself) */
    enum st_rc (*optimize)(struct st_conn *c);
    /* store_listen / store_unlisten (or NULL: one node, no notes; see store.h) */
    int (*listen)(const char *url, void (*note)(const char *payload), void (*state)(int up));
    void (*unlisten)(void);
};

extern const struct st_backend st_sqlite_backend;
extern const struct st_backend st_pg_backend;

#endif
