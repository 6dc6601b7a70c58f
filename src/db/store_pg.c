/* store_pg: the PostgreSQL backend (libpq), for several daoid nodes on one database.
 *
 * Each thread has its own connection (so the pool is bounded by the thread count: HTTP
 * workers + the mail sender + the janitor). Parameters are always typed and bound, never
 * spliced into SQL. By default each statement is prepared once per connection — parsing and
 * planning were most of the database's time for the session lookup — under a name made of a
 * random per-connection prefix and its catalogue id, so that no two of our connections (nor
 * two nodes sharing a pooler's server connection) ever use one name for different SQL; a slot
 * is run by name only with the parameter types it was prepared with. With db_prepared_statements =
 * 0, or once a prepared statement turns out to have vanished (PgBouncer in transaction mode moves
 * us between server connections), the connection uses unnamed statements only, which keep no state
 * beyond a transaction. Every round trip waits at most db_busy_timeout_ms: past it the query is
 * cancelled and the connection dropped (reopened on the next st_get), so a database that hangs or
 * disappears costs a request one timeout, never a stuck thread. SQL arrives with `?` placeholders
 * and is rewritten to $1…$n once per connection and catalogue id (the test suites' own SQL,
 * without a slot: at each call, and run unnamed). */
#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "config.h"
#include "log.h"
#include "pg_listen.h"
#include "store_be.h"

#define PG_MAX_PARAMS 16
#define OID_INT8      20
#define OID_TEXT      25

struct pg_conn {
    struct st_conn base;
    PGconn *pg;
    char *sqls[Q_COUNT];   /* by catalogue id: the rewritten SQL, NULL until first used */
    int prepared[Q_COUNT]; /* the server has this slot's statement under its name */
    int nparams[Q_COUNT];  /* … prepared with these parameter types */
    Oid types[Q_COUNT][PG_MAX_PARAMS];
    int named;       /* use prepared statements */
    char prefix[24]; /* "d" + 16 random hex digits: this connection's statement names */
};

struct pg_stmt {
    struct st_stmt base;
    const char *sql;
    char *owned; /* rewritten SQL of a statement without a slot */
    int slot;    /* its catalogue id, -1 for the test suites' SQL */
    int nparams;
    Oid types[PG_MAX_PARAMS];
    char *vals[PG_MAX_PARAMS];
    PGresult *res;
    int row, nrows, executed;
};

static int pg_accepts(const char *url)
{
    return !strncmp(url, "postgres://", 11) || !strncmp(url, "postgresql://", 13) ||
           (strchr(url, '=') && strncmp(url, "sqlite:", 7));
}

static int timeout_ms(void)
{
    return (int)(cfg->db_busy_timeout_ms > 0 ? cfg->db_busy_timeout_ms : 5000);
}

/* NOTICEs ("relation already exists, skipping") are not worth a log line; warnings are. */
static void pg_notice(void *arg, const char *msg)
{
    (void)arg;
    if (strncmp(msg, "NOTICE", 6) && strncmp(msg, "DEBUG", 5) && strncmp(msg, "INFO", 4))
        log_warnx("store: postgres says: %.200s", msg);
}

static struct st_conn *pg_open(const char *url, char *err, size_t errlen)
{
    char ct[16];
    snprintf(ct, sizeof(ct), "%d", timeout_ms() / 1000 < 2 ? 2 : timeout_ms() / 1000);
    const char *keys[] = {"dbname", "connect_timeout", "application_name", "client_encoding", NULL};
    const char *vals[] = {url, ct, "daoid", "UTF8", NULL};
    PGconn *pg = PQconnectdbParams(keys, vals, 1);
    if (!pg || PQstatus(pg) != CONNECTION_OK) {
        snprintf(err, errlen, "%s", pg ? PQerrorMessage(pg) : "out of memory");
        for (char *p = err; *p; p++)
            if (*p == '\n') *p = ' ';
        PQfinish(pg);
        return NULL;
    }
    struct pg_conn *c = calloc(1, sizeof(*c));
    if (!c) {
        PQfinish(pg);
        return NULL;
    }
    PQsetNoticeProcessor(pg, pg_notice, NULL);
    c->named = cfg->db_prepared_statements;
    snprintf(c->prefix, sizeof(c->prefix), "d%08x%08x", (unsigned)randombytes_random(),
             (unsigned)randombytes_random());
    c->base.be = &st_pg_backend;
    c->pg = pg;
    return &c->base;
}

