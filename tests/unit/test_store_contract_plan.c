/* The store contract, plans: on tables seeded with a few thousand realistic rows and analysed,
 * every statement of the catalogue (q_all.h) that touches a growing table is planned with an
 * index, on SQLite (EXPLAIN QUERY PLAN: no "SCAN <table>") and on PostgreSQL (EXPLAIN of the
 * generic plan of the prepared statement: no "Seq Scan"). A new statement without an index
 * fails here; the few that may scan are listed below, each with its reason. */
#include "catalog.h"

#include "test_store_contract_db.h"

#define NOW       1800000000
#define ROWS      3000
#define ROWS_TEXT "3000"

/* Tables that stay tiny whatever the number of accounts: a scan of them is fine. */
static const char *const tiny_tables[] = {
    "settings",          /* a handful of installation-wide values */
    "wechat_tokens",     /* one row per WeChat AppID */
    "schema_migrations", /* one row per migration */
    "oidc_clients",      /* the relying parties an operator registered */
    "oidc_keys",         /* the signing keys: two or three at a time */
    NULL,
};

/* Statements that may scan a growing table, and why. */
static const enum q_id may_scan[] = {
    /* `daoid admin find TEXT`: a substring search (LIKE '%TEXT%') by an operator, at most 50
     * rows; no index serves a substring, and it runs by hand, not per request */
    Q_ACCOUNTS_FIND,
};

/* Rows like the ones real sign-ups make, ROWS of each (i = 1 … ROWS), so that the planners
 * see realistic sizes and spreads (ANALYZE afterwards). */
#define SERIES                                                                                     \
    "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < " ROWS_TEXT ") "
