/* store_sqlite: the embedded backend. One sqlite3 connection per thread (NOMUTEX), WAL,
 * synchronous=NORMAL, foreign keys on, busy_timeout from config, BEGIN IMMEDIATE for write
 * transactions, and each catalogue statement prepared once per connection, in the slot of its
 * id. */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "sessgen.h"
#include "store.h"
#include "store_be.h"

struct sq_stmt {
    struct st_stmt base;
    sqlite3_stmt *st;
    int cached;
    int busy;
};

struct sq_conn {
    struct st_conn base;
    sqlite3 *db;
    struct sq_stmt cache[Q_COUNT]; /* by catalogue id; .st NULL until first used */
};

static int sq_accepts(const char *url)
{
    return !strncmp(url, "sqlite:", 7);
}

static void sq_mkdir_parent(const char *path)
{
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir) return;
    *slash = 0;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) log_warn("store: mkdir %s", dir);
}

/* Busy handler: retry every 200 µs up to db_busy_timeout_ms. SQLite's own handler sleeps in
 * growing steps (up to 100 ms), which leaves writers idle long after the lock is free. */
static int sq_busy(void *arg, int count)
{
    (void)arg;
    int64_t limit = cfg->db_busy_timeout_ms ? cfg->db_busy_timeout_ms : 5000;
    if ((int64_t)count * 200 / 1000 >= limit) return 0;
    struct timespec ts = {0, count < 50 ? 50000 : 200000};
    nanosleep(&ts, NULL);
    return 1;
}

static enum st_rc sq_rc(struct sq_conn *c, int rc, const char *what)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
        return ST_DONE;
    case SQLITE_ROW:
        return ST_ROW;
    case SQLITE_CONSTRAINT:
        return ST_CONFLICT;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        log_warnx("store: %s: database busy", what);
        return ST_BUSY;
    case SQLITE_IOERR:
    case SQLITE_CORRUPT:
    case SQLITE_CANTOPEN:
    case SQLITE_NOTADB:
    case SQLITE_FULL:
        c->base.nospace = (rc & 0xff) == SQLITE_FULL;
        c->base.broken = 1;
        /* fall through */
    default:
        log_warnx("store: %s: %s (%d)", what, sqlite3_errmsg(c->db), rc);
        return ST_ERR;
    }
}

static struct st_conn *sq_open(const char *url, char *err, size_t errlen)
{
    const char *path = url + 7;
    if (strcmp(path, ":memory:") != 0) sq_mkdir_parent(path);
    struct sq_conn *c = calloc(1, sizeof(*c));
    if (!c) return NULL;
    c->base.be = &st_sqlite_backend;
    int rc = sqlite3_open_v2(
        path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, c->db ? sqlite3_errmsg(c->db) : "out of memory");
        goto fail;
    }
    sqlite3_busy_handler(c->db, sq_busy, NULL);
    sqlite3_extended_result_codes(c->db, 1);
    char *msg = NULL;
    /* The WAL is checkpointed every 128 pages (512 KiB, not SQLite's 4 MiB) and cut back to
     * journal_size_limit (1 MiB) when it starts over, so on a full disk the log holds at most
     * about 1 MiB, not most of the space, and the room it keeps lets small writes go on. */
    rc = sqlite3_exec(c->db,
                      "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                      " PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;"
                      " PRAGMA wal_autocheckpoint=128; PRAGMA journal_size_limit=1048576;",
                      NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, msg ? msg : sqlite3_errmsg(c->db));
        sqlite3_free(msg);
        goto fail;
    }
    return &c->base;
fail:
    sqlite3_close_v2(c->db);
    free(c);
    return NULL;
}

static void sq_close(struct st_conn *base)
{
    struct sq_conn *c = (struct sq_conn *)base;
    for (int i = 0; i < Q_COUNT; i++) sqlite3_finalize(c->cache[i].st);
    sqlite3_close_v2(c->db);
    free(c);
}

static enum st_rc sq_exec_script(struct st_conn *base, const char *sql)
{
    struct sq_conn *c = (struct sq_conn *)base;
    char *msg = NULL;
    int rc = sqlite3_exec(c->db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        log_warnx("store: script: %s", msg ? msg : sqlite3_errmsg(c->db));
        sqlite3_free(msg);
        return sq_rc(c, rc, "script") == ST_CONFLICT ? ST_CONFLICT : ST_ERR;
    }
    return ST_OK;
}

static enum st_rc sq_simple(struct st_conn *base, const char *sql)
{
    struct sq_conn *c = (struct sq_conn *)base;
    int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
    if (rc == SQLITE_OK) return ST_OK;
    enum st_rc r = sq_rc(c, rc, sql);
    return r == ST_DONE ? ST_OK : r;
}

