/* The store contract: the same cases against SQLite and PostgreSQL (a server named by
 * DAOID_TEST_PG_URL, which `make test` starts; each test gets a database of its own).
 * Uniqueness after normalization, one-transaction sign-up with its outbox row, single-use
 * tokens under races, rate counters under concurrency, outbox claim exclusivity and leases,
 * expiry sweeps, shared settings, idempotent migrations. */
#include <libpq-fe.h>
#include <pthread.h>

#include "account.h"
#include "identity.h"
#include "arena.h"
#include "janitor.h"
#include "mail.h"
#include "ratelimit.h"
#include "token.h"
#include "tmpl.h"
#include "verify.h"

#include "testlib.h"

#define NOW 1800000000
#define THREADS 8

static char pg_admin[512]; /* the server's URL, read before the environment is cleared */
static char pg_db[64];     /* this test's database */

static void pg_admin_exec(const char *sql)
{
    PGconn *c = PQconnectdb(pg_admin);
    cr_assert_eq(PQstatus(c), CONNECTION_OK, "postgres: %s", PQerrorMessage(c));
    PGresult *r = PQexec(c, sql);
    cr_assert_eq(PQresultStatus(r), PGRES_COMMAND_OK, "%s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
}

static void setup_sqlite(void)
{
    tl_setup_with(TL_STORE | TL_I18N, NULL);
}

static void setup_pg(void)
{
    const char *url = getenv("DAOID_TEST_PG_URL");
    cr_assert_not_null(url, "DAOID_TEST_PG_URL is not set: run through `make test` (tests/with-pg.sh)");
    snprintf(pg_admin, sizeof(pg_admin), "%s", url);
    snprintf(pg_db, sizeof(pg_db), "contract_%d_%u", (int)getpid(), (unsigned)randombytes_random());
    char sql[128];
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", pg_db);
    pg_admin_exec(sql);
    /* same server, this test's database */
    char db_url[600];
    const char *slash = strrchr(pg_admin, '/');
    cr_assert_not_null(slash);
    snprintf(db_url, sizeof(db_url), "%.*s/%s", (int)(slash - pg_admin), pg_admin, pg_db);
    const char *const env[] = {"DAOID_DATABASE", db_url, "DAOID_DB_BUSY_TIMEOUT_MS", "20000", NULL};
    tl_setup_with(TL_STORE | TL_I18N, env);
    cr_assert_str_eq(store_backend(), "postgres");
}

static void teardown_pg(void)
{
    tl_teardown();
    char sql[128];
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", pg_db);
    pg_admin_exec(sql);
}

/* Each case is a function run under both fixtures. */
#define CONTRACT(name)                                                                             \
    static void name(void);                                                                        \
    Test(sqlite, name, .init = setup_sqlite, .fini = tl_teardown)                                  \
    {                                                                                              \
        name();                                                                                    \
    }                                                                                              \
    Test(postgres, name, .init = setup_pg, .fini = teardown_pg)                                    \
    {                                                                                              \
        name();                                                                                    \
    }                                                                                              \
    static void name(void)

/* Runs fn(i) on THREADS threads at once, each with its own connection. */
static void run_threads(void *(*fn)(void *), long *results)
{
    pthread_t t[THREADS];
    for (long i = 0; i < THREADS; i++) cr_assert_eq(pthread_create(&t[i], NULL, fn, (void *)i), 0);
    for (int i = 0; i < THREADS; i++) {
        void *r;
        pthread_join(t[i], &r);
        results[i] = (long)r;
    }
}

/* ---- uniqueness after normalization ---- */

static void *insert_same_name(void *arg)
{
    (void)arg;
    struct st_conn *c = st_get();
    int64_t id = 0;
    if (!c || st_begin(c) != ST_OK) return (void *)-1L;
    enum acct_rc rc = account_insert(c, "racer", NULL, NULL, 0, NULL, NOW, &id);
    if (rc != ACCT_OK || st_commit(c) != ST_OK) {
        st_rollback(c);
        return (void *)(long)(rc == ACCT_USERNAME_TAKEN ? 0 : -1);
    }
    return (void *)1L;
}

CONTRACT(username_unique_after_normalization)
{
    struct arena *a = arena_new();
    const char *n1, *n2;
    cr_assert_eq(account_username_normalize(a, "Alice", &n1), NAME_OK);
    cr_assert_eq(account_username_normalize(a, "\xef\xbd\x81lice", &n2), NAME_OK); /* fullwidth a */
    cr_assert_str_eq(n1, n2);
    struct st_conn *c = tl_conn();
    int64_t id = 0;
    cr_assert_eq(account_insert(c, n1, NULL, NULL, 0, NULL, NOW, &id), ACCT_OK);
    cr_assert_eq(account_insert(c, n2, NULL, NULL, 0, NULL, NOW, &id), ACCT_USERNAME_TAKEN);
    cr_assert_eq(account_username_exists(c, "alice"), 1);
    arena_free(a);

    long r[THREADS];
    run_threads(insert_same_name, r);
    int won = 0;
    for (int i = 0; i < THREADS; i++) {
        cr_assert_neq(r[i], -1, "thread %d hit a store error", i);
        won += r[i] == 1;
    }
    cr_assert_eq(won, 1);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM accounts WHERE username = 'racer'"), 1);
}

/* ---- email claims: only verified addresses are unique ---- */

static int64_t ids[THREADS];

static void *verify_claim(void *arg)
{
    long i = (long)arg;
    struct st_conn *c = st_get();
    if (!c || st_begin(c) != ST_OK) return (void *)-1L;
    enum acct_rc rc = account_verify_email(c, ids[i], "shared@example.com", NOW);
    if (rc != ACCT_OK || st_commit(c) != ST_OK) {
        st_rollback(c);
        return (void *)(long)(rc == ACCT_EMAIL_TAKEN || rc == ACCT_NOTFOUND || rc == ACCT_OK ? 0 : -1);
    }
    return (void *)1L;
}

CONTRACT(verified_email_unique_and_first_verifier_wins)
{
    struct st_conn *c = tl_conn();
    char name[24];
    for (int i = 0; i < THREADS; i++) {
        snprintf(name, sizeof(name), "claim%d", i & 0xff);
        cr_assert_eq(account_insert(c, name, "Shared@example.com", "shared@example.com", 0, NULL,
                                    NOW, &ids[i]),
                     ACCT_OK, "unverified claims do not block each other");
    }
    long r[THREADS];
    run_threads(verify_claim, r);
    int won = 0;
    for (int i = 0; i < THREADS; i++) {
        cr_assert_neq(r[i], -1);
        won += r[i] == 1;
    }
    cr_assert_eq(won, 1);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM accounts WHERE email_norm = 'shared@example.com'"), 1,
                 "the losers' unverified claims are cleared");
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM accounts WHERE email_norm = 'shared@example.com'"
                           " AND email_verified = 1"),
                 1);
    int64_t id = 0;
    cr_assert_eq(account_insert(c, "latecomer", "shared@example.com", "shared@example.com", 0, NULL,
                                NOW, &id),
                 ACCT_EMAIL_TAKEN);
}