static const char *const seed[] = {
    SERIES "INSERT INTO accounts (username, email, email_norm, email_verified, password_hash,"
           " created_at, updated_at) SELECT 'u' || i, 'u' || i || '@example.com',"
           " 'u' || i || '@example.com', CASE WHEN i % 10 = 0 THEN 0 ELSE 1 END, 'hash',"
           " 1700000000 + i, 1700000000 + i FROM s",
    SERIES "INSERT INTO sessions (id_hash, account_id, created_at, last_seen, expires_at, ip,"
           " user_agent, auth_at) SELECT 's' || i, i, 1800000000 - i * 100, 1800000000 - i * 10,"
           " 1800000000 + i * 100, '192.0.2.1', 'ua', 1800000000 - i * 100 FROM s",
    SERIES "INSERT INTO tokens (hash, kind, account_id, email, created_at, expires_at, used_at)"
           " SELECT 't' || i, CASE i % 3 WHEN 0 THEN 'verify' WHEN 1 THEN 'reset' ELSE 'email'"
           " END, i, 'u' || i || '@example.com', 1800000000 - i * 60, 1800000000 + 86400 - i * 60,"
           " CASE WHEN i % 4 = 0 THEN NULL ELSE 1800000000 - i END FROM s",
    SERIES "INSERT INTO captchas (id_hash, answer_hash, expires_at)"
           " SELECT 'c' || i, 'a', 1800000000 + i FROM s",
    SERIES "INSERT INTO rate_counters (key, window_start, count, expires_at)"
           " SELECT 'login:ip:' || i, 1800000000 - i, 1, 1800000000 + 300 - i FROM s",
    SERIES "INSERT INTO outbox (account_id, kind, rcpt, message, status, attempts, next_attempt_at,"
           " lease_until, created_at, sent_at) SELECT i, 'verify', 'u' || i || '@example.com', '',"
           " CASE WHEN i % 100 = 0 THEN 'dead' WHEN i % 100 = 1 THEN 'queued' ELSE 'sent' END, 1,"
           " 1800000000 - i, 0, 1800000000 - i * 60, CASE WHEN i % 100 > 1 THEN 1800000000 - i"
           " END FROM s",
    SERIES "INSERT INTO audit (account_id, event, ip, detail, created_at)"
           " SELECT i, 'signin', '192.0.2.1', NULL, 1800000000 - i * 60 FROM s",
    SERIES "INSERT INTO identities (provider, subject, login, email, extra, account_id,"
           " created_at, updated_at) SELECT CASE i % 3 WHEN 0 THEN 'github' WHEN 1 THEN 'wechat'"
           " ELSE 'bitbucket' END, 'sub' || i, 'login' || i, NULL, CASE i % 3 WHEN 1 THEN"
           " 'openid' || i ELSE NULL END, i, 1800000000 - i, 1800000000 - i FROM s",
    "INSERT INTO provider_tokens (account_id, provider, identity_id, access_ct, scope,"
    " updated_at) SELECT account_id, provider, id, 'ct', 'repo', 1800000000 FROM identities",
    SERIES "INSERT INTO grants (account_id, reason, units, source, created_at)"
           " SELECT i, 'wechat_bind', 1, 'wechat:' || i, 1800000000 - i FROM s",
    SERIES "INSERT INTO held_usernames (username, account_id, held_until, created_at)"
           " SELECT 'held' || i, i, 1800000000 + i, 1800000000 - i FROM s",
    SERIES "INSERT INTO oauth_states (state_hash, browser_hash, provider, intent, created_at,"
           " expires_at) SELECT 'st' || i, 'b' || i, 'github', 'signin', 1800000000 - i,"
           " 1800000000 + 600 - i FROM s",
    SERIES "INSERT INTO oauth_pending (id_hash, provider, subject, created_at, expires_at)"
           " SELECT 'p' || i, 'github', 'sub' || i, 1800000000 - i, 1800000000 + 600 - i FROM s",
    SERIES "INSERT INTO wechat_tickets (scene, secret_hash, intent, wx_ticket, qr_url, lang,"
           " created_at, expires_at) SELECT 'sc' || i, 'se' || i, 'signin', 'wx' || i, 'qr', 'en',"
           " 1800000000 - i, 1800000000 + 300 - i FROM s",
    SERIES "INSERT INTO wechat_pushes (from_user, create_time, event, received_at)"
           " SELECT 'openid' || i, 1800000000 - i, 'SCAN', 1800000000 - i FROM s",
    SERIES "INSERT INTO wechat_followers (openid, following, updated_at)"
           " SELECT 'openid' || i, 1, 1800000000 - i FROM s",
    SERIES "INSERT INTO access_tokens (account_id, name, hash, scopes, created_at, expires_at,"
           " last_used_at, revoked_at) SELECT i, 'ci', 'h' || i, 'registry:pull', 1800000000 - i,"
           " CASE WHEN i % 2 = 0 THEN 0 ELSE 1800000000 + i END, 0,"
           " CASE WHEN i % 10 = 0 THEN 1800000000 - i ELSE 0 END FROM s",
    SERIES "INSERT INTO wechat_nonces (nonce, ts, digest, expires_at)"
           " SELECT 'n' || i, 1800000000 - i, 'd', 1800000000 + 300 - i FROM s",
    SERIES "INSERT INTO oidc_clients (client_id, name, redirect_uris, scopes, created_at,"
           " updated_at) SELECT 'client' || i, 'App ' || i, 'https://app' || i || '.test/cb',"
           " 'openid', 1800000000, 1800000000 FROM s WHERE i <= 20",
    SERIES "INSERT INTO oidc_codes (code_hash, client_id, account_id, redirect_uri, scope,"
           " auth_time, created_at, expires_at, used_at) SELECT 'code' || i, 1 + i % 20, i,"
           " 'https://app.test/cb', 'openid', 1800000000 - i, 1800000000 - i, 1800000060 - i,"
           " CASE WHEN i % 2 = 0 THEN 1800000000 ELSE 0 END FROM s",
    SERIES "INSERT INTO oidc_grants (client_id, account_id, scope, auth_time, created_at,"
           " expires_at) SELECT 1 + i % 20, i, 'openid', 1800000000 - i, 1800000000 - i,"
           " 1800000000 + 86400 - i FROM s",
    SERIES "INSERT INTO oidc_tokens (hash, grant_id, kind, created_at, expires_at)"
           " SELECT 'tok' || i, i, CASE WHEN i % 2 = 0 THEN 'access' ELSE 'refresh' END,"
           " 1800000000 - i, 1800000000 + 3600 - i FROM s",
    SERIES "INSERT INTO oidc_consents (account_id, client_id, scope, created_at, last_used_at)"
           " SELECT i, 1 + i % 20, 'openid', 1800000000 - i, 1800000000 - i FROM s",
    SERIES "INSERT INTO totp_secrets (account_id, secret_ct, confirmed_at, last_step,"
           " created_at) SELECT i, 'ct', 1800000000 - i, 60000000 - i, 1800000000 - i FROM s",
    SERIES "INSERT INTO recovery_codes (account_id, code_hash, created_at, used_at)"
           " SELECT i, 'rc' || i, 1800000000 - i, NULL FROM s",
    SERIES "INSERT INTO mfa_pending (id_hash, account_id, first_amr, created_at, expires_at)"
           " SELECT 'mp' || i, i, 'pwd', 1800000000 - i, 1800000000 + 300 - i FROM s",
    SERIES "INSERT INTO passkeys (account_id, cred_id, cose_alg, public_key, name, created_at)"
           " SELECT i, 'cred' || i, -7, 'pk', 'laptop', 1800000000 - i FROM s",
    SERIES "INSERT INTO webauthn_challenges (id_hash, challenge, kind, created_at, expires_at)"
           " SELECT 'wa' || i, 'ch', 'login', 1800000000 - i, 1800000000 + 300 - i FROM s",
    "ANALYZE",
    NULL,
};
#undef SERIES