static enum st_rc sq_begin(struct st_conn *c)
{
    return sq_simple(c, "BEGIN IMMEDIATE");
}

static enum st_rc sq_commit(struct st_conn *c)
{
    enum st_rc rc = sq_simple(c, "COMMIT");
    if (rc != ST_OK) sq_simple(c, "ROLLBACK");
    return rc;
}

static void sq_rollback(struct st_conn *base)
{
    struct sq_conn *c = (struct sq_conn *)base;
    if (!sqlite3_get_autocommit(c->db)) sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
}

static struct st_stmt *sq_prepare(struct st_conn *base, int slot, const char *sql)
{
    struct sq_conn *c = (struct sq_conn *)base;
    /* a slot whose statement is running (a loop over its rows that runs it again) is left
     * alone: this use gets a statement of its own */
    struct sq_stmt *s =
        slot >= 0 && slot < Q_COUNT && !c->cache[slot].busy ? &c->cache[slot] : NULL;
    if (s && s->st) {
        s->busy = 1;
        return &s->base;
    }
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v3(c->db, sql, -1, s ? SQLITE_PREPARE_PERSISTENT : 0, &st, NULL);
    if (rc != SQLITE_OK) {
        sq_rc(c, rc, "prepare");
        return NULL;
    }
    if (s) {
        s->cached = 1;
    } else {
        s = calloc(1, sizeof(*s));
        if (!s) {
            sqlite3_finalize(st);
            return NULL;
        }
    }
    s->base.conn = base;
    s->st = st;
    s->busy = 1;
    return &s->base;
}

static void sq_bind_int(struct st_stmt *base, int i, int64_t v)
{
    sqlite3_bind_int64(((struct sq_stmt *)base)->st, i, v);
}

static void sq_bind_text(struct st_stmt *base, int i, const char *v)
{
    sqlite3_stmt *st = ((struct sq_stmt *)base)->st;
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

static enum st_rc sq_step(struct st_stmt *base)
{
    struct sq_stmt *s = (struct sq_stmt *)base;
    struct sq_conn *c = (struct sq_conn *)base->conn;
    int rc = sqlite3_step(s->st);
    if (rc == SQLITE_DONE) c->base.changes = sqlite3_changes(c->db);
    return sq_rc(c, rc, "step");
}

static int64_t sq_col_int(struct st_stmt *base, int i)
{
    return sqlite3_column_int64(((struct sq_stmt *)base)->st, i);
}

static const char *sq_col_text(struct st_stmt *base, int i)
{
    return (const char *)sqlite3_column_text(((struct sq_stmt *)base)->st, i);
}

static void sq_done(struct st_stmt *base)
{
    struct sq_stmt *s = (struct sq_stmt *)base;
    if (s->cached) {
        sqlite3_reset(s->st);
        sqlite3_clear_bindings(s->st);
        s->busy = 0;
    } else {
        sqlite3_finalize(s->st);
        free(s);
    }
}

/* Statistics for the planner: ANALYZE when the database has none yet (SQLite before 3.46
 * only analyses tables this connection has used), then PRAGMA optimize; analysis_limit keeps
 * each to a sample of a few hundred rows per index (milliseconds at a million rows). In a write
 * transaction taken first (BEGIN IMMEDIATE waits its turn; a read upgraded to a write after
 * another writer's commit would fail at once with "busy"). */
static enum st_rc sq_optimize(struct st_conn *base)
{
    struct sq_conn *c = (struct sq_conn *)base;
    enum st_rc rc = sq_simple(base, "PRAGMA analysis_limit=400");
    if (rc != ST_OK || (rc = sq_begin(base)) != ST_OK) return rc;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(c->db, "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'", -1,
                           &st, NULL) != SQLITE_OK) {
        rc = sq_rc(c, sqlite3_errcode(c->db), "optimize");
        goto fail;
    }
    int have = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    if ((!have && (rc = sq_simple(base, "ANALYZE")) != ST_OK) ||
        (rc = sq_simple(base, "PRAGMA optimize=0x10002")) != ST_OK)
        goto fail;
    return sq_commit(base);
fail:
    sq_rollback(base);
    return rc == ST_OK ? ST_ERR : rc;
}

static const char *const sq_macros[] = {
    "{{ID}}",          "INTEGER PRIMARY KEY",
    "{{BYTEWISE}}",    "",
    "{{PG_ONLY}}",     "/*",
    "{{END_PG_ONLY}}", "*/",
    "{{SQLITE_ONLY}}", "",
    "{{END_SQLITE_ONLY}}", "",
    NULL,              NULL,
};