/* ---- sign-up: account, token and mail in one transaction ---- */

static void signup_tx(const char *name, int commit)
{
    struct st_conn *c = tl_conn();
    struct arena *a = arena_new();
    int64_t id = 0;
    char email[64];
    snprintf(email, sizeof(email), "%s@example.com", name);
    cr_assert_eq(st_begin(c), ST_OK);
    cr_assert_eq(account_insert(c, name, email, email, 0, "hash", NOW, &id), ACCT_OK);
    cr_assert_eq(verify_send(c, a, id, email, "en", NOW), 0);
    if (commit) cr_assert_eq(st_commit(c), ST_OK);
    else st_rollback(c);
    arena_free(a);
}

CONTRACT(signup_is_one_transaction_with_its_mail)
{
    signup_tx("rolledback", 0);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM accounts"), 0);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM outbox"), 0);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM tokens"), 0);
    signup_tx("committed", 1);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM accounts"), 1);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM outbox WHERE kind = 'verify' AND status = 'queued'"), 1);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM tokens WHERE kind = 'verify'"), 1);
}

/* ---- one-time tokens under races ---- */

static char race_token[TOKEN_LEN + 1];

static void *consume(void *arg)
{
    (void)arg;
    struct st_conn *c = st_get();
    struct arena *a = arena_new();
    int64_t acct = 0;
    char *email = NULL;
    long out = -1;
    if (c && st_begin(c) == ST_OK) {
        enum token_use u = token_consume(c, a, "verify", race_token, NOW + 1, &acct, &email);
        if (st_commit(c) == ST_OK) out = u == TOKEN_OK ? 1 : u == TOKEN_USED ? 0 : -1;
        else st_rollback(c);
    }
    arena_free(a);
    return (void *)out;
}