static int allowed(enum q_id q)
{
    for (size_t i = 0; i < sizeof(may_scan) / sizeof(may_scan[0]); i++)
        if (may_scan[i] == q) return 1;
    return 0;
}

/* 1 when the word at p (up to a space, a comma or the end) names a tiny table */
static int tiny(const char *p)
{
    size_t n = strcspn(p, " ,()");
    for (int i = 0; tiny_tables[i]; i++)
        if (strlen(tiny_tables[i]) == n && !strncmp(p, tiny_tables[i], n)) return 1;
    return 0;
}

/* One line of a plan: "" when it is fine, else what scans. SQLite: "SCAN t" (with or without
 * "USING … INDEX": a whole index walked is a scan too), not the constant row of an INSERT nor
 * a subquery's result; PostgreSQL: "Seq Scan on t". */
static int scans(const char *line, int pg)
{
    if (pg) {
        const char *p = strstr(line, "Seq Scan on ");
        return p && !tiny(p + 12);
    }
    const char *p = strstr(line, "SCAN ");
    if (!p || (p != line && p[-1] != ' ')) return 0;
    p += 5;
    if (strstr(p, "CONSTANT ROW") || *p == '(')
        return 0; /* the constant row of an INSERT, a subquery's rows */
    return !tiny(p);
}

/* sql with ? as $1 … $n (outside quotes); *n the count */
static char *dollars(struct arena *a, const char *sql, int *n)
{
    char *out = arena_alloc(a, strlen(sql) * 4 + 1), *o = out;
    int quoted = 0;
    *n = 0;
    for (const char *p = sql; *p; p++) {
        if (*p == '\'') quoted = !quoted;
        if (*p == '?' && !quoted)
            o += sprintf(o, "$%d", ++*n);
        else
            *o++ = *p;
    }
    *o = 0;
    return out;
}

