/* Unit tests of csrf_token_for, http_safe_next (open-redirect guard) and session_sweep. */
#include "account.h"
#include "csrf.h"
#include "http.h"
#include "secrets.h"
#include "session.h"
#include "token.h"

#include "testlib.h"

static const unsigned char key1[32] = "0123456789abcdef0123456789abcdef";
static const unsigned char key2[32] = "0123456789abcdef0123456789abcdeF";

static void setup(void)
{
    tl_setup_with(0, NULL);
    secrets_use_master(key1, sizeof(key1));
}

static void teardown(void)
{
    tl_teardown();
}

TestSuite(csrf, .init = setup, .fini = teardown);

Test(csrf, token_deterministic_per_cookie_and_key)
{
    char cookie[TOKEN_LEN + 1], t1[44], t2[44];
    token_new(cookie);
    csrf_token_for(cookie, t1);
    csrf_token_for(cookie, t2);
    cr_assert_str_eq(t1, t2);
    cr_assert_eq(strlen(t1), 43);
    cr_assert_eq(token_wellformed(t1), 1);
    cr_assert_str_neq(t1, cookie);

    /* the same key set again gives the same token */
    secrets_use_master(key1, sizeof(key1));
    csrf_token_for(cookie, t2);
    cr_assert_str_eq(t1, t2);

    /* another key, another token */
    secrets_use_master(key2, sizeof(key2));
    csrf_token_for(cookie, t2);
    cr_assert_str_neq(t1, t2);
}

Test(csrf, token_differs_per_cookie)
{
    char c1[TOKEN_LEN + 1], c2[TOKEN_LEN + 1], t1[44], t2[44];
    token_new(c1);
    memcpy(c2, c1, sizeof(c1));
    c2[TOKEN_LEN - 1] = c1[TOKEN_LEN - 1] == 'A' ? 'B' : 'A';
    csrf_token_for(c1, t1);
    csrf_token_for(c2, t2);
    cr_assert_str_neq(t1, t2);

    /* many cookies, no repeated tokens */
    enum { N = 200 };
    static char toks[N][44];
    for (int i = 0; i < N; i++) {
        char c[TOKEN_LEN + 1];
        token_new(c);
        csrf_token_for(c, toks[i]);
    }
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++) cr_assert_str_neq(toks[i], toks[j]);
}

Test(csrf, safe_next_accepts_local_paths)
{
    static const char *const ok[] = {
        "/",
        "/console",
        "/console?tab=security",
        "/a/b/c",
        "/x:y",
        "/path%2Fwith-encoded",
        "/search?q=%2F%2F",
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        cr_expect_eq(http_safe_next(ok[i]), 1, "%s refused", ok[i]);
}

Test(csrf, safe_next_refuses_other_origins)
{
    static const char *const bad[] = {
        "//evil.com",
        "/\\evil.com",
        "\\\\evil",
        "\\/evil.com",
        "https://x",
        "http://evil.com/console",
        "javascript:alert(1)",
        "data:text/html,hi",
        "/%2F%2Fevil",
        "/%2f%2fevil",
        "/%2Fevil",
        "/%5Cevil.com",
        "/%5cevil.com",
        "/con\\sole",
        "console",
        "",
        "/con\rsole",
        "/con\nLocation: //evil",
        "/\tevil",
        "/x\x7f",
        "/x\x01",
        " /console",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_expect_eq(http_safe_next(bad[i]), 0, "bad[%zu] \"%s\" accepted", i, bad[i]);
    cr_assert_eq(http_safe_next(NULL), 0);

    char longp[2100]; /* over the bound (2048: an OpenID Connect authorization request fits) */
    longp[0] = '/';
    memset(longp + 1, 'a', sizeof(longp) - 2);
    longp[sizeof(longp) - 1] = 0;
    cr_assert_eq(http_safe_next(longp), 0);
}

static void store_setup(void)
{
    static const char *const env[] = {"DAOID_SESSION_IDLE", "1h", "DAOID_SESSION_ABSOLUTE", "1d",
                                      NULL};
    tl_setup_with(TL_STORE, env);
}

TestSuite(session, .init = store_setup, .fini = teardown);

static void add_session(int64_t acct_id, const char *name, int64_t last_seen, int64_t expires)
{
    char h[TOKEN_HASH_LEN + 1];
    token_hash(name, h);
    cr_assert_eq(tl_exec(tl_conn(),
                         "INSERT INTO sessions (id_hash, account_id, created_at, last_seen,"
                         " expires_at) VALUES (?, ?, ?, ?, ?)",
                         ST_IN(ST_TEXT(h), ST_INT(acct_id), ST_INT((int64_t)0), ST_INT(last_seen),
                               ST_INT(expires))),
                 ST_OK);
}

Test(session, sweep_removes_expired_and_idle)
{
    int64_t id = 0;
    cr_assert_eq(account_insert(tl_conn(), "sweeper", NULL, NULL, 0, NULL, 0, &id), ACCT_OK);
    int64_t now = 100000;
    add_session(id, "fresh", now - 10, now + 1000);
    add_session(id, "idle-edge", now - 3600, now + 1000); /* exactly session_idle ago: kept */
    add_session(id, "idle", now - 3601, now + 1000);
    add_session(id, "expired", now - 10, now);
    add_session(id, "long-expired", now - 10, now - 50);
    cr_assert_eq(session_sweep(tl_conn(), now), 3);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM sessions"), 2);
    cr_assert_eq(session_sweep(tl_conn(), now), 0);
}