CONTRACT(token_single_use_under_race)
{
    struct st_conn *c = tl_conn();
    int64_t id = 0;
    cr_assert_eq(account_insert(c, "tok", NULL, NULL, 0, NULL, NOW, &id), ACCT_OK);
    cr_assert_eq(token_issue(c, "verify", id, "tok@example.com", NOW, 3600, race_token), 0);
    long r[THREADS];
    run_threads(consume, r);
    int ok = 0;
    for (int i = 0; i < THREADS; i++) {
        cr_assert_neq(r[i], -1, "thread %d: neither consumed nor already used", i);
        ok += r[i] == 1;
    }
    cr_assert_eq(ok, 1);
}

/* ---- rate counters under concurrency ---- */

static void *hammer(void *arg)
{
    (void)arg;
    struct st_conn *c = st_get();
    struct rate rate = {50, 3600};
    long allowed = 0;
    for (int k = 0; k < 25; k++) {
        enum rl_rc rc = ratelimit_hit(c, "contract:key", &rate, NOW);
        if (rc == RL_ERR) return (void *)-1L;
        allowed += rc == RL_ALLOW;
    }
    return (void *)allowed;
}

CONTRACT(rate_counter_exact_under_concurrency)
{
    long r[THREADS];
    run_threads(hammer, r);
    long total = 0;
    for (int i = 0; i < THREADS; i++) {
        cr_assert_neq(r[i], -1);
        total += r[i];
    }
    cr_assert_eq(total, 50, "exactly the limit is allowed, got %ld", total);
    cr_assert_eq(ratelimit_peek(tl_conn(), "contract:key", 3600, NOW), THREADS * 25);
}

/* ---- outbox: each row claimed by one sender; leases expire ---- */

#define MAILS 120
static int claimed_by[MAILS + 1];
static pthread_mutex_t claim_mu = PTHREAD_MUTEX_INITIALIZER;

static void *claimer(void *arg)
{
    (void)arg;
    struct st_conn *c = st_get();
    long n = 0;
    for (;;) {
        struct arena *a = arena_new();
        struct mail_claimed m;
        int got = mail_claim(c, a, NOW, &m);
        arena_free(a);
        if (got < 0) return (void *)-1L;
        if (got == 0) break;
        pthread_mutex_lock(&claim_mu);
        if (m.id >= 1 && m.id <= MAILS) claimed_by[m.id]++;
        pthread_mutex_unlock(&claim_mu);
        n++;
    }
    return (void *)n;
}