/* The plan of q, one line per row, into buf; 1 when a line scans a growing table. */
static int plan_of(struct st_conn *c, struct arena *a, enum q_id q, char *buf, size_t len)
{
    int pg = c->be->pg, bad = 0;
    const char *sql = catalog_sql(q, pg);
    char *explain;
    if (pg) {
        int n;
        char *text = dollars(a, sql, &n);
        cr_assert_eq(tl_exec(c, arena_printf(a, "PREPARE plan_probe AS %s", text), ST_NONE), ST_OK,
                     "%s does not prepare", catalog_name(q));
        char *args = arena_strdup(a, "");
        for (int i = 0; i < n; i++) args = arena_printf(a, "%s%sNULL", args, i ? ", " : "");
        explain = n ? arena_printf(a, "EXPLAIN EXECUTE plan_probe(%s)", args)
                    : arena_strdup(a, "EXPLAIN EXECUTE plan_probe");
    } else {
        explain = arena_printf(a, "EXPLAIN QUERY PLAN %s", sql);
    }
    struct st_stmt *s = c->be->prepare(c, -1, explain);
    cr_assert_not_null(s, "%s: cannot explain", catalog_name(q));
    size_t used = 0;
    buf[0] = 0;
    enum st_rc rc;
    while ((rc = st_step(s)) == ST_ROW) {
        const char *line = st_col_text(s, pg ? 0 : 3);
        if (!line) continue;
        bad |= scans(line, pg);
        int w = snprintf(buf + used, len - used, "    %s\n", line);
        if (w > 0 && (size_t)w < len - used) used += (size_t)w;
    }
    st_done(s);
    cr_assert_eq(rc, ST_DONE, "%s: explain failed", catalog_name(q));
    if (pg) cr_assert_eq(tl_exec(c, "DEALLOCATE plan_probe", ST_NONE), ST_OK);
    return bad;
}

CONTRACT(every_statement_uses_an_index)
{
    struct st_conn *c = tl_conn();
    struct arena *a = arena_new();
    for (int i = 0; seed[i]; i++)
        cr_assert_eq(tl_exec(c, seed[i], ST_NONE), ST_OK, "seed failed: %.80s", seed[i]);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM sessions"), ROWS);
    /* the plan any later execution may get, whatever the values (PostgreSQL switches to it
     * after five runs of a prepared statement when it looks no worse) */
    if (c->be->pg)
        cr_assert_eq(tl_exec(c, "SET plan_cache_mode = force_generic_plan", ST_NONE), ST_OK);
    char *report = arena_strdup(a, "");
    int failures = 0;
    for (int q = 0; q < Q_COUNT; q++) {
        char plan[4096];
        int bad = plan_of(c, a, (enum q_id)q, plan, sizeof(plan));
        if (bad && !allowed((enum q_id)q)) {
            failures++;
            report = arena_printf(a, "%s  %s:\n%s", report, catalog_name((enum q_id)q), plan);
        } else if (!bad && allowed((enum q_id)q)) {
            failures++;
            report = arena_printf(a,
                                  "%s  %s is allowed to scan but does not: drop it from the"
                                  " list\n",
                                  report, catalog_name((enum q_id)q));
        }
    }
    cr_assert_eq(failures, 0, "%d statements scan a growing table on %s:\n%s", failures,
                 store_backend(), report);
    arena_free(a);
}

/* The checker itself: a statement that scans is caught on this backend. */
CONTRACT(a_scan_is_caught)
{
    struct st_conn *c = tl_conn();
    for (int i = 0; seed[i]; i++) cr_assert_eq(tl_exec(c, seed[i], ST_NONE), ST_OK);
    int pg = c->be->pg;
    struct st_stmt *s =
        c->be->prepare(c, -1,
                       pg ? "EXPLAIN SELECT * FROM outbox WHERE rcpt LIKE '%x%'"
                          : "EXPLAIN QUERY PLAN SELECT * FROM outbox WHERE rcpt LIKE '%x%'");
    cr_assert_not_null(s);
    int bad = 0;
    while (st_step(s) == ST_ROW) {
        const char *line = st_col_text(s, pg ? 0 : 3);
        if (line) bad |= scans(line, pg);
    }
    st_done(s);
    cr_assert(bad, "a scan of outbox went unnoticed");
    cr_assert_not(scans(pg ? "Seq Scan on settings" : "SCAN settings", pg), "tiny table");
}