static void pg_close(struct st_conn *base)
{
    struct pg_conn *c = (struct pg_conn *)base;
    for (int i = 0; i < Q_COUNT; i++) free(c->sqls[i]);
    PQfinish(c->pg);
    free(c);
}

static void broken(struct pg_conn *c, const char *what)
{
    if (!c->base.broken) log_warnx("store: postgres %s: %s", what, PQerrorMessage(c->pg));
    c->base.broken = 1;
}

/* PQcancel connects to the server and waits for it without a time limit of its own: against
 * a server that stopped answering it could hold a worker far past db_busy_timeout_ms. So the
 * cancel request goes from a detached thread, at most CANCELS_MAX at a time (past that the
 * dropped connection is the only signal the server gets). */
#define CANCELS_MAX 4
static int cancels_running;

static void *cancel_run(void *arg)
{
    PGcancel *cancel = arg;
    char e[128];
    PQcancel(cancel, e, sizeof(e));
    PQfreeCancel(cancel);
    __atomic_sub_fetch(&cancels_running, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

static void cancel_async(PGconn *pg)
{
    PGcancel *cancel = PQgetCancel(pg);
    if (!cancel) return;
    if (__atomic_add_fetch(&cancels_running, 1, __ATOMIC_SEQ_CST) > CANCELS_MAX) goto skip;
    pthread_attr_t attr;
    pthread_t t;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &attr, cancel_run, cancel);
    pthread_attr_destroy(&attr);
    if (rc == 0) return;
skip:
    __atomic_sub_fetch(&cancels_running, 1, __ATOMIC_SEQ_CST);
    PQfreeCancel(cancel);
}

/* Waits for the results of what was sent; returns the last one (or NULL when the connection
 * failed or the deadline passed: then the query is cancelled and the connection dropped). */
static PGresult *pg_wait(struct pg_conn *c)
{
    int64_t deadline = clock_mono_ms() + timeout_ms();
    PGresult *last = NULL;
    for (;;) {
        while (PQisBusy(c->pg)) {
            int left = (int)(deadline - clock_mono_ms());
            struct pollfd pfd = {.fd = PQsocket(c->pg), .events = POLLIN};
            int n = left > 0 ? poll(&pfd, 1, left) : 0;
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                cancel_async(c->pg);
                log_warnx("store: postgres query took more than %d ms; cancelled", timeout_ms());
                c->base.broken = 1;
                PQclear(last);
                return NULL;
            }
            if (!PQconsumeInput(c->pg)) {
                broken(c, "connection");
                PQclear(last);
                return NULL;
            }
        }
        PGresult *r = PQgetResult(c->pg);
        if (!r) break;
        PQclear(last);
        last = r;
    }
    if (!last) broken(c, "connection");
    return last;
}

static enum st_rc pg_status(struct pg_conn *c, PGresult *r, const char *what)
{
    if (!r) return ST_BUSY;
    switch (PQresultStatus(r)) {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
        return ST_OK;
    default:
        break;
    }
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    if (!state) state = "";
    if (!strcmp(state, "23505") || !strcmp(state, "23503")) return ST_CONFLICT;
    if (!strcmp(state, "53100")) c->base.nospace = 1; /* disk_full: store.c tells /readyz */
    /* serialization failure, deadlock, cancelled, lock not available; a prepared statement
     * that vanished inside a transaction (the connection goes on with unnamed ones) */
    if (!strcmp(state, "40001") || !strcmp(state, "40P01") || !strcmp(state, "57014") ||
        !strcmp(state, "55P03") || !strcmp(state, "26000"))
        return ST_BUSY;
    if (!strncmp(state, "08", 2) || !strncmp(state, "57P", 3) || PQstatus(c->pg) != CONNECTION_OK) {
        broken(c, what);
        return ST_BUSY;
    }
    log_warnx("store: postgres %s: %s (%s)", what, PQresultErrorMessage(r), state);
    return ST_ERR;
}

static enum st_rc pg_simple(struct st_conn *base, const char *sql)
{
    struct pg_conn *c = (struct pg_conn *)base;
    if (!PQsendQuery(c->pg, sql)) {
        broken(c, "send");
        return ST_BUSY;
    }
    PGresult *r = pg_wait(c);
    enum st_rc rc = pg_status(c, r, "script");
    PQclear(r);
    return rc;
}

