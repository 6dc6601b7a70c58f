/* Unit tests of the console's domain: devices from User-Agents, durations in words, renames
 * (same name, limits, holds), the fresh-sign-in rule of sensitive changes, the reset request's
 * floor and answers, disable/enable, and the admin command's LIKE patterns (admin.c included
 * for its static helpers). */
#include <time.h>

#include "admin.c"
#include "closure.h"
#include "console.h"
#include "identity.h"
#include "janitor.h"
#include "reset.h"
#include "settings.h"

#include "testlib.h"

static struct arena *a;

static void setup(void)
{
    tl_setup_with(TL_ALL, NULL);
    a = arena_new();
}

static void teardown(void)
{
    arena_free(a);
    tl_teardown();
}

TestSuite(console, .init = setup, .fini = teardown);

static int64_t make_account(const char *name, const char *email, int verified, int with_password)
{
    int64_t id = 0;
    const char *hash = NULL;
    char h[PASSWORD_HASH_MAX];
    if (with_password) {
        cr_assert_eq(password_hash("correct horse battery 42", h), PWR_OK);
        hash = h;
    }
    cr_assert_eq(account_insert(tl_conn(), name, email, email, verified, hash, time(NULL), &id),
                 ACCT_OK);
    return id;
}

Test(console, devices_from_user_agents)
{
    static const struct {
        const char *ua, *browser, *os;
    } cases[] = {
        {"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
         "HeadlessChrome/120.0 Safari/537.36",
         "Chrome", "Linux"},
        {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/120.0 Safari/537.36 Edg/120.0",
         "Edge", "Windows"},
        {"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
         "like Gecko) Mobile/15E148 MicroMessenger/8.0.40",
         "WeChat", "iOS"},
        {"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120.0 Mobile "
         "Safari/537.36",
         "Chrome", "Android"},
        {"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Version/17.0 "
         "Safari/605.1.15",
         "Safari", "macOS"},
        {"Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
         "Firefox", "Linux"},
        {"curl/8.5.0", "curl", ""},
        {"", "", ""},
        {NULL, "", ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *b = NULL, *o = NULL;
        settings_device(cases[i].ua, &b, &o);
        cr_expect_str_eq(b, cases[i].browser, "case %zu", i);
        cr_expect_str_eq(o, cases[i].os, "case %zu", i);
    }
}

Test(console, durations_in_words_have_a_singular)
{
    cr_assert_str_eq(i18n_duration(a, "en", 3600), "1 hour");
    cr_assert_str_eq(i18n_duration(a, "en", 7200), "2 hours");
    cr_assert_str_eq(i18n_duration(a, "en", 60), "1 minute");
    cr_assert_str_eq(i18n_duration(a, "en", 30 * 86400), "30 days");
    cr_assert_str_eq(i18n_duration(a, "zh-CN", 3600), "1 小时");
}

Test(console, renames_same_name_rules_limit_and_hold)
{
    int64_t id = make_account("renamer", NULL, 0, 0);
    struct set_who w = {id, 1, "192.0.2.1", "en"};
    const char *err = NULL;
    cr_assert_eq(settings_username(a, &w, "Renamer", &err), SET_SAME);
    cr_assert_eq(settings_username(a, &w, "x", &err), SET_INVALID);
    cr_assert_str_eq(err, "signup.err.username_length");
    cr_assert_eq(settings_username(a, &w, "root", &err), SET_INVALID);
    cr_assert_str_eq(err, "signup.err.username_reserved");
    char name[32];
    for (int i = 0; i < SETTINGS_RENAMES_PER_DAY; i++) {
        snprintf(name, sizeof(name), "renamer-%d", i);
        cr_assert_eq(settings_username(a, &w, name, &err), SET_OK, "rename %d", i);
    }
    cr_assert_eq(settings_username(a, &w, "renamer-late", &err), SET_LIMITED);
    /* every released name is held for this account, and taken for everyone else */
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM held_usernames"), SETTINGS_RENAMES_PER_DAY);
    cr_assert_eq(account_username_exists(tl_conn(), "renamer"), 1);
    cr_assert_eq(account_username_held(tl_conn(), "renamer", id, time(NULL)), 0);
    int64_t other = 0;
    cr_assert_eq(st_begin(tl_conn()), ST_OK);
    cr_assert_eq(account_insert(tl_conn(), "renamer", NULL, NULL, 0, NULL, time(NULL), &other),
                 ACCT_USERNAME_TAKEN);
    st_rollback(tl_conn());
    /* a hold ends: the janitor removes it and the name is free */
    cr_assert_eq(tl_exec(tl_conn(), "UPDATE held_usernames SET held_until = ?",
                         ST_IN(ST_INT((int64_t)time(NULL) - 1))),
                 ST_OK);
    cr_assert_eq(account_username_exists(tl_conn(), "renamer"), 0);
    cr_assert_geq(janitor_sweep(time(NULL)), SETTINGS_RENAMES_PER_DAY);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM held_usernames"), 0);
}

Test(console, sensitive_changes_need_a_fresh_sign_in_or_the_password)
{
    int64_t nopw = make_account("nopass", "nopass@example.com", 1, 0);
    struct set_who stale = {nopw, 0, "192.0.2.2", "en"};
    const char *err = NULL;
    cr_assert_eq(settings_email_request(a, &stale, "new@example.com", NULL, &err), SET_REAUTH);
    cr_assert_eq(settings_password(a, &stale, NULL, "a fine new passphrase", 0, NULL, &err),
                 SET_REAUTH);
    cr_assert_eq(settings_delete(a, &stale, "nopass", &err), SET_REAUTH);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM tokens"), 0);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM accounts WHERE password_hash IS NULL"), 1);

    int64_t pw = make_account("haspass", "haspass@example.com", 1, 1);
    struct set_who w = {pw, 0, "192.0.2.3", "en"};
    cr_assert_eq(settings_email_request(a, &w, "new2@example.com", "wrong one", &err),
                 SET_BAD_PASSWORD);
    cr_assert_str_eq(err, "settings.err.current_password");
    cr_assert_eq(
        settings_email_request(a, &w, "new2@example.com", "correct horse battery 42", &err),
        SET_OK);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM tokens WHERE kind = 'email'"), 1);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM outbox WHERE kind IN ('email_change',"
                           " 'email_notice')"),
                 2, "the link to the new address, the notice to the old one");
    /* even a fresh sign-in changes a password only with the present one */
    w.fresh = 1;
    cr_assert_eq(settings_password(a, &w, NULL, "a fine new passphrase", 0, NULL, &err),
                 SET_BAD_PASSWORD);
    cr_assert_eq(settings_delete(a, &w, "someone-else", &err), SET_INVALID);
    cr_assert_str_eq(err, "settings.err.delete_name");
    cr_assert_eq(settings_delete(a, &w, "HASPASS", &err), SET_OK);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM accounts WHERE username = 'haspass'"), 0);
}

