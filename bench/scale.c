/* scale: the tools of bench/scale.sh (the store at a million accounts), on the database named
 * by DAOID_DATABASE, through daoid's own store (build/libdaoid.a):
 *
 *   scale fixture N EXTRA TOKENS_FILE VERIFY
 *       migrates, then in one transaction: N verified accounts sharing one argon2id hash, and
 *       what their sign-ups left (a session, a used verification link, a sent mail and an audit
 *       row each); EXTRA rows of each kind the janitor is due to remove (sessions idle or past
 *       their end, links a week past expiry, mails sent over a week ago, audit rows past 400
 *       days); VERIFY unused verification links of the first 1000 accounts, whose tokens go to
 *       TOKENS_FILE, one per line. Prints the seconds it took.
 *   scale writer LOGFILE PATTERN
 *       one small write transaction every millisecond until LOGFILE holds PATTERN (at most 10
 *       minutes); prints "writes N lock_max_ms M lock_p99_ms P lock_over_50ms K write_max_ms W":
 *       the longest and the 99th percentile wait for the write lock (BEGIN IMMEDIATE), how many
 *       waited over 50 ms, and the longest whole transaction (which also pays for any WAL
 *       checkpoint its commit runs). */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "config.h"
#include "log.h"
#include "store.h"
#include "store_be.h"
#include "token.h"

static struct st_conn *conn;

static void die(const char *what)
{
    fprintf(stderr, "scale: %.120s failed\n", what);
    exit(1);
}

/* sql (the bench's own text, not a catalogue statement) with its parameters; rows stepped over */
static void run(const char *sql, const struct st_val *in, int nin)
{
    struct st_stmt *s = conn->be->prepare(conn, -1, sql);
    if (!s) die(sql);
    for (int i = 0; i < nin; i++) {
        if (in[i].text)
            st_bind_text(s, i + 1, in[i].s);
        else
            st_bind_int(s, i + 1, in[i].i);
    }
    enum st_rc rc;
    while ((rc = st_step(s)) == ST_ROW) {
    }
    st_done(s);
    if (rc != ST_DONE) die(sql);
}

/* The series 1 … ? (the first parameter) as s(i), in both dialects. */
#define SERIES "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?) "
#define DAY    86400

static void fixture(int64_t n, int64_t extra, const char *tokens_file, int64_t verify)
{
    int64_t t0 = clock_mono_ms(), now = time(NULL);
    char hash[crypto_pwhash_STRBYTES];
    const char *pw = "correct horse battery 42";
    if (crypto_pwhash_str_alg(hash, pw, strlen(pw), (unsigned long long)cfg->argon2_iterations,
                              (size_t)cfg->argon2_memory_kib * 1024, crypto_pwhash_ALG_ARGON2ID13))
        die("argon2id");
    if (!conn->be->pg) run("PRAGMA cache_size=-262144", ST_NONE);
    if (st_begin(conn) != ST_OK) die("begin");
    /* the accounts and what their sign-ups left: a session, a used link, a sent mail, an event */
    run(SERIES "INSERT INTO accounts (username, email, email_norm, email_verified, password_hash,"
               " created_at, updated_at) SELECT 'u' || i, 'u' || i || '@example.com',"
               " 'u' || i || '@example.com', 1, ?, ? - i, ? FROM s",
        ST_IN(ST_INT(n), ST_TEXT(hash), ST_INT(now), ST_INT(now)));
    run("INSERT INTO sessions (id_hash, account_id, created_at, last_seen, expires_at, ip,"
        " user_agent, auth_at) SELECT 'live' || id, id, ? - 3600, ? - 60, ? + 29 * 86400,"
        " '192.0.2.1', 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0', ? - 3600 FROM accounts",
        ST_IN(ST_INT(now), ST_INT(now), ST_INT(now), ST_INT(now)));
    run("INSERT INTO tokens (hash, kind, account_id, email, created_at, expires_at, used_at)"
        " SELECT 'used' || id, 'verify', id, email_norm, created_at, created_at + 86400,"
        " created_at + 60 FROM accounts",
        ST_NONE);
    run("INSERT INTO outbox (account_id, kind, rcpt, message, status, attempts, next_attempt_at,"
        " created_at, sent_at) SELECT id, 'verify', email, '', 'sent', 1, created_at, created_at,"
        " created_at + 1 FROM accounts",
        ST_NONE);
    run("INSERT INTO audit (account_id, event, ip, detail, created_at)"
        " SELECT id, 'signup', '192.0.2.1', NULL, created_at FROM accounts",
        ST_NONE);
    fprintf(stderr, "scale: %lld accounts in %.1f s\n", (long long)n,
            (double)(clock_mono_ms() - t0) / 1000);
    /* what the janitor is due to remove: half the sessions idle, half past their end */
    run(SERIES "INSERT INTO sessions (id_hash, account_id, created_at, last_seen, expires_at,"
               " ip, user_agent, auth_at) SELECT 'old' || i, 1 + i % ?, ? - 9 * 86400,"
               " ? - 8 * 86400, CASE WHEN i % 2 = 0 THEN ? - 60 ELSE ? + 22 * 86400 END,"
               " '192.0.2.1', 'ua', ? - 9 * 86400 FROM s",
        ST_IN(ST_INT(extra), ST_INT(n), ST_INT(now), ST_INT(now), ST_INT(now), ST_INT(now),
              ST_INT(now)));
    run(SERIES "INSERT INTO tokens (hash, kind, account_id, email, created_at, expires_at)"
               " SELECT 'old' || i, 'reset', 1 + i % ?, NULL, ? - 9 * 86400, ? - 8 * 86400 FROM s",
        ST_IN(ST_INT(extra), ST_INT(n), ST_INT(now), ST_INT(now)));
    run(SERIES "INSERT INTO outbox (account_id, kind, rcpt, message, status, attempts,"
               " next_attempt_at, created_at, sent_at) SELECT 1 + i % ?, 'reset',"
               " 'old@example.com', '', 'sent', 1, ? - 9 * 86400, ? - 9 * 86400, ? - 8 * 86400"
               " FROM s",
        ST_IN(ST_INT(extra), ST_INT(n), ST_INT(now), ST_INT(now), ST_INT(now)));
    run(SERIES "INSERT INTO audit (account_id, event, ip, detail, created_at)"
               " SELECT 1 + i % ?, 'login', '192.0.2.1', NULL, ? - 401 * 86400 FROM s",
        ST_IN(ST_INT(extra), ST_INT(n), ST_INT(now)));
    /* verification links to open, on the first thousand accounts (each opening verifies the
     * address again: the same work as the first time) */
    FILE *f = fopen(tokens_file, "w");
    if (!f) die(tokens_file);
    for (int64_t i = 0; i < verify; i++) {
        char tok[TOKEN_LEN + 1], th[TOKEN_HASH_LEN + 1], email[64];
        int64_t id = 1 + i % (n < 1000 ? n : 1000);
        token_new(tok);
        token_hash(tok, th);
        snprintf(email, sizeof(email), "u%lld@example.com", (long long)id);
        run("INSERT INTO tokens (hash, kind, account_id, email, created_at, expires_at)"
            " VALUES (?, 'verify', ?, ?, ?, ?)",
            ST_IN(ST_TEXT(th), ST_INT(id), ST_TEXT(email), ST_INT(now), ST_INT(now + DAY)));
        fprintf(f, "%s\n", tok);
    }
    if (fclose(f) != 0) die(tokens_file);
    if (st_commit(conn) != ST_OK) die("commit");
    if (conn->be->pg) run("ANALYZE", ST_NONE);
    printf("%.1f\n", (double)(clock_mono_ms() - t0) / 1000);
}

