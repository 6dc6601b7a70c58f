/* store: backend selection, per-thread connections, migrations and the typed calls (st_run,
 * st_row) on top of a backend's prepare/bind/step. */
#include "store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "clock.h"
#include "asset.h"
#include "log.h"
#include "metrics.h"
#include "sessgen.h"
#include "store_be.h"

static const struct st_backend *backends[] = {&st_sqlite_backend, &st_pg_backend, NULL};
static const struct st_backend *be;
static char *store_url;
static pthread_key_t conn_key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void conn_destroy(void *p)
{
    struct st_conn *c = p;
    if (c) c->be->close(c);
}

static void key_make(void)
{
    pthread_key_create(&conn_key, conn_destroy);
}

int store_init(const char *url, char *err, size_t errlen)
{
    pthread_once(&key_once, key_make);
    be = NULL;
    for (int i = 0; backends[i]; i++)
        if (backends[i]->accepts(url)) be = backends[i];
    if (!be) {
        snprintf(err, errlen, "no storage backend for %s", url);
        return -1;
    }
    free(store_url);
    store_url = strdup(url);
    struct st_conn *c = be->open(url, err, errlen);
    if (!c) return -1;
    pthread_setspecific(conn_key, c);
    /* SQLite: the session-change counters every process on the file shares (invalidate.h) */
    if (!strcmp(be->name, "sqlite")) sessgen_open(url + 7);
    return 0;
}

void store_shutdown(void)
{
    st_drop();
    sessgen_close();
    free(store_url);
    store_url = NULL;
}

const char *store_backend(void)
{
    return be ? be->name : "none";
}

/* While the database cannot be reached, one thread at a time tries to connect, at most every
 * RETRY_MS; the others fail at once (their requests answer 503 without waiting a connect
 * timeout each). down_until is 0 while the last attempt to connect succeeded. */
#define RETRY_MS 1000
static int64_t down_until;