CONTRACT(outbox_claim_exclusive_and_leased)
{
    struct st_conn *c = tl_conn();
    for (int i = 0; i < MAILS; i++)
        cr_assert_eq(st_exec(c,
                             "INSERT INTO outbox (kind, rcpt, message, next_attempt_at, created_at)"
                             " VALUES ('verify', 'x@example.com', 'body', ?, ?)",
                             "ii", (int64_t)NOW, (int64_t)NOW),
                     ST_OK);
    memset(claimed_by, 0, sizeof(claimed_by));
    long r[THREADS], total = 0;
    run_threads(claimer, r);
    for (int i = 0; i < THREADS; i++) {
        cr_assert_neq(r[i], -1);
        total += r[i];
    }
    cr_assert_eq(total, MAILS);
    for (int id = 1; id <= MAILS; id++) cr_assert_eq(claimed_by[id], 1, "row %d claimed %d times", id, claimed_by[id]);

    /* a leased row is not taken again until its lease runs out */
    struct arena *a = arena_new();
    struct mail_claimed m;
    cr_assert_eq(mail_claim(c, a, NOW + 1, &m), 0);
    int64_t later = NOW + 2 * cfg->mail_timeout + 1;
    cr_assert_eq(mail_claim(c, a, later, &m), 1);
    cr_assert_eq(m.id, 1);
    cr_assert_eq(m.attempts, 2);
    arena_free(a);
}

/* ---- expiry sweeps ---- */

CONTRACT(sweeps_remove_only_what_expired)
{
    struct st_conn *c = tl_conn();
    int64_t id = 0;
    cr_assert_eq(account_insert(c, "sweep", NULL, NULL, 0, NULL, NOW, &id), ACCT_OK);
    const char *ins_session = "INSERT INTO sessions (id_hash, account_id, created_at, last_seen,"
                              " expires_at) VALUES (?, ?, ?, ?, ?)";
    cr_assert_eq(st_exec(c, ins_session, "siiii", "old", id, (int64_t)NOW - 100, (int64_t)NOW - 100,
                         (int64_t)NOW - 1),
                 ST_OK);
    cr_assert_eq(st_exec(c, ins_session, "siiii", "idle", id, (int64_t)NOW - cfg->session_idle - 10,
                         (int64_t)NOW - cfg->session_idle - 10, (int64_t)NOW + 100),
                 ST_OK);
    cr_assert_eq(st_exec(c, ins_session, "siiii", "live", id, (int64_t)NOW, (int64_t)NOW,
                         (int64_t)NOW + 100),
                 ST_OK);
    const char *ins_token = "INSERT INTO tokens (hash, kind, account_id, created_at, expires_at)"
                            " VALUES (?, 'verify', ?, ?, ?)";
    /* one-time tokens are kept a week past expiry (an old link then still says "expired") */
    cr_assert_eq(st_exec(c, ins_token, "siii", "t-old", id, (int64_t)NOW - 700000,
                         (int64_t)NOW - 604801),
                 ST_OK);
    cr_assert_eq(st_exec(c, ins_token, "siii", "t-expired", id, (int64_t)NOW - 10, (int64_t)NOW - 1),
                 ST_OK);
    cr_assert_eq(st_exec(c, ins_token, "siii", "t-live", id, (int64_t)NOW, (int64_t)NOW + 10), ST_OK);
    const char *ins_captcha = "INSERT INTO captchas (id_hash, answer_hash, expires_at) VALUES (?, 'h', ?)";
    cr_assert_eq(st_exec(c, ins_captcha, "si", "c-old", (int64_t)NOW), ST_OK);
    cr_assert_eq(st_exec(c, ins_captcha, "si", "c-live", (int64_t)NOW + 1), ST_OK);
    struct rate short_rate = {5, 10};
    cr_assert_eq(ratelimit_hit(c, "sweep:old", &short_rate, NOW - 100), RL_ALLOW);
    cr_assert_eq(ratelimit_hit(c, "sweep:live", &short_rate, NOW), RL_ALLOW);

    cr_assert_eq(janitor_sweep(NOW), 5);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM sessions WHERE id_hash = 'live'"), 1);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM sessions"), 1);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM tokens"), 2);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM captchas"), 1);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM rate_counters"), 1);
    cr_assert_eq(janitor_sweep(NOW), 0, "a second sweep finds nothing");
}

/* ---- settings shared by nodes; migrations idempotent ---- */

