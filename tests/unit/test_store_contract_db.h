/* test_store_contract_db: the two fixtures of the store contract suites that run a case on
 * SQLite and on PostgreSQL (a database of its own per test on the server named by
 * DAOID_TEST_PG_URL, which `make test` starts through tests/with-pg.sh). */
#ifndef DAOID_TEST_STORE_CONTRACT_DB_H
#define DAOID_TEST_STORE_CONTRACT_DB_H

#include <libpq-fe.h>

#include "testlib.h"

/* what tl_setup_with() brings up; a suite may ask for more before including this header */
#ifndef CONTRACT_TL
#define CONTRACT_TL TL_STORE
#endif

static char pg_admin[512];
static char pg_db[64];

static void pg_admin_exec(const char *sql)
{
    PGconn *c = PQconnectdb(pg_admin);
    cr_assert_eq(PQstatus(c), CONNECTION_OK, "postgres: %s", PQerrorMessage(c));
    PGresult *r = PQexec(c, sql);
    cr_assert_eq(PQresultStatus(r), PGRES_COMMAND_OK, "%s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
}

/* extra: NULL-terminated DAOID_* name/value pairs for the config (or NULL) */
static void setup_sqlite_with(const char *const *extra)
{
    tl_setup_with(CONTRACT_TL, extra);
}

static void setup_pg_with(const char *const *extra)
{
    const char *url = getenv("DAOID_TEST_PG_URL");
    cr_assert_not_null(url,
                       "DAOID_TEST_PG_URL is not set: run through `make test` (tests/with-pg.sh)");
    snprintf(pg_admin, sizeof(pg_admin), "%s", url);
    snprintf(pg_db, sizeof(pg_db), "contract_%d_%u", (int)getpid(), (unsigned)randombytes_random());
    char sql[128];
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", pg_db);
    pg_admin_exec(sql);
    char db_url[600];
    const char *slash = strrchr(pg_admin, '/');
    cr_assert_not_null(slash);
    snprintf(db_url, sizeof(db_url), "%.*s/%s", (int)(slash - pg_admin), pg_admin, pg_db);
    const char *env[24] = {"DAOID_DATABASE", db_url, "DAOID_DB_BUSY_TIMEOUT_MS", "20000"};
    for (int i = 0; extra && extra[i] && i < 18; i++) env[4 + i] = extra[i];
    tl_setup_with(CONTRACT_TL, env);
    cr_assert_str_eq(store_backend(), "postgres");
}

static void setup_sqlite(void)
{
    setup_sqlite_with(NULL);
}

static void setup_pg(void)
{
    setup_pg_with(NULL);
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

#endif