static int has(const char *path, const char *pattern)
{
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char line[4096];
    int found = 0;
    while (!found && fgets(line, sizeof(line), f)) found = strstr(line, pattern) != NULL;
    fclose(f);
    return found;
}

static int cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void writer(const char *log_path, const char *pattern)
{
    static int64_t waits[1000000];
    size_t n = 0;
    int64_t whole_max = 0;
    int64_t start = clock_mono_ms(), checked = 0;
    while (n < sizeof(waits) / sizeof(waits[0]) && clock_mono_ms() - start < 600000) {
        int64_t t = clock_mono_us();
        if (st_begin(conn) != ST_OK) die("begin");
        waits[n++] = clock_mono_us() - t;
        run("UPDATE accounts SET updated_at = ? WHERE id = ?",
            ST_IN(ST_INT(time(NULL)), ST_INT(1 + (int64_t)(n % 1000))));
        if (st_commit(conn) != ST_OK) die("commit");
        if (clock_mono_us() - t > whole_max) whole_max = clock_mono_us() - t;
        if (clock_mono_ms() - checked > 100) {
            checked = clock_mono_ms();
            if (has(log_path, pattern)) break;
        }
        struct timespec gap = {0, 1000000};
        nanosleep(&gap, NULL);
    }
    qsort(waits, n, sizeof(waits[0]), cmp);
    size_t over = 0;
    while (over < n && waits[n - 1 - over] > 50000) over++;
    printf("writes %zu lock_max_ms %.1f lock_p99_ms %.1f lock_over_50ms %zu write_max_ms %.1f\n", n,
           n ? (double)waits[n - 1] / 1000 : 0.0, n ? (double)waits[n * 99 / 100] / 1000 : 0.0,
           over, (double)whole_max / 1000);
}

int main(int argc, char **argv)
{
    if (sodium_init() < 0 || config_load(NULL) != 0) return 1;
    log_init(cfg->log_level);
    char err[256];
    if (store_init(cfg->database, err, sizeof(err)) != 0) {
        fprintf(stderr, "scale: %s\n", err);
        return 1;
    }
    conn = st_get();
    if (!conn) return 1;
    if (argc == 6 && !strcmp(argv[1], "fixture")) {
        if (store_migrate() < 0) die("migrate");
        fixture(atoll(argv[2]), atoll(argv[3]), argv[4], atoll(argv[5]));
    } else if (argc == 4 && !strcmp(argv[1], "writer")) {
        writer(argv[2], argv[3]);
    } else {
        fprintf(stderr,
                "usage: scale fixture N EXTRA TOKENS_FILE VERIFY | scale writer LOG PATTERN\n");
        return 2;
    }
    store_shutdown();
    return 0;
}