static int made;
static char *make_value(void)
{
    __atomic_add_fetch(&made, 1, __ATOMIC_SEQ_CST);
    char *v = malloc(32);
    snprintf(v, 32, "value-%u", (unsigned)randombytes_random());
    return v;
}

static char *seen[THREADS];

static void *get_setting(void *arg)
{
    seen[(long)arg] = store_setting_get_or_create("contract", make_value);
    return NULL;
}

CONTRACT(setting_created_once_and_migrations_idempotent)
{
    long r[THREADS];
    run_threads(get_setting, r);
    for (int i = 0; i < THREADS; i++) {
        cr_assert_not_null(seen[i]);
        cr_assert_str_eq(seen[i], seen[0], "every caller reads the winner's value");
    }
    for (int i = 0; i < THREADS; i++) free(seen[i]);
    cr_assert_eq(store_migrate(), store_schema_version());
    cr_assert_eq(store_migrate(), store_schema_version());
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM schema_migrations"), store_schema_version());
}

/* ---- identities: one account per (provider, subject); the last way in stays ---- */

static int64_t unlink_account;

static void *unlink_one(void *arg)
{
    struct st_conn *c = st_get();
    const char *provider = (long)arg % 2 ? "github" : "wechat";
    enum ident_rc rc = identity_unlink(c, unlink_account, provider);
    return (void *)(long)(rc == IDENT_OK ? 1 : rc == IDENT_LAST_METHOD || rc == IDENT_NOTFOUND ? 0 : -1);
}

CONTRACT(identities_unique_and_last_method_kept_under_race)
{
    struct st_conn *c = tl_conn();
    int64_t a1 = 0, a2 = 0;
    cr_assert_eq(account_insert(c, "idone", NULL, NULL, 0, NULL, NOW, &a1), ACCT_OK);
    cr_assert_eq(account_insert(c, "idtwo", NULL, NULL, 0, NULL, NOW, &a2), ACCT_OK);
    cr_assert_eq(identity_link(c, a1, "github", "1001", "octo", NULL, NULL, NOW), IDENT_OK);
    cr_assert_eq(identity_link(c, a1, "github", "1001", "octo", NULL, NULL, NOW), IDENT_OK,
                 "linking again to the same account is a no-op");
    cr_assert_eq(identity_link(c, a2, "github", "1001", "octo", NULL, NULL, NOW), IDENT_TAKEN);
    cr_assert_eq(identity_link(c, a1, "github", "2002", "other", NULL, NULL, NOW),
                 IDENT_PROVIDER_TAKEN);
    cr_assert_eq(identity_link(c, a1, "wechat", "o-abc", NULL, NULL, "{\"openid\":\"o-abc\"}", NOW),
                 IDENT_OK);
    cr_assert_eq(identity_signin_methods(c, a1), 2);
    struct arena *a = arena_new();
    struct identity id;
    cr_assert_eq(identity_find(c, a, "github", "1001", &id), IDENT_OK);
    cr_assert_eq(id.account_id, a1);
    cr_assert_str_eq(id.login, "octo");
    arena_free(a);

    /* two unlinks at once on an account with exactly two ways in: one wins, one is refused */
    unlink_account = a1;
    long r[THREADS];
    run_threads(unlink_one, r);
    int ok = 0;
    for (int i = 0; i < THREADS; i++) {
        cr_assert_neq(r[i], -1, "thread %d hit a store error", i);
        ok += r[i] == 1;
    }
    cr_assert_eq(ok, 1);
    cr_assert_eq(identity_signin_methods(c, a1), 1);
    struct arena *b = arena_new();
    struct identity left;
    int github_left = identity_of(c, b, a1, "github", &left) == IDENT_OK;
    arena_free(b);
    cr_assert_eq(identity_unlink(c, a1, github_left ? "wechat" : "github"), IDENT_NOTFOUND);
    cr_assert_eq(identity_unlink(c, a1, github_left ? "github" : "wechat"), IDENT_LAST_METHOD);
}