static enum st_rc pg_begin(struct st_conn *c)
{
    return pg_simple(c, "BEGIN");
}

static enum st_rc pg_commit(struct st_conn *c)
{
    enum st_rc rc = pg_simple(c, "COMMIT");
    if (rc != ST_OK) pg_simple(c, "ROLLBACK");
    return rc;
}

static void pg_rollback(struct st_conn *base)
{
    struct pg_conn *c = (struct pg_conn *)base;
    if (!c->base.broken && PQtransactionStatus(c->pg) != PQTRANS_IDLE) pg_simple(base, "ROLLBACK");
}

/* `?` → `$n`, outside quoted literals. */
static char *rewrite(const char *sql)
{
    size_t n = strlen(sql);
    char *out = malloc(n * 3 + 1), *o = out;
    int k = 0, quoted = 0;
    for (const char *p = sql; *p; p++) {
        if (*p == '\'') quoted = !quoted;
        if (*p == '?' && !quoted)
            o += sprintf(o, "$%d", ++k);
        else
            *o++ = *p;
    }
    *o = 0;
    return out;
}

static struct st_stmt *pg_prepare(struct st_conn *base, int slot, const char *sql)
{
    struct pg_conn *c = (struct pg_conn *)base;
    char *owned = NULL;
    if (slot < 0 || slot >= Q_COUNT) {
        slot = -1;
        owned = rewrite(sql);
    } else if (!c->sqls[slot]) {
        c->sqls[slot] = rewrite(sql);
    }
    struct pg_stmt *s = calloc(1, sizeof(*s));
    if (!s) {
        free(owned);
        return NULL;
    }
    s->base.conn = base;
    s->sql = owned ? owned : c->sqls[slot];
    s->owned = owned;
    s->slot = slot;
    return &s->base;
}

static void pg_bind(struct pg_stmt *s, int i, Oid type, char *val)
{
    if (i < 1 || i > PG_MAX_PARAMS) {
        free(val);
        log_warnx("store: parameter %d out of range", i);
        return;
    }
    free(s->vals[i - 1]);
    s->vals[i - 1] = val;
    s->types[i - 1] = type;
    if (i > s->nparams) s->nparams = i;
}

static void pg_bind_int(struct st_stmt *base, int i, int64_t v)
{
    char buf[24];
    snprintf(buf, sizeof(buf), "%lld", (long long)v);
    pg_bind((struct pg_stmt *)base, i, OID_INT8, strdup(buf));
}

static void pg_bind_text(struct st_stmt *base, int i, const char *v)
{
    pg_bind((struct pg_stmt *)base, i, OID_TEXT, v ? strdup(v) : NULL);
}

static const char *sqlstate(const PGresult *r)
{
    const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    return st ? st : "";
}

/* Prepares the statement of its slot under name; ST_OK when the server has it now. */
static enum st_rc pg_prepare_named(struct pg_conn *c, struct pg_stmt *s, const char *name)
{
    if (!PQsendPrepare(c->pg, name, s->sql, s->nparams, s->types)) {
        broken(c, "send");
        return ST_BUSY;
    }
    PGresult *r = pg_wait(c);
    enum st_rc rc = r && PQresultStatus(r) == PGRES_COMMAND_OK ? ST_OK : pg_status(c, r, "prepare");
    if (rc == ST_OK) {
        c->prepared[s->slot] = 1;
        c->nparams[s->slot] = s->nparams;
        memcpy(c->types[s->slot], s->types, sizeof(s->types));
    }
    PQclear(r);
    return rc;
}

/* The slot's prepared statement fits s: same parameter count and types. */
static int pg_fits(const struct pg_conn *c, const struct pg_stmt *s)
{
    return c->nparams[s->slot] == s->nparams &&
           !memcmp(c->types[s->slot], s->types, sizeof(Oid) * (size_t)s->nparams);
}

/* Runs s as a prepared statement; *fallback is set when s was not run and must be run
 * unnamed (a call with other parameter types; or the connection goes on with unnamed
 * statements because the server no longer has ours). */