struct st_conn *st_get(void)
{
    struct st_conn *c = pthread_getspecific(conn_key);
    int again = c && c->broken;
    if (again) {
        st_drop();
        c = NULL;
    }
    if (c) return c;
    int64_t du = __atomic_load_n(&down_until, __ATOMIC_SEQ_CST), now = clock_mono_ms();
    if (du) {
        /* down: only the thread that moves down_until on gets to try */
        if (now < du || !__atomic_compare_exchange_n(&down_until, &du, now + RETRY_MS, 0,
                                                     __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
            return NULL;
    }
    char err[256];
    c = be->open(store_url, err, sizeof(err));
    if (!c) {
        log_warnx("store: cannot open database: %s", err);
        __atomic_store_n(&down_until, clock_mono_ms() + RETRY_MS, __ATOMIC_SEQ_CST);
        return NULL;
    }
    if (du) log_info("store: database reachable again");
    if (du || again) metrics_inc(MET_DB_RECONNECTS, NULL, NULL);
    __atomic_store_n(&down_until, 0, __ATOMIC_SEQ_CST);
    pthread_setspecific(conn_key, c);
    return c;
}

void st_drop(void)
{
    struct st_conn *c = pthread_getspecific(conn_key);
    if (!c) return;
    pthread_setspecific(conn_key, NULL);
    c->be->close(c);
}

enum st_rc st_begin(struct st_conn *c)
{
    enum st_rc rc = c->be->begin(c);
    c->in_tx = rc == ST_OK;
    return rc;
}

int st_in_transaction(const struct st_conn *c)
{
    return c->in_tx;
}

static void (*tx_end_hook)(struct st_conn *c);

void store_on_tx_end(void (*fn)(struct st_conn *c))
{
    tx_end_hook = fn;
}

static void tx_ended(struct st_conn *c)
{
    c->in_tx = 0;
    if (tx_end_hook) tx_end_hook(c);
}

int store_listen(void (*note)(const char *payload), void (*state)(int up))
{
    return be && be->listen && store_url ? be->listen(store_url, note, state) : -1;
}

void store_unlisten(void)
{
    if (be && be->unlisten) be->unlisten();
}

/* ---- space: wall-clock second of the write that failed for lack of space, 0 while writes
 * succeed; set by any thread whose backend call reports it, cleared by the probe write of
 * store_unready() (not by any commit: one that wrote nothing proves nothing) */
static int64_t nospace_since;

static void space_short(struct st_conn *c)
{
    c->nospace = 0;
    int64_t zero = 0;
    if (__atomic_compare_exchange_n(&nospace_since, &zero, (int64_t)time(NULL), 0, __ATOMIC_SEQ_CST,
                                    __ATOMIC_SEQ_CST))
        log_warnx("store: a write failed for lack of space; not ready until one succeeds");
}

static void space_back(void)
{
    if (!__atomic_load_n(&nospace_since, __ATOMIC_SEQ_CST)) return;
    int64_t was = __atomic_exchange_n(&nospace_since, 0, __ATOMIC_SEQ_CST);
    if (was)
        log_info("store: writes succeed again (%lld s after one failed for lack of space)",
                 (long long)(time(NULL) - was));
}

enum st_rc st_commit(struct st_conn *c)
{
    enum st_rc rc = c->be->commit(c);
    tx_ended(c);
    if (c->nospace) space_short(c);
    return rc;
}

void st_rollback(struct st_conn *c)
{
    c->be->rollback(c);
    tx_ended(c);
}

struct st_stmt *st_prepare(struct st_conn *c, enum q_id q)
{
    const char *sql = catalog_sql(q, c->be->pg);
    if (!sql) return NULL;
    struct st_stmt *s = c->be->prepare(c, (int)q, sql);
    if (s) s->t0_us = clock_mono_us(), s->last_rc = ST_OK;
    if (!s) metrics_inc(MET_DB_STATEMENTS, "error", NULL);
    return s;
}

void st_bind_int(struct st_stmt *s, int i, int64_t v)
{
    s->conn->be->bind_int(s, i, v);
}

void st_bind_text(struct st_stmt *s, int i, const char *v)
{
    s->conn->be->bind_text(s, i, v);
}

enum st_rc st_step(struct st_stmt *s)
{
    enum st_rc rc = s->conn->be->step(s);
    if (s->conn->nospace) space_short(s->conn);
    s->last_rc = rc;
    return rc;
}

int64_t st_col_int(struct st_stmt *s, int i)
{
    return s->conn->be->col_int(s, i);
}

const char *st_col_text(struct st_stmt *s, int i)
{
    return s->conn->be->col_text(s, i);
}

static const char *st_result(int rc)
{
    switch (rc) {
    case ST_OK:
    case ST_ROW:
    case ST_DONE:
    case ST_NOTFOUND:
        return "ok";
    case ST_CONFLICT:
        return "conflict";
    case ST_BUSY:
        return "busy";
    default:
        return "error";
    }
}

void st_done(struct st_stmt *s)
{
    if (!s) return;
    metrics_inc(MET_DB_STATEMENTS, st_result(s->last_rc), NULL);
    metrics_observe(MET_DB_SECONDS, NULL, NULL, (double)(clock_mono_us() - s->t0_us) / 1e6);
    s->conn->be->done(s);
}

int64_t st_changes(struct st_conn *c)
{
    return c->changes;
}

static void bind_vals(struct st_stmt *s, const struct st_val *in, int nin)
{
    for (int i = 0; i < nin; i++) {
        if (in[i].text)
            st_bind_text(s, i + 1, in[i].s);
        else
            st_bind_int(s, i + 1, in[i].i);
    }
}

/* Steps s to its end, reading the first row into out; finishes s. */
static enum st_rc first_row(struct st_stmt *s, struct arena *a, const struct st_out *out, int nout)
{
    enum st_rc rc = st_step(s);
    if (rc == ST_ROW) {
        for (int i = 0; i < nout; i++) {
            if (out[i].i)
                *out[i].i = st_col_int(s, i);
            else if (out[i].s)
                *out[i].s = arena_strdup(a, st_col_text(s, i));
        }
        while ((rc = st_step(s)) == ST_ROW) {
        } /* finish writes with RETURNING */
        rc = rc == ST_DONE ? ST_OK : rc;
    } else if (rc == ST_DONE) {
        rc = ST_NOTFOUND;
    }
    st_done(s);
    return rc;
}

enum st_rc st_row(struct st_conn *c, struct arena *a, enum q_id q, const struct st_val *in, int nin,
                  const struct st_out *out, int nout)
{
    struct st_stmt *s = st_prepare(c, q);
    if (!s) return ST_ERR;
    bind_vals(s, in, nin);
    return first_row(s, a, out, nout);
}

enum st_rc st_run(struct st_conn *c, enum q_id q, const struct st_val *in, int nin)
{
    enum st_rc rc = st_row(c, NULL, q, in, nin, NULL, 0);
    return rc == ST_NOTFOUND ? ST_OK : rc;
}

int64_t st_count(struct st_conn *c, enum q_id q, const struct st_val *in, int nin)
{
    int64_t n = 0;
    enum st_rc rc = st_row(c, NULL, q, in, nin, ST_OUT(ST_OUT_INT(&n)));
    return rc == ST_OK ? n : -1;
}

int64_t st_change(struct st_conn *c, enum q_id q, const struct st_val *in, int nin)
{
    return st_run(c, q, in, nin) == ST_OK ? st_changes(c) : -1;
}

enum st_rc st_each(struct st_conn *c, enum q_id q, const struct st_val *in, int nin,
                   int (*row)(struct st_stmt *s, void *arg), void *arg)
{
    struct st_stmt *s = st_prepare(c, q);
    if (!s) return ST_ERR;
    bind_vals(s, in, nin);
    enum st_rc rc;
    while ((rc = st_step(s)) == ST_ROW && !row(s, arg)) {
    }
    st_done(s);
    return rc == ST_ROW || rc == ST_DONE ? ST_OK : rc;
}

struct list_state {
    struct arena *a;
    const struct st_col *cols;
    int ncols, n, max;
    char *out;
    size_t size;
};

static int list_row(struct st_stmt *s, void *arg)
{
    struct list_state *l = arg;
    if (l->n >= l->max) return 1;
    char *row = l->out + (size_t)l->n++ * l->size;
    for (int i = 0; i < l->ncols; i++) {
        if (l->cols[i].text)
            *(char **)(void *)(row + l->cols[i].off) = arena_strdup(l->a, st_col_text(s, i));
        else
            *(int64_t *)(void *)(row + l->cols[i].off) = st_col_int(s, i);
    }
    return 0;
}

int st_list(struct st_conn *c, struct arena *a, enum q_id q, const struct st_val *in, int nin,
            const struct st_col *cols, int ncols, void *out, size_t size, int max)
{
    struct list_state l = {a, cols, ncols, 0, max, out, size};
    return st_each(c, q, in, nin, list_row, &l) == ST_OK ? l.n : -1;
}

/* ---- migrations ---- */

/* sql with the backend's dialect macros expanded (malloc'd) */
static char *apply_macros(const char *sql, const char *const *macros)
{
    char *out = strdup(sql);
    for (int i = 0; macros && macros[i]; i += 2) {
        const char *from = macros[i], *to = macros[i + 1];
        size_t fl = strlen(from), tl = strlen(to);
        char *p;
        while ((p = strstr(out, from))) {
            size_t pre = (size_t)(p - out), rest = strlen(p + fl);
            char *n = malloc(pre + tl + rest + 1);
            memcpy(n, out, pre);
            memcpy(n + pre, to, tl);
            memcpy(n + pre + tl, p + fl, rest + 1);
            free(out);
            out = n;
        }
    }
    return out;
}

static int migration_version(const char *path)
{
    /* "sql/007_name.sql" → 7 */
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    return atoi(base);
}

int store_schema_version(void)
{
    size_t n;
    const struct asset *all = asset_all(&n);
    int v = 0;
    for (size_t i = 0; i < n; i++)
        if (!strncmp(all[i].path, "sql/", 4) && migration_version(all[i].path) > v)
            v = migration_version(all[i].path);
    return v;
}

static int migration_begin(struct st_conn *c)
{
    if (st_begin(c) != ST_OK) return -1;
    if (c->be->migrate_lock && c->be->exec_script(c, c->be->migrate_lock) != ST_OK) {
        st_rollback(c);
        return -1;
    }
    return 0;
}

static int apply_one(struct st_conn *c, const struct asset *m, int version)
{
    if (migration_begin(c) != 0) return -1;
    int64_t have = st_count(c, Q_STORE_MIGRATION_APPLIED, ST_IN(ST_INT(version)));
    if (have < 0) goto fail;
    if (have) {
        st_rollback(c);
        return 0; /* another node applied it meanwhile */
    }
    char *sql = strndup((const char *)m->data, m->len);
    char *ready = apply_macros(sql, c->be->macros);
    free(sql);
    enum st_rc rc = c->be->exec_script(c, ready);
    free(ready);
    if (rc != ST_OK) goto fail;
    if (st_run(c, Q_STORE_MIGRATION_RECORD, ST_IN(ST_INT(version), ST_INT(time(NULL)))) != ST_OK)
        goto fail;
    if (st_commit(c) != ST_OK) goto fail;
    log_info("store: applied migration %s", m->path);
    return 1;
fail:
    st_rollback(c);
    log_warnx("store: migration %s failed", m->path);
    return -1;
}

int store_migrate(void)
{
    struct st_conn *c = st_get();
    if (!c) return -1;
    if (migration_begin(c) != 0) return -1;
    if (c->be->exec_script(c,
                           "CREATE TABLE IF NOT EXISTS schema_migrations ("
                           " version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)") != ST_OK ||
        st_commit(c) != ST_OK) {
        st_rollback(c);
        return -1;
    }
    size_t n;
    const struct asset *all = asset_all(&n); /* sorted by path, so by number */
    for (size_t i = 0; i < n; i++) {
        if (strncmp(all[i].path, "sql/", 4) || !strstr(all[i].path, ".sql")) continue;
        if (apply_one(c, &all[i], migration_version(all[i].path)) < 0) return -1;
    }
    int64_t v = st_count(c, Q_STORE_SCHEMA_VERSION, ST_NONE);
    return v < 0 ? -1 : (int)v;
}

int store_optimize(void)
{
    struct st_conn *c = st_get();
    if (!c) return -1;
    return !c->be->optimize || c->be->optimize(c) == ST_OK ? 0 : -1;
}

/* A write that needs space: a row inserted and deleted in one transaction (the commit still
 * writes the pages it touched). Clears the state when it succeeds. */
static void space_probe(struct st_conn *c)
{
    if (st_begin(c) != ST_OK) return;
    if (st_run(c, Q_STORE_MIGRATION_RECORD, ST_IN(ST_INT(-1), ST_INT(time(NULL)))) != ST_OK ||
        st_run(c, Q_STORE_SPACE_UNDO, ST_IN(ST_INT(-1))) != ST_OK) {
        st_rollback(c);
        return;
    }
    if (st_commit(c) == ST_OK)
        space_back();
    else
        st_rollback(c);
}

int store_schema_applied(void)
{
    struct st_conn *c = st_get();
    int64_t v = c ? st_count(c, Q_STORE_SCHEMA_VERSION, ST_NONE) : -1;
    return v < 0 ? -1 : (int)v;
}

const char *store_unready(void)
{
    struct st_conn *c = st_get();
    if (!c || st_count(c, Q_STORE_READY, ST_NONE) != 1) return "database unavailable";
    if (!__atomic_load_n(&nospace_since, __ATOMIC_SEQ_CST)) return NULL;
    if (!(c = st_get())) return "database unavailable";
    space_probe(c);
    return __atomic_load_n(&nospace_since, __ATOMIC_SEQ_CST)
               ? "disk full: a write failed for lack of space"
               : NULL;
}
