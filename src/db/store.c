/* store: backend selection, per-thread connections, migrations and the convenience calls
 * (st_exec, st_one) on top of a backend's prepare/bind/step. */
#include "store.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "clock.h"
#include "asset.h"
#include "log.h"
#include "store_be.h"

static const struct st_backend *backends[] = {&st_sqlite_backend, &st_pg_backend, NULL};
static const struct st_backend *be;
static char *store_url;
static pthread_key_t conn_key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

/* Statements with dialect macros are expanded once per process and kept: the backends cache
 * statements by the address of their SQL. */
#define EXPANDED_MAX 32
static struct {
    const char *key;
    char *sql;
} expanded[EXPANDED_MAX];
static pthread_mutex_t expanded_mu = PTHREAD_MUTEX_INITIALIZER;

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
    return 0;
}

void store_shutdown(void)
{
    st_drop();
    free(store_url);
    store_url = NULL;
    pthread_mutex_lock(&expanded_mu);
    for (int i = 0; i < EXPANDED_MAX; i++) {
        free(expanded[i].sql);
        expanded[i].key = NULL;
        expanded[i].sql = NULL;
    }
    pthread_mutex_unlock(&expanded_mu);
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
    if (c && c->broken) {
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
    return c->be->begin(c);
}

enum st_rc st_commit(struct st_conn *c)
{
    return c->be->commit(c);
}

void st_rollback(struct st_conn *c)
{
    c->be->rollback(c);
}

static char *apply_macros(const char *sql, const char *const *macros);

static const char *expand(const struct st_backend *b, const char *sql)
{
    if (!strstr(sql, "{{")) return sql;
    const char *out = NULL;
    pthread_mutex_lock(&expanded_mu);
    for (int i = 0; i < EXPANDED_MAX && !out; i++) {
        if (expanded[i].key == sql)
            out = expanded[i].sql;
        else if (!expanded[i].key) {
            expanded[i].key = sql;
            expanded[i].sql = apply_macros(sql, b->macros);
            out = expanded[i].sql;
        }
    }
    pthread_mutex_unlock(&expanded_mu);
    if (!out) fatalx("store: more than %d statements with dialect macros", EXPANDED_MAX);
    return out;
}

struct st_stmt *st_prepare(struct st_conn *c, const char *sql)
{
    return c->be->prepare(c, expand(c->be, sql));
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
    return s->conn->be->step(s);
}

int64_t st_col_int(struct st_stmt *s, int i)
{
    return s->conn->be->col_int(s, i);
}

const char *st_col_text(struct st_stmt *s, int i)
{
    return s->conn->be->col_text(s, i);
}

void st_done(struct st_stmt *s)
{
    if (s) s->conn->be->done(s);
}

int64_t st_changes(struct st_conn *c)
{
    return c->changes;
}

static void bind_va(struct st_stmt *s, const char *in, va_list *ap)
{
    for (int i = 0; in && in[i]; i++) {
        if (in[i] == 'i')
            st_bind_int(s, i + 1, va_arg(*ap, int64_t));
        else
            st_bind_text(s, i + 1, va_arg(*ap, const char *));
    }
}

enum st_rc st_exec(struct st_conn *c, const char *sql, const char *in, ...)
{
    struct st_stmt *s = st_prepare(c, sql);
    if (!s) return ST_ERR;
    va_list ap;
    va_start(ap, in);
    bind_va(s, in, &ap);
    va_end(ap);
    enum st_rc rc;
    while ((rc = st_step(s)) == ST_ROW) {
    }
    st_done(s);
    return rc == ST_DONE ? ST_OK : rc;
}

enum st_rc st_one(struct st_conn *c, struct arena *a, const char *sql, const char *in,
                  const char *out, ...)
{
    struct st_stmt *s = st_prepare(c, sql);
    if (!s) return ST_ERR;
    va_list ap;
    va_start(ap, out);
    bind_va(s, in, &ap);
    enum st_rc rc = st_step(s);
    if (rc == ST_ROW) {
        for (int i = 0; out && out[i]; i++) {
            if (out[i] == 'i')
                *va_arg(ap, int64_t *) = st_col_int(s, i);
            else
                *va_arg(ap, char **) = arena_strdup(a, st_col_text(s, i));
        }
        while ((rc = st_step(s)) == ST_ROW) {
        } /* finish writes with RETURNING */
        rc = rc == ST_DONE ? ST_OK : rc;
    } else if (rc == ST_DONE) {
        rc = ST_NOTFOUND;
    }
    va_end(ap);
    st_done(s);
    return rc;
}

/* ---- migrations ---- */

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
    int64_t have = 0;
    if (st_one(c, NULL, "SELECT COUNT(*) FROM schema_migrations WHERE version = ?", "i", "i",
               (int64_t)version, &have) != ST_OK)
        goto fail;
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
    if (st_exec(c, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", "ii",
                (int64_t)version, (int64_t)time(NULL)) != ST_OK)
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
    int64_t v = 0;
    if (st_one(c, NULL, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", "", "i", &v) !=
        ST_OK)
        return -1;
    return (int)v;
}

int store_ready(void)
{
    struct st_conn *c = st_get();
    if (!c) return 0;
    int64_t v = 0;
    return st_one(c, NULL, "SELECT 1", "", "i", &v) == ST_OK && v == 1;
}

char *store_setting_get_or_create(const char *name, char *(*make)(void))
{
    struct st_conn *c = st_get();
    if (!c) return NULL;
    struct arena *a = arena_new();
    char *val = NULL, *out = NULL;
    enum st_rc rc = st_one(c, a, "SELECT value FROM settings WHERE name = ?", "s", "s", name, &val);
    if (rc == ST_NOTFOUND) {
        char *fresh = make();
        rc = st_exec(c, "INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT DO NOTHING",
                     "ss", name, fresh);
        free(fresh);
        if (rc == ST_OK)
            rc = st_one(c, a, "SELECT value FROM settings WHERE name = ?", "s", "s", name, &val);
    }
    if (rc == ST_OK && val) out = strdup(val);
    arena_free(a);
    return out;
}