static PGresult *pg_run_named(struct pg_conn *c, struct pg_stmt *s, int *fallback)
{
    char name[40];
    snprintf(name, sizeof(name), "%s_%d", c->prefix, s->slot);
    if (!c->prepared[s->slot]) {
        if (pg_prepare_named(c, s, name) != ST_OK) return NULL;
    } else if (!pg_fits(c, s)) {
        *fallback = 1;
        return NULL;
    }
    if (!PQsendQueryPrepared(c->pg, name, s->nparams, (const char *const *)s->vals, NULL, NULL,
                             0)) {
        broken(c, "send");
        return NULL;
    }
    PGresult *r = pg_wait(c);
    if (r && !strcmp(sqlstate(r), "26000")) {
        log_warnx("store: a prepared statement vanished (a pooler in transaction mode?);"
                  " this connection now uses unnamed statements (db_prepared_statements = 0"
                  " avoids this)");
        c->named = 0;
        *fallback = PQtransactionStatus(c->pg) != PQTRANS_INERROR;
    }
    return r;
}

static enum st_rc pg_step(struct st_stmt *base)
{
    struct pg_stmt *s = (struct pg_stmt *)base;
    struct pg_conn *c = (struct pg_conn *)base->conn;
    if (!s->executed) {
        s->executed = 1;
        if (c->base.broken) return ST_BUSY;
        int fallback = 0;
        if (c->named && s->slot >= 0) {
            s->res = pg_run_named(c, s, &fallback);
            if (fallback) PQclear(s->res), s->res = NULL;
        }
        if (!c->named || s->slot < 0 || fallback) {
            if (!PQsendQueryParams(c->pg, s->sql, s->nparams, s->types,
                                   (const char *const *)s->vals, NULL, NULL, 0)) {
                broken(c, "send");
                return ST_BUSY;
            }
            s->res = pg_wait(c);
        }
        enum st_rc rc = pg_status(c, s->res, "query");
        if (rc != ST_OK) return rc;
        s->nrows = PQresultStatus(s->res) == PGRES_TUPLES_OK ? PQntuples(s->res) : 0;
        s->row = -1;
        const char *ct = PQcmdTuples(s->res);
        c->base.changes = ct && *ct ? strtoll(ct, NULL, 10) : 0;
    }
    if (!s->res) return ST_BUSY;
    if (++s->row < s->nrows) return ST_ROW;
    return ST_DONE;
}

static int64_t pg_col_int(struct st_stmt *base, int i)
{
    struct pg_stmt *s = (struct pg_stmt *)base;
    if (PQgetisnull(s->res, s->row, i)) return 0;
    const char *v = PQgetvalue(s->res, s->row, i);
    if (v[0] == 't' && !v[1]) return 1; /* boolean */
    if (v[0] == 'f' && !v[1]) return 0;
    return strtoll(v, NULL, 10);
}

static const char *pg_col_text(struct st_stmt *base, int i)
{
    struct pg_stmt *s = (struct pg_stmt *)base;
    return PQgetisnull(s->res, s->row, i) ? NULL : PQgetvalue(s->res, s->row, i);
}

static void pg_done(struct st_stmt *base)
{
    struct pg_stmt *s = (struct pg_stmt *)base;
    for (int i = 0; i < PG_MAX_PARAMS; i++) free(s->vals[i]);
    PQclear(s->res);
    free(s->owned);
    free(s);
}

static const char *const pg_macros[] = {
    "{{ID}}",       "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
    "{{BYTEWISE}}", " COLLATE \"C\"",
    "INTEGER",      "BIGINT",
    "{{PG_ONLY}}",  "",
    "{{END_PG_ONLY}}", "",
    "{{SQLITE_ONLY}}", "/*",
    "{{END_SQLITE_ONLY}}", "*/",
    NULL,           NULL,
};

const struct st_backend st_pg_backend = {
    .name = "postgres",
    .accepts = pg_accepts,
    .open = pg_open,
    .close = pg_close,
    .exec_script = pg_simple,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .prepare = pg_prepare,
    .bind_int = pg_bind_int,
    .bind_text = pg_bind_text,
    .step = pg_step,
    .col_int = pg_col_int,
    .col_text = pg_col_text,
    .done = pg_done,
    .pg = 1,
    .macros = pg_macros,
    .migrate_lock = "SELECT pg_advisory_xact_lock(7271990)",
    .listen = pg_listen_start,
    .unlisten = pg_listen_stop,
};
