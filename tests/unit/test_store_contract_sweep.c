/* The store contract, sweeps: each owner's sweep removes at most ST_SWEEP_BATCH rows a call
 * (the oldest first), the janitor repeats them until nothing expired is left, the audit trail
 * is kept audit_retention days (0: forever), and the planner's statistics can be refreshed. */
#include "audit.h"
#include "captchas.h"
#include "janitor.h"
#include "outbox.h"
#include "sessions.h"
#include "tokens.h"

#include "test_store_contract_db.h"

#define NOW  1800000000
#define MANY 1100 /* more than two batches */

/* MANY rows of each table that expired long ago, and one of each that did not */
static void seed_expired(struct st_conn *c)
{
    static const char *const sql[] = {
        "INSERT INTO accounts (username, email, email_norm, email_verified, created_at, updated_at)"
        " VALUES ('owner', 'o@example.com', 'o@example.com', 1, 1, 1)",
        "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 1100)"
        " INSERT INTO sessions (id_hash, account_id, created_at, last_seen, expires_at)"
        " SELECT 'old' || i, 1, 1, 1700000000 + i, CASE WHEN i % 2 = 0 THEN 1700000000 + i"
        " ELSE 1900000000 END FROM s",
        "INSERT INTO sessions (id_hash, account_id, created_at, last_seen, expires_at)"
        " VALUES ('live', 1, 1, 1800000000, 1900000000)",
        "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 1100)"
        " INSERT INTO tokens (hash, kind, account_id, created_at, expires_at)"
        " SELECT 'old' || i, 'reset', 1, 1, 1700000000 + i FROM s",
        "INSERT INTO tokens (hash, kind, account_id, created_at, expires_at)"
        " VALUES ('live', 'reset', 1, 1, 1800000000)",
        "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 1100)"
        " INSERT INTO captchas (id_hash, answer_hash, expires_at)"
        " SELECT 'old' || i, 'a', 1700000000 + i FROM s",
        "INSERT INTO captchas (id_hash, answer_hash, expires_at) VALUES ('live', 'a', 1800000001)",
        "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 1100)"
        " INSERT INTO outbox (kind, rcpt, message, status, next_attempt_at, created_at, sent_at)"
        " SELECT 'verify', 'a@example.com', '', 'sent', 1, 1, 1700000000 + i FROM s",
        "INSERT INTO outbox (kind, rcpt, message, status, next_attempt_at, created_at, sent_at)"
        " VALUES ('verify', 'a@example.com', '', 'sent', 1, 1, 1800000000)",
        "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 1100)"
        " INSERT INTO audit (account_id, event, created_at)"
        " SELECT 1, 'login', 1700000000 + i FROM s",
        "INSERT INTO audit (account_id, event, created_at) VALUES (1, 'login', 1800000000)",
        NULL,
    };
    for (int i = 0; sql[i]; i++) cr_assert_eq(tl_exec(c, sql[i], ST_NONE), ST_OK, "%s", sql[i]);
}

CONTRACT(owner_sweeps_remove_one_batch_a_call_oldest_first)
{
    struct st_conn *c = tl_conn();
    seed_expired(c);
    /* 550 sessions past their end, 550 idle (session_idle is 7 days): a batch of each a call */
    cr_assert_eq(sessions_sweep(c, NOW, NOW - 7 * 86400), 2 * ST_SWEEP_BATCH);
    cr_assert_eq(tokens_sweep(c, NOW), ST_SWEEP_BATCH);
    cr_assert_eq(captchas_sweep(c, NOW), ST_SWEEP_BATCH);
    cr_assert_eq(outbox_sweep(c, NOW - 7 * 86400), ST_SWEEP_BATCH);
    cr_assert_eq(audit_sweep(c, NOW - 400 * 86400), ST_SWEEP_BATCH);
    /* the oldest went first: the newest 600 of each are there */
    cr_assert_eq(tl_scalar("SELECT MIN(expires_at) FROM tokens"), 1700000000 + ST_SWEEP_BATCH + 1);
    cr_assert_eq(tl_scalar("SELECT MIN(sent_at) FROM outbox"), 1700000000 + ST_SWEEP_BATCH + 1);
    cr_assert_eq(tl_scalar("SELECT MIN(created_at) FROM audit"), 1700000000 + ST_SWEEP_BATCH + 1);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM sessions"), MANY + 1 - 2 * ST_SWEEP_BATCH);
    int64_t n, swept = 2 * ST_SWEEP_BATCH, calls = 0;
    while ((n = sessions_sweep(c, NOW, NOW - 7 * 86400)) > 0) {
        cr_assert_leq(n, 2 * ST_SWEEP_BATCH);
        swept += n;
        calls++;
    }
    cr_assert_eq(n, 0);
    cr_assert_eq(swept, MANY);
    cr_assert_geq(calls, MANY / 2 / ST_SWEEP_BATCH - 1, "a batch of each a call");
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM sessions WHERE id_hash = 'live'"), 1);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM sessions"), 1);
}