static int64_t elapsed_us(struct timespec t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000;
}

Test(console, reset_requests_answer_alike_after_the_floor)
{
    make_account("resetter", "resetter@example.com", 1, 1);
    const char *err = NULL;
    struct timespec t0;
    for (int known = 0; known < 2; known++) {
        clock_gettime(CLOCK_MONOTONIC, &t0);
        enum reset_rc rc = reset_request(a, known ? "Resetter@example.com" : "nobody@example.com",
                                         "192.0.2.4", "en", &err);
        cr_assert_eq(rc, RESET_OK);
        cr_assert_geq(elapsed_us(t0), RESET_FLOOR_US);
    }
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM tokens WHERE kind = 'reset'"), 1);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM outbox WHERE kind = 'reset'"), 1);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM audit WHERE event = 'reset_requested'"), 2);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM rate_counters WHERE key LIKE 'reset:nomail:%'"), 0,
                 "the stand-in writes leave nothing behind");
    cr_assert_eq(reset_request(a, "no at sign", "192.0.2.4", "en", &err), RESET_INVALID);
    cr_assert_str_eq(err, "signup.err.email_invalid");
    char *user = NULL;
    cr_assert_eq(reset_check(a, "short", &user), RESET_UNKNOWN);
    struct ways_removed removed;
    cr_assert_eq(
        reset_complete(a, "short", "a fine new passphrase", "192.0.2.4", "en", &err, &removed),
        RESET_UNKNOWN);
}

Test(console, disable_ends_sessions_and_enable_restores)
{
    int64_t id = make_account("disableme", NULL, 0, 1), n = -1;
    for (int i = 0; i < 3; i++) {
        char h[24];
        snprintf(h, sizeof(h), "sess-%d", i);
        cr_assert_eq(tl_exec(tl_conn(),
                             "INSERT INTO sessions (id_hash, account_id, created_at, last_seen,"
                             " expires_at) VALUES (?, ?, 1, 1, ?)",
                             ST_IN(ST_TEXT(h), ST_INT(id), ST_INT((int64_t)time(NULL) + 100))),
                     ST_OK);
    }
    cr_assert_eq(closure_set_status(id, 1, "admin", &n), CLOSE_OK);
    cr_assert_eq(n, 3);
    cr_assert_eq(tl_scalar("SELECT status FROM accounts WHERE username = 'disableme'"), 1);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM sessions"), 0);
    cr_assert_eq(closure_set_status(id, 0, "admin", NULL), CLOSE_OK);
    cr_assert_eq(tl_scalar("SELECT status FROM accounts WHERE username = 'disableme'"), 0);
    cr_assert_eq(closure_set_status(id + 1000, 1, "admin", NULL), CLOSE_NOTFOUND);
}

Test(console, tour_state_per_account)
{
    int64_t id = make_account("tourist", NULL, 0, 0);
    cr_assert_eq(console_tour_set(id, 1, 1234), 0);
    cr_assert_eq(tl_scalar("SELECT tour_done_at FROM accounts WHERE username = 'tourist'"), 1234);
    cr_assert_eq(console_tour_set(id, 0, 1235), 0);
    cr_assert_eq(tl_scalar("SELECT tour_done_at FROM accounts WHERE username = 'tourist'"), 0);
    struct console_view v;
    cr_assert_eq(console_view(id, &v), 0);
    for (int p = 0; p < CP_COUNT; p++) cr_assert_eq(v.bound[p], 0);
    cr_assert_eq(identity_link(tl_conn(), id, "wechat", "o-1", NULL, NULL, NULL, 1), IDENT_OK);
    cr_assert_eq(console_view(id, &v), 0);
    cr_assert_eq(v.bound[CP_WECHAT], 1);
    cr_assert_eq(v.offered[CP_WECHAT], 0, "not configured here");
}

Test(console, admin_like_patterns_escape_wildcards)
{
    cr_assert_str_eq(like_pattern(a, "Ada"), "%ada%");
    cr_assert_str_eq(like_pattern(a, "a_b%c\\"), "%a\\_b\\%c\\\\%");
}