const struct st_backend st_sqlite_backend = {
    .name = "sqlite",
    .accepts = sq_accepts,
    .open = sq_open,
    .close = sq_close,
    .exec_script = sq_exec_script,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .prepare = sq_prepare,
    .bind_int = sq_bind_int,
    .bind_text = sq_bind_text,
    .step = sq_step,
    .col_int = sq_col_int,
    .col_text = sq_col_text,
    .done = sq_done,
    .macros = sq_macros,
    .optimize = sq_optimize,
};

/* ---- backup and restore (daoid backup, daoid restore) ---- */

/* Copies the database at from into to with SQLite's online backup API: one step over every
 * page, inside one read transaction of from, so the copy is the database as it was when the
 * step began (in WAL mode writers go on meanwhile). 0, or -1 with err. */
static int sq_copy(const char *from, int from_flags, const char *to, char *err, size_t errlen)
{
    sqlite3 *src = NULL, *dst = NULL;
    int rc = sqlite3_open_v2(from, &src, from_flags, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_open_v2(to, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", dst ? to : from,
                 sqlite3_errmsg(dst ? dst : src));
        goto out;
    }
    sqlite3_busy_handler(src, sq_busy, NULL);
    sqlite3_busy_handler(dst, sq_busy, NULL);
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    if (!b) {
        snprintf(err, errlen, "cannot copy: %s", sqlite3_errmsg(dst));
        rc = SQLITE_ERROR;
        goto out;
    }
    for (int tries = 0; tries < 200; tries++) {
        rc = sqlite3_backup_step(b, -1);
        if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) break;
        sqlite3_sleep(25);
    }
    sqlite3_backup_finish(b);
    if (rc == SQLITE_DONE)
        rc = SQLITE_OK;
    else
        snprintf(err, errlen, "copy failed: %s", sqlite3_errstr(rc));
out:
    sqlite3_close_v2(src);
    sqlite3_close_v2(dst);
    return rc == SQLITE_OK ? 0 : -1;
}

/* 1 when path is a SQLite database that passes quick_check and has daoid's migrations table */
static int sq_is_daoid(const char *path, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int ok = 0;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) goto out;
    if (sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL) != SQLITE_OK) goto out;
    ok = sqlite3_step(st) == SQLITE_ROW && !strcmp((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    st = NULL;
    if (!ok) goto out;
    ok = sqlite3_prepare_v2(db, "SELECT max(version) FROM schema_migrations", -1, &st, NULL) ==
             SQLITE_OK &&
         sqlite3_step(st) == SQLITE_ROW;
out:
    if (!ok) snprintf(err, errlen, "%s is not a daoid database (or is damaged)", path);
    sqlite3_finalize(st);
    sqlite3_close_v2(db);
    return ok;
}

int store_sqlite_backup(const char *url, const char *file, char *err, size_t errlen)
{
    if (strncmp(url, "sqlite:", 7)) {
        snprintf(err, errlen, "the database is PostgreSQL: use pg_dump (see the README)");
        return -1;
    }
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.partial", file);
    unlink(tmp);
    if (sq_copy(url + 7, SQLITE_OPEN_READONLY, tmp, err, errlen) != 0) {
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, file) != 0) {
        snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, file, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* The lock a serving daoid holds on its SQLite database: flock on PATH.serve-lock (a file of
 * its own: closing a descriptor of the database itself would drop SQLite's POSIX locks). */
int store_sqlite_lock(const char *url, int serving)
{
    if (strncmp(url, "sqlite:", 7) || !strcmp(url + 7, ":memory:")) return -1;
    char path[4096];
    snprintf(path, sizeof(path), "%s.serve-lock", url + 7);
    sq_mkdir_parent(url + 7);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    if (flock(fd, (serving ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0) {
        close(fd);
        return errno == EWOULDBLOCK ? -2 : -1;
    }
    return fd;
}

int store_sqlite_restore(const char *url, const char *file, char *err, size_t errlen)
{
    if (strncmp(url, "sqlite:", 7)) {
        snprintf(err, errlen, "the database is PostgreSQL: use pg_restore (see the README)");
        return -1;
    }
    if (!sq_is_daoid(file, err, errlen)) return -1;
    int fd = store_sqlite_lock(url, 0);
    if (fd == -2) {
        snprintf(err, errlen, "a daoid server runs on %s: stop it first", url + 7);
        return -1;
    }
    if (fd < 0) {
        snprintf(err, errlen, "cannot lock %s: %s", url + 7, strerror(errno));
        return -1;
    }
    int rc = sq_copy(file, SQLITE_OPEN_READONLY, url + 7, err, errlen);
    /* every session a daoid process still caches for the old file is stale (invalidate.h) */
    if (rc == 0) sessgen_bump_all_at(url + 7);
    close(fd);
    return rc;
}