CONTRACT(janitor_sweeps_until_nothing_expired_is_left)
{
    struct st_conn *c = tl_conn();
    seed_expired(c);
    /* sessions, tokens, captchas, outbox and audit (older than 400 days): MANY each */
    cr_assert_eq(janitor_sweep(NOW), 5 * MANY);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM sessions"), 1);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM tokens"), 1);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM captchas"), 1);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM outbox"), 1);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM audit"), 1);
    cr_assert_eq(janitor_sweep(NOW), 0, "a second sweep finds nothing");
}

/* audit_retention: 400 days by default; rows one day inside it stay */
CONTRACT(audit_kept_for_audit_retention_days)
{
    struct st_conn *c = tl_conn();
    cr_assert_eq(cfg->audit_retention, 400);
    cr_assert_eq(tl_exec(c,
                         "INSERT INTO audit (account_id, event, created_at) VALUES"
                         " (NULL, 'login', 1800000000 - 401 * 86400),"
                         " (NULL, 'login', 1800000000 - 399 * 86400)",
                         ST_NONE),
                 ST_OK);
    cr_assert_eq(janitor_sweep(NOW), 1);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM audit"), 1);
    cr_assert_eq(tl_scalar("SELECT created_at FROM audit"), NOW - 399 * 86400);
}

static const char *const keep_forever[] = {"DAOID_AUDIT_RETENTION", "0", NULL};

static void setup_sqlite_keep(void)
{
    setup_sqlite_with(keep_forever);
}

static void setup_pg_keep(void)
{
    setup_pg_with(keep_forever);
}

static void audit_retention_zero_keeps_everything(void)
{
    struct st_conn *c = tl_conn();
    cr_assert_eq(cfg->audit_retention, 0);
    cr_assert_eq(tl_exec(c,
                         "INSERT INTO audit (account_id, event, created_at)"
                         " VALUES (NULL, 'login', 1)",
                         ST_NONE),
                 ST_OK);
    cr_assert_eq(janitor_sweep(NOW), 0);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM audit"), 1);
}

Test(sqlite, audit_retention_zero_keeps_everything, .init = setup_sqlite_keep, .fini = tl_teardown)
{
    audit_retention_zero_keeps_everything();
}

Test(postgres, audit_retention_zero_keeps_everything, .init = setup_pg_keep, .fini = teardown_pg)
{
    audit_retention_zero_keeps_everything();
}

/* SQLite: the first refresh analyses a database that has no statistics yet (PRAGMA optimize
 * alone would not before SQLite 3.46); PostgreSQL: nothing to do, and no error. */
CONTRACT(planner_statistics_refreshed)
{
    struct st_conn *c = tl_conn();
    seed_expired(c);
    cr_assert_eq(store_optimize(), 0);
    if (!c->be->pg) {
        cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"),
                     1);
        cr_assert_gt(tl_scalar("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'sessions'"), 0);
    }
    cr_assert_eq(store_optimize(), 0, "and again");
}

Test(config, audit_retention_refused_when_negative)
{
    tl_env_clear();
    setenv("DAOID_AUDIT_RETENTION", "-1", 1);
    cr_assert_neq(config_load(NULL), 0);
    config_free();
    tl_env_clear();
}
