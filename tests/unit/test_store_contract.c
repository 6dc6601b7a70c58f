/* The store contract: the same cases against SQLite and PostgreSQL (a server named by
 * DAOID_TEST_PG_URL, which `make test` starts; each test gets a database of its own).
 * Uniqueness after normalization, one-transaction sign-up with its outbox row, single-use
 * tokens under races, rate counters under concurrency, outbox claim exclusivity and leases,
 * expiry sweeps, shared settings, idempotent migrations. */
#include <pthread.h>

#include "access_tokens.h"
#include "account.h"
#include "identity.h"
#include "arena.h"
#include "janitor.h"
#include "mail.h"
#include "settings_kv.h"
#include "oauth_flow.h"
#include "passkeys.h"
#include "ratelimit.h"
#include "token.h"
#include "tmpl.h"
#include "totp_secrets.h"
#include "verify.h"
#include "ways_in.h"
#include "wechat_nonces.h"

/* the cases render mails too: the fixtures also load the catalogs */
#define CONTRACT_TL (TL_STORE | TL_I18N)
#include "test_store_contract_db.h"

#define NOW     1800000000
#define THREADS 8

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
        return (void *)(long)(rc == ACCT_EMAIL_TAKEN || rc == ACCT_NOTFOUND || rc == ACCT_OK ? 0
                                                                                             : -1);
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
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM accounts WHERE email_norm = 'shared@example.com'"),
                 1, "the losers' unverified claims are cleared");
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM accounts WHERE email_norm = 'shared@example.com'"
                           " AND email_verified = 1"),
                 1);
    /* a latecomer may hold an unverified claim (account.h invariant 4) but never verify it */
    int64_t id = 0;
    cr_assert_eq(account_insert(c, "latecomer", "shared@example.com", "shared@example.com", 0, NULL,
                                NOW, &id),
                 ACCT_OK);
    cr_assert_eq(account_verify_email(c, id, "shared@example.com", NOW), ACCT_EMAIL_TAKEN);
    cr_assert_eq(account_insert(c, "latecomer2", "shared@example.com", "shared@example.com", 1,
                                NULL, NOW, &id),
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
    if (commit)
        cr_assert_eq(st_commit(c), ST_OK);
    else
        st_rollback(c);
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
    cr_assert_eq(
        tl_scalar("SELECT COUNT(*) FROM outbox WHERE kind = 'verify' AND status = 'queued'"), 1);
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
        if (st_commit(c) == ST_OK)
            out = u == TOKEN_OK ? 1 : u == TOKEN_USED ? 0 : -1;
        else
            st_rollback(c);
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
        cr_assert_eq(tl_exec(c,
                             "INSERT INTO outbox (kind, rcpt, message, next_attempt_at, created_at)"
                             " VALUES ('verify', 'x@example.com', 'body', ?, ?)",
                             ST_IN(ST_INT((int64_t)NOW), ST_INT((int64_t)NOW))),
                     ST_OK);
    memset(claimed_by, 0, sizeof(claimed_by));
    long r[THREADS], total = 0;
    run_threads(claimer, r);
    for (int i = 0; i < THREADS; i++) {
        cr_assert_neq(r[i], -1);
        total += r[i];
    }
    cr_assert_eq(total, MAILS);
    for (int id = 1; id <= MAILS; id++)
        cr_assert_eq(claimed_by[id], 1, "row %d claimed %d times", id, claimed_by[id]);

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
    cr_assert_eq(tl_exec(c, ins_session,
                         ST_IN(ST_TEXT("old"), ST_INT(id), ST_INT((int64_t)NOW - 100),
                               ST_INT((int64_t)NOW - 100), ST_INT((int64_t)NOW - 1))),
                 ST_OK);
    cr_assert_eq(
        tl_exec(c, ins_session,
                ST_IN(ST_TEXT("idle"), ST_INT(id), ST_INT((int64_t)NOW - cfg->session_idle - 10),
                      ST_INT((int64_t)NOW - cfg->session_idle - 10), ST_INT((int64_t)NOW + 100))),
        ST_OK);
    cr_assert_eq(tl_exec(c, ins_session,
                         ST_IN(ST_TEXT("live"), ST_INT(id), ST_INT((int64_t)NOW),
                               ST_INT((int64_t)NOW), ST_INT((int64_t)NOW + 100))),
                 ST_OK);
    const char *ins_token = "INSERT INTO tokens (hash, kind, account_id, created_at, expires_at)"
                            " VALUES (?, 'verify', ?, ?, ?)";
    /* one-time tokens are kept a week past expiry (an old link then still says "expired") */
    cr_assert_eq(tl_exec(c, ins_token,
                         ST_IN(ST_TEXT("t-old"), ST_INT(id), ST_INT((int64_t)NOW - 700000),
                               ST_INT((int64_t)NOW - 604801))),
                 ST_OK);
    cr_assert_eq(tl_exec(c, ins_token,
                         ST_IN(ST_TEXT("t-expired"), ST_INT(id), ST_INT((int64_t)NOW - 10),
                               ST_INT((int64_t)NOW - 1))),
                 ST_OK);
    cr_assert_eq(tl_exec(c, ins_token,
                         ST_IN(ST_TEXT("t-live"), ST_INT(id), ST_INT((int64_t)NOW),
                               ST_INT((int64_t)NOW + 10))),
                 ST_OK);
    const char *ins_captcha =
        "INSERT INTO captchas (id_hash, answer_hash, expires_at) VALUES (?, 'h', ?)";
    cr_assert_eq(tl_exec(c, ins_captcha, ST_IN(ST_TEXT("c-old"), ST_INT((int64_t)NOW))), ST_OK);
    cr_assert_eq(tl_exec(c, ins_captcha, ST_IN(ST_TEXT("c-live"), ST_INT((int64_t)NOW + 1))),
                 ST_OK);
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
    seen[(long)arg] = settings_kv_get_or_create("contract", make_value);
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

/* Reloads the configuration with GitHub, Bitbucket and WeChat configured or not: an identity
 * counts as a way in only while its provider is configured. */
static void providers_configured(int github, int bitbucket, int wechat)
{
    setenv("DAOID_GITHUB_CLIENT_ID", github ? "contract-gh" : "", 1);
    setenv("DAOID_GITHUB_CLIENT_SECRET", "contract-gh-secret", 1);
    setenv("DAOID_BITBUCKET_CLIENT_ID", bitbucket ? "contract-bb" : "", 1);
    setenv("DAOID_BITBUCKET_CLIENT_SECRET", "contract-bb-secret", 1);
    setenv("DAOID_WECHAT_APP_ID", wechat ? "wxcontract" : "", 1);
    setenv("DAOID_WECHAT_APP_SECRET", "secret", 1);
    setenv("DAOID_WECHAT_TOKEN", "token", 1);
    cr_assert_eq(config_load(NULL), 0);
    ways_in_reload();
}

static int64_t unlink_account;

static void *unlink_one(void *arg)
{
    struct st_conn *c = st_get();
    const char *provider = (long)arg % 2 ? "github" : "wechat";
    enum ident_rc rc = identity_unlink(c, unlink_account, provider);
    return (void *)(long)(rc == IDENT_OK                                    ? 1
                          : rc == IDENT_LAST_METHOD || rc == IDENT_NOTFOUND ? 0
                                                                            : -1);
}

CONTRACT(identities_unique_and_last_method_kept_under_race)
{
    providers_configured(1, 0, 1);
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

/* ---- WeChat: the bonus once, a QR code scanned once and used once, one token fetch ---- */

#include <time.h>

#include "grants.h"
#include "resources.h"
#include "secrets.h"
#include "wechat_token.h"
#include "wechat_login.h"
#include "wechat_xml.h"
#include "wechat_fake_api.h"

static int64_t bonus_accounts[THREADS];
static int bonus_phase;

/* Phase 0: every thread binds the same WeChat to an account of its own. Phase 1: every
 * thread binds a WeChat of its own to the same account. */
static void *award_one(void *arg)
{
    long i = (long)arg;
    struct st_conn *c = st_get();
    struct arena *a = arena_new();
    long out = -1;
    if (c && st_begin(c) == ST_OK) {
        int64_t acct = bonus_phase == 0 ? bonus_accounts[i] : bonus_accounts[0];
        const char *subject = bonus_phase == 0 ? "oSame" : arena_printf(a, "oNew%ld", i);
        enum grant_rc rc = resources_wechat_bonus(c, a, acct, subject, NOW);
        if (rc != GRANT_ERR && st_commit(c) == ST_OK)
            out = rc == GRANT_OK;
        else
            st_rollback(c);
    }
    arena_free(a);
    return (void *)out;
}

static int award_round(int phase)
{
    long r[THREADS];
    bonus_phase = phase;
    run_threads(award_one, r);
    int granted = 0;
    for (int i = 0; i < THREADS; i++) {
        cr_assert_neq(r[i], -1, "thread %d hit a store error", i);
        granted += r[i] == 1;
    }
    return granted;
}

CONTRACT(wechat_bonus_granted_once_under_race)
{
    struct st_conn *c = tl_conn();
    struct arena *a = arena_new();
    for (int i = 0; i < THREADS; i++)
        cr_assert_eq(account_insert(c, arena_printf(a, "bonus%d", i), NULL, NULL, 0, NULL, NOW,
                                    &bonus_accounts[i]),
                     ACCT_OK);
    arena_free(a);
    cr_assert_eq(award_round(0), 1, "one WeChat, many accounts: one bonus");
    int64_t winner = tl_scalar("SELECT account_id FROM grants");
    cr_assert_eq(
        tl_exec(c, "DELETE FROM grants WHERE account_id <> ?", ST_IN(ST_INT(bonus_accounts[0]))),
        ST_OK);
    int had = winner == bonus_accounts[0];
    cr_assert_eq(award_round(1), had ? 0 : 1, "one account, many WeChats: one bonus");
    struct resources res;
    cr_assert_eq(resources_of(c, bonus_accounts[0], &res), 0);
    cr_assert_eq(res.bonus, 1);
    cr_assert_eq(res.total, res.base + 1);
}

static char race_secret[TOKEN_LEN + 1];

static void *register_one(void *arg)
{
    struct arena *a = arena_new();
    struct wxl_register_in in = {.secret = race_secret,
                                 .username = arena_printf(a, "racer%ld", (long)arg),
                                 .terms = 1,
                                 .ip = "198.51.100.7",
                                 .lang = "en"};
    struct wxl_register_out out;
    enum reg_outcome rc = wechat_login_register(a, &in, &out);
    arena_free(a);
    return (void *)(long)(rc == REG_OK ? 1 : rc == REG_GONE || rc == REG_TAKEN ? 0 : -1);
}

static void *scan_one(void *arg)
{
    struct arena *a = arena_new();
    struct wechat_push p = {.to_user = "gh_x",
                            .from_user = arena_printf(a, "oScan%ld", (long)arg),
                            .create_time = NOW,
                            .msg_type = "event",
                            .event = "SCAN",
                            .event_key = "race-scene",
                            .ticket = "T-race"};
    struct wxl_push_out out;
    long rc = wechat_login_push(a, &p, time(NULL), &out) != 0  ? -1
              : !strcmp(out.reply_key, "wechat.reply.scanned") ? 1
              : !strcmp(out.reply_key, "wechat.reply.used")    ? 0
                                                               : -1;
    arena_free(a);
    return (void *)rc;
}

CONTRACT(wechat_ticket_scanned_once_and_registered_once_under_race)
{
    struct st_conn *c = tl_conn();
    char h[TOKEN_HASH_LEN + 1];
    token_new(race_secret);
    token_hash(race_secret, h);
    int64_t now = time(NULL);
    cr_assert_eq(
        tl_exec(c,
                "INSERT INTO wechat_tickets (scene, secret_hash, intent, wx_ticket, qr_url,"
                " lang, created_at, expires_at) VALUES ('race-scene', ?, 'signin',"
                " 'T-race', 'http://weixin.qq.com/q/r', 'en', ?, ?)",
                ST_IN(ST_TEXT(h), ST_INT(now), ST_INT(now + 300))),
        ST_OK);
    long r[THREADS];
    run_threads(scan_one, r);
    int won = 0;
    for (int i = 0; i < THREADS; i++) {
        cr_assert_neq(r[i], -1, "thread %d failed", i);
        won += r[i] == 1;
    }
    cr_assert_eq(won, 1, "one scanner; the others hear the code is used");
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM wechat_tickets WHERE state = 'scanned'"), 1);
    cr_assert_eq(tl_exec(c, "UPDATE wechat_tickets SET resolved = 1", ST_NONE), ST_OK);

    run_threads(register_one, r);
    won = 0;
    for (int i = 0; i < THREADS; i++) {
        cr_assert_neq(r[i], -1, "thread %d failed", i);
        won += r[i] == 1;
    }
    cr_assert_eq(won, 1);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM accounts WHERE username LIKE 'racer%'"), 1);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM identities WHERE provider = 'wechat'"), 1);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM grants"), 1);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM wechat_tickets WHERE state = 'consumed'"), 1);
}

static void *token_one(void *arg)
{
    (void)arg;
    struct arena *a = arena_new();
    char *tok = wechat_token_get(a, time(NULL));
    long ok = tok && !strcmp(tok, "tok-first");
    arena_free(a);
    return (void *)ok;
}

static void *qrcode_one(void *arg)
{
    (void)arg;
    struct arena *a = arena_new();
    struct wechat_qr qr;
    long ok = wechat_token_qrcode(a, "scene", 300, &qr) == WXAPI_OK && !strcmp(qr.ticket, "gQt");
    arena_free(a);
    return (void *)ok;
}

/* Every node and thread reads one shared token; only the lease holder fetches, once, and a
 * token WeChat refuses is replaced once however many callers were refused. */
CONTRACT(wechat_access_token_fetched_once_under_race)
{
    static const unsigned char key[SECRETS_KEY_LEN] = "0123456789abcdef0123456789abcdef";
    secrets_set_token_key(key);
    int port = wfake_start("tok-first", 300);
    cr_assert_gt(port, 0);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
    setenv("DAOID_WECHAT_API_URL", url, 1);
    setenv("DAOID_WECHAT_APP_ID", "wxcontract", 1);
    setenv("DAOID_WECHAT_APP_SECRET", "secret", 1);
    setenv("DAOID_WECHAT_TOKEN", "token", 1);
    cr_assert_eq(config_load(NULL), 0);
    long r[THREADS];
    run_threads(token_one, r);
    for (int i = 0; i < THREADS; i++) cr_assert_eq(r[i], 1, "thread %d got no token", i);
    cr_assert_eq(WF.fetches, 1, "one fetch for %d callers", THREADS);
    cr_assert_eq(wechat_token_keep(time(NULL)), 0, "nothing to refresh yet");
    cr_assert_eq(WF.fetches, 1);

    wfake_rotate("tok-second");
    run_threads(qrcode_one, r);
    for (int i = 0; i < THREADS; i++) cr_assert_eq(r[i], 1, "thread %d: no QR code", i);
    cr_assert_eq(WF.fetches, 2, "one refresh after the refusals");
    cr_assert_eq(WF.creates, THREADS);
    cr_assert_geq(WF.refused, 1);
    cr_assert_eq(tl_scalar("SELECT fetches FROM wechat_tokens"), 2);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM wechat_tokens WHERE token LIKE '%tok-second%'"), 0,
                 "stored sealed, not in clear");
    wfake_stop();
}

/* A caller that finds another node fetching (its lease running for a minute more) waits for it
 * no longer than its own call to WeChat could take (oauth_timeout), not until the lease ends. */
CONTRACT(wechat_access_token_wait_bounded_by_the_call_deadline)
{
    static const unsigned char key[SECRETS_KEY_LEN] = "0123456789abcdef0123456789abcdef";
    secrets_set_token_key(key);
    setenv("DAOID_WECHAT_API_URL", "http://127.0.0.1:1", 1);
    setenv("DAOID_WECHAT_APP_ID", "wxcontract", 1);
    setenv("DAOID_WECHAT_APP_SECRET", "secret", 1);
    setenv("DAOID_WECHAT_TOKEN", "token", 1);
    setenv("DAOID_OAUTH_TIMEOUT", "1s", 1);
    cr_assert_eq(config_load(NULL), 0);
    time_t t0 = time(NULL);
    cr_assert_eq(tl_exec(tl_conn(),
                         "INSERT INTO wechat_tokens (app_id, lease_owner, lease_until)"
                         " VALUES ('wxcontract', 'another-node', ?)",
                         ST_IN(ST_INT(t0 + 60))),
                 ST_OK);
    struct arena *a = arena_new();
    cr_assert_null(wechat_token_get(a, time(NULL)), "no token while the other fetch goes on");
    arena_free(a);
    time_t waited = time(NULL) - t0;
    cr_assert_geq(waited, 1, "it waited for the other fetch");
    cr_assert_leq(waited, 5, "waited %lld s: bounded by oauth_timeout, not the lease",
                  (long long)waited);
    cr_assert_eq(tl_scalar("SELECT fetches FROM wechat_tokens"), 0);
}

/* ---- OAuth2 sign-up: a pending sign-up makes one account, however many forms race ---- */

static char pending_token[TOKEN_LEN + 1];

static void *register_pending(void *arg)
{
    char user[32], ip[32];
    snprintf(user, sizeof(user), "gh-racer-%ld", (long)arg);
    snprintf(ip, sizeof(ip), "192.0.2.%ld", (long)arg + 1);
    struct oauth_register_in in = {.pending = pending_token,
                                   .username = user,
                                   .email = "Race@github.example",
                                   .terms = 1,
                                   .ip = ip,
                                   .lang = "en"};
    struct oauth_register_out out;
    struct arena *a = arena_new();
    enum reg_outcome rc = oauth_flow_register(a, &in, &out);
    arena_free(a);
    if (rc == REG_OK) return (void *)1L;
    /* losers find the sign-up used up, or the address verified by the winner */
    return (void *)(long)(rc == REG_GONE || rc == REG_INVALID ? 0 : -1);
}

CONTRACT(oauth_pending_signup_is_used_once_under_race)
{
    struct st_conn *c = tl_conn();
    int64_t squatter = 0, now = time(NULL);
    cr_assert_eq(account_insert(c, "squatter", "race@github.example", "race@github.example", 0,
                                NULL, now, &squatter),
                 ACCT_OK);
    char h[TOKEN_HASH_LEN + 1];
    token_new(pending_token);
    token_hash(pending_token, h);
    cr_assert_eq(tl_exec(c,
                         "INSERT INTO oauth_pending (id_hash, provider, subject, login, name,"
                         " email, next, created_at, expires_at) VALUES (?, 'github', '4242',"
                         " 'Racer', NULL, 'Race@github.example', NULL, ?, ?)",
                         ST_IN(ST_TEXT(h), ST_INT(now), ST_INT(now + OAUTH_PENDING_TTL))),
                 ST_OK);
    long r[THREADS];
    run_threads(register_pending, r);
    int won = 0;
    for (int i = 0; i < THREADS; i++) {
        cr_assert_neq(r[i], -1, "thread %d hit a store error", i);
        won += r[i] == 1;
    }
    cr_assert_eq(won, 1);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM accounts WHERE username LIKE 'gh-racer-%'"), 1);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM identities WHERE provider = 'github'"
                           " AND subject = '4242'"),
                 1);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM oauth_pending"), 0);
    /* the provider's verified address was kept: verified, no mail, the squatter's claim gone */
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM accounts WHERE email_norm = 'race@github.example'"
                           " AND email_verified = 1 AND username LIKE 'gh-racer-%'"),
                 1);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM accounts WHERE username = 'squatter'"
                           " AND email IS NULL"),
                 1);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM outbox"), 0);
    cr_assert_eq(register_pending((void *)99L), (void *)0L, "used up afterwards");
}

/* ---- console: held usernames, email changes and deletion ---- */

#include "closure.h"
#include "settings.h"

static int64_t held_owner;

/* Thread 0 renames the owner away from "holdme"; the others try to sign up as "holdme". */
static void *rename_or_take(void *arg)
{
    long i = (long)arg;
    struct arena *a = arena_new();
    long out = -1;
    if (i == 0) {
        struct set_who w = {held_owner, 1, "127.0.0.1", "en"};
        const char *err = NULL;
        out = settings_username(a, &w, "moved", &err) == SET_OK ? 1 : -1;
    } else {
        struct st_conn *c = st_get();
        int64_t id = 0;
        if (c && st_begin(c) == ST_OK) {
            enum acct_rc rc = account_insert(c, "holdme", NULL, NULL, 0, NULL, time(NULL), &id);
            if (rc == ACCT_OK && st_commit(c) == ST_OK)
                out = 2;
            else {
                st_rollback(c);
                out = rc == ACCT_USERNAME_TAKEN ? 0 : -1;
            }
        }
    }
    arena_free(a);
    return (void *)out;
}

CONTRACT(released_username_never_taken_over_under_race)
{
    struct st_conn *c = tl_conn();
    cr_assert_eq(account_insert(c, "holdme", NULL, NULL, 0, NULL, NOW, &held_owner), ACCT_OK);
    long r[THREADS];
    run_threads(rename_or_take, r);
    cr_assert_eq(r[0], 1, "the rename went through");
    for (int i = 1; i < THREADS; i++) cr_assert_eq(r[i], 0, "thread %d: %ld", i, r[i]);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM accounts WHERE username = 'holdme'"), 0);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM accounts WHERE username = 'moved'"), 1);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM held_usernames WHERE username = 'holdme'"
                           " AND account_id IS NOT NULL"),
                 1);
    cr_assert_eq(account_username_exists(c, "holdme"), 1, "held counts as taken");
    cr_assert_eq(account_username_held(c, "holdme", held_owner, time(NULL)), 0,
                 "but not for the account that released it");
}

static char change_tokens[THREADS][TOKEN_LEN + 1];

/* Thread 0 opens an email-change link to race@example.com; the others verify their own
 * unverified claims on the same address. */
static void *change_or_verify(void *arg)
{
    long i = (long)arg;
    struct arena *a = arena_new();
    char *email = NULL;
    int64_t id = 0;
    long out;
    if (i == 0) {
        enum email_confirm rc = settings_email_confirm(a, change_tokens[0], "127.0.0.1", &email);
        out = rc == EMAIL_CONFIRMED ? 1 : rc == EMAIL_LINK_TAKEN ? 0 : -1;
    } else {
        struct verify_in in = {change_tokens[i], "127.0.0.1", "en", 0};
        struct ways_removed removed;
        enum verify_rc rc = verify_consume(a, &in, &id, &email, &removed);
        /* a loser's link is gone with its claim (UNKNOWN), or finds it taken or stale */
        out = rc == VERIFY_OK                                                    ? 1
              : rc == VERIFY_TAKEN || rc == VERIFY_STALE || rc == VERIFY_UNKNOWN ? 0
                                                                                 : -1;
    }
    arena_free(a);
    return (void *)out;
}

CONTRACT(email_change_and_verification_race_for_one_address)
{
    struct st_conn *c = tl_conn();
    int64_t now = time(NULL), id = 0;
    cr_assert_eq(
        account_insert(c, "changer", "old@example.com", "old@example.com", 1, NULL, NOW, &id),
        ACCT_OK);
    cr_assert_eq(token_issue(c, "email", id, "Race@example.com", now, 3600, change_tokens[0]), 0);
    char name[24];
    for (int i = 1; i < THREADS; i++) {
        snprintf(name, sizeof(name), "claimer%d", i & 0xff);
        cr_assert_eq(
            account_insert(c, name, "race@example.com", "race@example.com", 0, NULL, NOW, &id),
            ACCT_OK);
        cr_assert_eq(token_issue(c, "verify", id, "race@example.com", now, 3600, change_tokens[i]),
                     0);
    }
    long r[THREADS];
    run_threads(change_or_verify, r);
    int won = 0;
    for (int i = 0; i < THREADS; i++) {
        cr_assert_neq(r[i], -1, "thread %d hit an error", i);
        won += r[i] == 1;
    }
    cr_assert_eq(won, 1, "one owner");
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM accounts WHERE email_norm = 'race@example.com'"),
                 1, "the other claims are cleared");
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM accounts WHERE email_norm = 'race@example.com'"
                           " AND email_verified = 1"),
                 1);
    if (r[0] == 1)
        cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM accounts WHERE username = 'changer'"
                               " AND email = 'Race@example.com' AND email_verified = 1"),
                     1);
    else
        cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM accounts WHERE username = 'changer'"
                               " AND email = 'old@example.com' AND email_verified = 1"),
                     1, "a refused change keeps the old address");
}

CONTRACT(deletion_is_one_transaction_and_holds_the_name)
{
    struct st_conn *c = tl_conn();
    int64_t id = 0, other = 0, now = time(NULL);
    char tok[TOKEN_LEN + 1];
    cr_assert_eq(
        account_insert(c, "leaver", "leaver@example.com", "leaver@example.com", 1, NULL, NOW, &id),
        ACCT_OK);
    cr_assert_eq(account_insert(c, "stayer", NULL, NULL, 0, NULL, NOW, &other), ACCT_OK);
    cr_assert_eq(identity_link(c, id, "github", "77", "leaver-gh", NULL, NULL, NOW), IDENT_OK);
    cr_assert_eq(token_issue(c, "reset", id, "leaver@example.com", now, 3600, tok), 0);
    const char *ins = "INSERT INTO sessions (id_hash, account_id, created_at, last_seen,"
                      " expires_at) VALUES (?, ?, ?, ?, ?)";
    cr_assert_eq(tl_exec(c, ins,
                         ST_IN(ST_TEXT("s-leaver"), ST_INT(id), ST_INT(now), ST_INT(now),
                               ST_INT(now + 100))),
                 ST_OK);
    cr_assert_eq(tl_exec(c, ins,
                         ST_IN(ST_TEXT("s-stayer"), ST_INT(other), ST_INT(now), ST_INT(now),
                               ST_INT(now + 100))),
                 ST_OK);
    cr_assert_eq(tl_exec(c,
                         "INSERT INTO held_usernames (username, account_id, held_until, created_at)"
                         " VALUES ('leaver-old', ?, ?, ?)",
                         ST_IN(ST_INT(id), ST_INT(now + 100), ST_INT(now))),
                 ST_OK);
    cr_assert_eq(tl_exec(c,
                         "INSERT INTO audit (account_id, event, created_at) VALUES (?, 'login', ?)",
                         ST_IN(ST_INT(id), ST_INT(now))),
                 ST_OK);

    struct arena *a = arena_new();
    cr_assert_eq(closure_delete(a, id, "self", "127.0.0.1", "en"), CLOSE_OK);
    cr_assert_eq(closure_delete(a, id, "self", "127.0.0.1", "en"), CLOSE_NOTFOUND);
    arena_free(a);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM accounts WHERE username = 'leaver'"), 0);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM identities"), 0);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM tokens"), 0);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM sessions"), 1, "only the other account's");
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM held_usernames WHERE account_id IS NULL"
                           " AND username IN ('leaver', 'leaver-old')"),
                 2, "both names held, owned by nobody");
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM audit WHERE account_id IS NOT NULL"), 0);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM outbox WHERE kind = 'deleted'"
                           " AND rcpt = 'leaver@example.com' AND account_id IS NULL"),
                 1);
    int64_t again = 0;
    cr_assert_eq(st_begin(c), ST_OK);
    cr_assert_eq(account_insert(c, "leaver", NULL, NULL, 0, NULL, now, &again),
                 ACCT_USERNAME_TAKEN);
    st_rollback(c);
}

/* ---- Code Build: provider tokens refreshed by one caller at a time, gone with their owner ---- */

#include "provider_token.h"
#include "secrets.h"

static int64_t pt_account;
static int64_t pt_generation;

/* An account with a GitHub identity and a sealed token row for it. */
static int64_t pt_setup(const char *name, const char *subject)
{
    static const unsigned char key[SECRETS_KEY_LEN] = {42};
    secrets_set_token_key(key);
    struct st_conn *c = tl_conn();
    int64_t id = 0, now = time(NULL);
    cr_assert_eq(account_insert(c, name, NULL, NULL, 0, NULL, now, &id), ACCT_OK);
    cr_assert_eq(identity_link(c, id, "github", subject, name, NULL, NULL, now), IDENT_OK);
    struct arena *a = arena_new();
    struct pt_plain t = {"gho_first", "ghr_refresh", "repo", now - 1};
    struct pt_sealed s;
    cr_assert_eq(provider_token_seal(a, "github", subject, &t, &s), 0);
    cr_assert_eq(provider_token_put(c, id, "github", subject, &s, NULL, now), 1);
    arena_free(a);
    return id;
}

static void *take_lease(void *arg)
{
    (void)arg;
    int got = provider_token_lease(st_get(), pt_account, "github", pt_generation, time(NULL), 30);
    return (void *)(long)got;
}

static void *store_refresh(void *arg)
{
    struct arena *a = arena_new();
    char tok[32];
    snprintf(tok, sizeof(tok), "gho_refreshed_%ld", (long)arg);
    struct pt_plain t = {tok, NULL, NULL, time(NULL) + 3600};
    int rc = provider_token_refreshed(st_get(), a, pt_account, "github", "4711", pt_generation, &t,
                                      time(NULL));
    arena_free(a);
    return (void *)(long)rc;
}

/* How many of the threads' results equal v; fails on an error (-1). */
static int pt_count(const long *r, long v)
{
    int n = 0;
    for (int i = 0; i < THREADS; i++) {
        cr_assert_neq(r[i], -1, "thread %d hit a store error", i);
        n += r[i] == v;
    }
    return n;
}

CONTRACT(provider_token_refresh_is_leased_to_one_caller)
{
    struct st_conn *c = tl_conn();
    pt_account = pt_setup("refresher", "4711");
    pt_generation = 1;
    long r[THREADS];
    run_threads(take_lease, r);
    cr_assert_eq(pt_count(r, 1), 1, "one lease holder");
    cr_assert_eq(provider_token_lease(c, pt_account, "github", 1, time(NULL), 30), 0,
                 "held until it lapses");
    cr_assert_eq(provider_token_lease(c, pt_account, "github", 1, time(NULL) + 31, 30), 1,
                 "a lapsed lease can be taken again");

    /* the refreshed tokens land once, on the generation that was read */
    run_threads(store_refresh, r);
    cr_assert_eq(pt_count(r, 1), 1, "one refresh lands");
    struct arena *a = arena_new();
    struct pt_row row;
    cr_assert_eq(provider_token_get(c, a, pt_account, "github", &row), PT_OK);
    cr_assert_eq(row.generation, 2);
    cr_assert_eq(row.lease_until, 0, "the lease ends with the refresh");
    cr_assert_eq(strncmp(row.tok.access, "gho_refreshed_", 14), 0);
    cr_assert_str_eq(row.tok.refresh, "ghr_refresh", "no new refresh token: the old one stays");
    cr_assert_str_eq(row.tok.scope, "repo");
    cr_assert_eq(provider_token_lease(c, pt_account, "github", 1, time(NULL) + 100, 30), 0,
                 "an old generation cannot be leased");

    /* a refused refresh token is forgotten, and the generation moves on for the waiters */
    cr_assert_eq(provider_token_lease(c, pt_account, "github", 2, time(NULL), 30), 1);
    cr_assert_eq(provider_token_release(c, pt_account, "github", 2, 1), 0);
    cr_assert_eq(provider_token_get(c, a, pt_account, "github", &row), PT_OK);
    cr_assert_eq(row.generation, 3);
    cr_assert_null(row.tok.refresh);
    cr_assert_eq(row.lease_until, 0);
    arena_free(a);
}

CONTRACT(provider_tokens_go_with_the_identity_and_the_account)
{
    providers_configured(1, 1, 0);
    struct st_conn *c = tl_conn();
    int64_t id = pt_setup("tokenowner", "5150"), now = time(NULL);
    cr_assert_eq(identity_link(c, id, "bitbucket", "{bb-1}", "bob", NULL, NULL, now), IDENT_OK);
    struct arena *a = arena_new();
    struct pt_plain t = {"bbt_access", "bbr_refresh", "account", now + 7200};
    struct pt_sealed s;
    cr_assert_eq(provider_token_seal(a, "bitbucket", "{bb-1}", &t, &s), 0);
    cr_assert_eq(provider_token_put(c, id, "bitbucket", "{bb-1}", &s, NULL, now), 1);
    cr_assert_eq(provider_token_put(c, id, "bitbucket", "{bb-other}", &s, NULL, now), 0,
                 "not the account's identity");
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM provider_tokens"), 2);
    cr_assert_eq(
        tl_scalar(
            "SELECT COUNT(*) FROM provider_tokens WHERE access_ct LIKE '%bbt!_access%' ESCAPE '!'"
            " OR refresh_ct LIKE '%bbr!_refresh%' ESCAPE '!'"
            " OR access_ct LIKE '%gho!_first%' ESCAPE '!'"),
        0);

    cr_assert_eq(identity_unlink(c, id, "github"), IDENT_OK);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM provider_tokens WHERE provider = 'github'"), 0,
                 "unbinding drops the token");
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM provider_tokens WHERE provider = 'bitbucket'"), 1);

    cr_assert_eq(closure_delete(a, id, "self", "127.0.0.1", "en"), CLOSE_OK);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM provider_tokens"), 0, "deletion drops the rest");
    arena_free(a);
}

/* ---- statements: one text at two addresses; one statement with other parameter types ---- */

CONTRACT(statement_cache_keeps_each_call_its_own_meaning)
{
    struct st_conn *c = tl_conn();
    /* two copies of one SQL text (as two translation units' literals may be), inside one
     * transaction: each is prepared on its own and neither disturbs the transaction */
    static const char text[] = "SELECT COUNT(*) FROM accounts WHERE username = ?";
    char *one = strdup(text), *two = strdup(text);
    int64_t id = 0, n = -1;
    cr_assert_eq(st_begin(c), ST_OK);
    cr_assert_eq(account_insert(c, "cachetest", NULL, NULL, 0, NULL, NOW, &id), ACCT_OK);
    for (int round = 0; round < 2; round++) {
        cr_assert_eq(tl_row(c, NULL, one, ST_IN(ST_TEXT("cachetest")), ST_OUT(ST_OUT_INT(&n))),
                     ST_OK);
        cr_assert_eq(n, 1);
        cr_assert_eq(tl_row(c, NULL, two, ST_IN(ST_TEXT("nobody")), ST_OUT(ST_OUT_INT(&n))), ST_OK);
        cr_assert_eq(n, 0);
    }
    cr_assert_eq(st_commit(c), ST_OK);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM accounts WHERE username = 'cachetest'"), 1);

    /* one statement bound with an integer, then a NULL, then an integer again */
    /* (the catalogue's slot for it, prepared with the first call's types) */
    const enum q_id q = Q_STORE_PROBE;
    cr_assert_eq(st_count(c, q, ST_IN(ST_INT(5), ST_TEXT("cachetest"))), 0);
    struct st_stmt *s = st_prepare(c, q);
    cr_assert_not_null(s);
    st_bind_text(s, 1, NULL);
    st_bind_text(s, 2, "cachetest");
    cr_assert_eq(st_step(s), ST_ROW);
    cr_assert_eq(st_col_int(s, 0), 1);
    st_done(s);
    cr_assert_eq(st_count(c, q, ST_IN(ST_INT(5), ST_TEXT("cachetest"))), 0);
    cr_assert_eq(st_count(c, q, ST_IN(ST_TEXT(NULL), ST_TEXT("cachetest"))), 1);
    free(one);
    free(two);
}

/* ---- sign-in methods: only providers configured now count ---- */

static enum oauth_unbind_rc unbind_fresh(int64_t account, const char *provider)
{
    struct arena *a = arena_new();
    struct oauth_unbind_in in = {
        .account_id = account, .provider = provider, .fresh = 1, .ip = "127.0.0.1"};
    struct oauth_unbind_out out;
    enum oauth_unbind_rc rc = oauth_flow_unbind(a, &in, &out);
    arena_free(a);
    return rc;
}

static int64_t ident_count_of(int64_t account)
{
    int64_t n = -1;
    cr_assert_eq(tl_row(tl_conn(), NULL, "SELECT COUNT(*) FROM identities WHERE account_id = ?",
                        ST_IN(ST_INT(account)), ST_OUT(ST_OUT_INT(&n))),
                 ST_OK);
    return n;
}

CONTRACT(signin_methods_count_only_providers_configured_now)
{
    struct st_conn *c = tl_conn();
    int64_t a1 = 0, a2 = 0, a3 = 0;
    cr_assert_eq(account_insert(c, "usable-one", NULL, NULL, 0, NULL, NOW, &a1), ACCT_OK);
    cr_assert_eq(account_insert(c, "usable-two", NULL, NULL, 0, NULL, NOW, &a2), ACCT_OK);
    cr_assert_eq(account_insert(c, "usable-three", NULL, NULL, 0, NULL, NOW, &a3), ACCT_OK);
    cr_assert_eq(identity_link(c, a1, "github", "3001", "one", NULL, NULL, NOW), IDENT_OK);
    cr_assert_eq(identity_link(c, a1, "bitbucket", "{bb-3001}", "one", NULL, NULL, NOW), IDENT_OK);
    cr_assert_eq(identity_link(c, a2, "bitbucket", "{bb-3002}", "two", NULL, NULL, NOW), IDENT_OK);
    cr_assert_eq(identity_link(c, a3, "github", "3003", "three", NULL, NULL, NOW), IDENT_OK);
    cr_assert_eq(identity_link(c, a3, "wechat", "o-3003", NULL, NULL, NULL, NOW), IDENT_OK);

    providers_configured(1, 1, 1);
    cr_assert(ways_in_provider("github") && ways_in_provider("bitbucket") &&
              ways_in_provider("wechat"));
    cr_assert_not(ways_in_provider("coding"), "Coding has no client id here");
    cr_assert_not(ways_in_provider(NULL));
    cr_assert_eq(identity_signin_methods(c, a1), 2);
    cr_assert_eq(identity_signin_methods(c, a3), 2);

    /* Bitbucket removed from the config: its identities are no way in */
    providers_configured(1, 0, 1);
    cr_assert_eq(identity_signin_methods(c, a1), 1);
    cr_assert_eq(identity_signin_methods(c, a2), 0);
    cr_assert_eq(identity_unusable_count(c, a1, NULL), 1);
    cr_assert_eq(identity_unusable_count(c, a1, "bitbucket"), 0);
    cr_assert_eq(identity_unlink(c, a1, "github"), IDENT_LAST_METHOD,
                 "GitHub is the only way in that still works");
    cr_assert_eq(unbind_fresh(a1, "github"), OUNBIND_LAST_UNUSABLE);
    cr_assert_eq(ident_count_of(a1), 2);
    /* an identity that counts for nothing, on an account with no usable way left: kept, so
     * the account works again once Bitbucket is configured again */
    cr_assert_eq(unbind_fresh(a2, "bitbucket"), OUNBIND_LAST);
    cr_assert_eq(ident_count_of(a2), 1);

    /* WeChat counts only while wechat_app_id is set */
    providers_configured(1, 0, 0);
    cr_assert_eq(identity_signin_methods(c, a3), 1);
    cr_assert_eq(unbind_fresh(a3, "github"), OUNBIND_LAST_UNUSABLE);
    providers_configured(1, 0, 1);
    cr_assert_eq(unbind_fresh(a3, "github"), OUNBIND_OK);
    cr_assert_eq(ident_count_of(a3), 1);

    /* the unusable identity can go while a usable way stays; with a password GitHub can too */
    cr_assert_eq(unbind_fresh(a1, "bitbucket"), OUNBIND_OK);
    cr_assert_eq(ident_count_of(a1), 1);
    cr_assert_eq(unbind_fresh(a1, "github"), OUNBIND_LAST);
    cr_assert_eq(
        tl_exec(c, "UPDATE accounts SET password_hash = 'x' WHERE id = ?", ST_IN(ST_INT(a1))),
        ST_OK);
    cr_assert_eq(identity_signin_methods(c, a1), 2);
    cr_assert_eq(unbind_fresh(a1, "github"), OUNBIND_OK);
    cr_assert_eq(ident_count_of(a1), 0);

    /* two usable identities and one that is not, unlinked at once: one of the two stays */
    int64_t a4 = 0;
    cr_assert_eq(account_insert(c, "usable-four", NULL, NULL, 0, NULL, NOW, &a4), ACCT_OK);
    cr_assert_eq(identity_link(c, a4, "github", "3004", "four", NULL, NULL, NOW), IDENT_OK);
    cr_assert_eq(identity_link(c, a4, "wechat", "o-3004", NULL, NULL, NULL, NOW), IDENT_OK);
    cr_assert_eq(identity_link(c, a4, "bitbucket", "{bb-3004}", "four", NULL, NULL, NOW), IDENT_OK);
    unlink_account = a4;
    long r[THREADS];
    run_threads(unlink_one, r);
    int ok = 0;
    for (int i = 0; i < THREADS; i++) {
        cr_assert_neq(r[i], -1, "thread %d hit a store error", i);
        ok += r[i] == 1;
    }
    cr_assert_eq(ok, 1, "the unusable Bitbucket identity does not let both go");
    cr_assert_eq(identity_signin_methods(c, a4), 1);
    cr_assert_eq(ident_count_of(a4), 2);
}

/* ---- WeChat: one person binds once, whichever id each ticket learnt ---- */

static char person_secret[THREADS][TOKEN_LEN + 1];
static int64_t person_accounts[THREADS];

static void *person_bind_one(void *arg)
{
    long i = (long)arg;
    struct arena *a = arena_new();
    struct wxl_result r;
    wechat_login_advance(a, person_secret[i], person_accounts[i], "127.0.0.1", time(NULL), &r);
    arena_free(a);
    return (void *)(long)(r.outcome == WXO_BOUND ? 1 : r.outcome == WXO_TAKEN ? 0 : -1);
}

/* THREADS accounts bind the same WeChat at once; half the tickets learnt its unionid (the
 * account was bound to an Open Platform account meanwhile), half only its openid. One
 * identity, one bonus (wechat_login.h invariants 6, 7). */
CONTRACT(wechat_one_person_binds_once_whichever_id_under_race)
{
    struct st_conn *c = tl_conn();
    struct arena *a = arena_new();
    int64_t now = time(NULL);
    cr_assert_eq(tl_exec(c,
                         "INSERT INTO wechat_followers (openid, following, updated_at)"
                         " VALUES ('oPerson', 1, ?)",
                         ST_IN(ST_INT(now))),
                 ST_OK);
    for (int i = 0; i < THREADS; i++) {
        char h[TOKEN_HASH_LEN + 1];
        cr_assert_eq(account_insert(c, arena_printf(a, "person%d", i), NULL, NULL, 0, "x", now,
                                    &person_accounts[i]),
                     ACCT_OK);
        token_new(person_secret[i]);
        token_hash(person_secret[i], h);
        cr_assert_eq(tl_exec(c,
                             "INSERT INTO wechat_tickets (scene, secret_hash, intent, account_id,"
                             " wx_ticket, qr_url, state, openid, unionid, resolved, lang,"
                             " created_at, scanned_at, expires_at) VALUES (?, ?, 'bind', ?, 'T',"
                             " 'http://weixin.qq.com/q/p', 'scanned', 'oPerson', ?, 1, 'en', ?, ?,"
                             " ?)",
                             ST_IN(ST_TEXT(arena_printf(a, "person-%d", i)), ST_TEXT(h),
                                   ST_INT(person_accounts[i]), ST_TEXT(i % 2 ? "uPerson" : NULL),
                                   ST_INT(now), ST_INT(now), ST_INT(now + 300))),
                     ST_OK);
    }
    arena_free(a);
    long r[THREADS];
    run_threads(person_bind_one, r);
    int bound = 0;
    for (int i = 0; i < THREADS; i++) {
        cr_assert_neq(r[i], -1, "thread %d: neither bound nor refused", i);
        bound += r[i] == 1;
    }
    cr_assert_eq(bound, 1, "one account gets this person, not %d", bound);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM identities WHERE provider = 'wechat'"), 1);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM grants"), 1);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM wechat_tickets WHERE state = 'consumed'"), THREADS,
                 "a refused bind spends its code too");
}

/* ---- WeChat: force_refresh at least 30 s apart and 20 a day, across nodes ---- */

static long qrcode_ok(void)
{
    struct arena *a = arena_new();
    struct wechat_qr qr;
    long ok = wechat_token_qrcode(a, "scene", 300, &qr) == WXAPI_OK;
    arena_free(a);
    return ok;
}

CONTRACT(wechat_forced_refresh_spaced_and_capped_across_nodes)
{
    static const unsigned char key[SECRETS_KEY_LEN] = "0123456789abcdef0123456789abcdef";
    secrets_set_token_key(key);
    cr_assert_gt(wfake_start("tok-a", 50), 0);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", WF.port);
    setenv("DAOID_WECHAT_API_URL", url, 1);
    setenv("DAOID_WECHAT_APP_ID", "wxcontract", 1);
    setenv("DAOID_WECHAT_APP_SECRET", "secret", 1);
    setenv("DAOID_WECHAT_TOKEN", "token", 1);
    cr_assert_eq(config_load(NULL), 0);
    cr_assert_eq(qrcode_ok(), 1);
    cr_assert_eq(WF.fetches, 1);

    /* WeChat calls the token it hands out invalid (40014) to every caller at once: stable_token
     * gives it back, so one caller forces a new one, once */
    wfake_refuse("tok-a", 40014);
    long r[THREADS];
    run_threads(qrcode_one, r);
    for (int i = 0; i < THREADS; i++) cr_assert_eq(r[i], 1, "thread %d: no QR code", i);
    cr_assert_eq(WF.forced, 1, "one forced refresh for %d refused callers", THREADS);
    cr_assert_str_eq(WF.current, "tok-forced-1");

    /* the new token refused as well, within 30 s of the last force (another node's, say): no
     * second force; a back-off, during which callers fail at once rather than wait */
    wfake_refuse("tok-forced-1", 42001);
    int fetches = WF.fetches;
    cr_assert_eq(qrcode_ok(), 0);
    cr_assert_eq(WF.forced, 1);
    cr_assert_eq(WF.fetches, fetches + 1, "a plain fetch, which gave the refused token back");
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM wechat_tokens WHERE lease_owner = ''"
                           " AND lease_until > expires_at"),
                 1);
    time_t t0 = time(NULL);
    cr_assert_eq(qrcode_ok(), 0);
    cr_assert_leq(time(NULL) - t0, 2, "no wait for a fetch that is not happening");
    cr_assert_eq(WF.fetches, fetches + 1);

    /* 30 s later (the gap moved back): allowed again */
    struct st_conn *c = tl_conn();
    cr_assert_eq(tl_exec(c,
                         "UPDATE rate_counters SET window_start = window_start - 31"
                         " WHERE key = 'wechat_force_gap:wxcontract'",
                         ST_NONE),
                 ST_OK);
    cr_assert_eq(tl_exec(c, "UPDATE wechat_tokens SET lease_until = 0", ST_NONE), ST_OK);
    cr_assert_eq(qrcode_ok(), 1);
    cr_assert_eq(WF.forced, 2);
    cr_assert_str_eq(WF.current, "tok-forced-2");

    /* the day's 20 used up (by any node): none more today */
    cr_assert_eq(tl_exec(c,
                         "UPDATE rate_counters SET count = 20"
                         " WHERE key = 'wechat_force_day:wxcontract'",
                         ST_NONE),
                 ST_OK);
    cr_assert_eq(tl_exec(c,
                         "UPDATE rate_counters SET window_start = window_start - 31"
                         " WHERE key = 'wechat_force_gap:wxcontract'",
                         ST_NONE),
                 ST_OK);
    wfake_refuse("tok-forced-2", 40001);
    cr_assert_eq(qrcode_ok(), 0);
    cr_assert_eq(WF.forced, 2);
    wfake_stop();
}

/* ==== table owners (src/db/): every owner function, on both backends ==== */

#include "accounts.h"
#include "audit.h"
#include "captchas.h"
#include "held_usernames.h"
#include "outbox.h"
#include "provider_tokens.h"
#include "rate_counters.h"
#include "sessions.h"
#include "tokens.h"

/* A fresh account for the owner cases; its id. */
static int64_t owner_account(const char *name, const char *email_norm, int verified)
{
    int64_t id = 0;
    cr_assert_eq(accounts_insert(tl_conn(), name, email_norm, email_norm, verified, NULL, NOW, &id),
                 ST_OK);
    cr_assert_gt(id, 0);
    return id;
}

CONTRACT(owner_settings_kv)
{
    struct st_conn *c = tl_conn();
    struct arena *a = arena_new();
    char *v = NULL;
    cr_assert_eq(settings_kv_get(c, a, "owner", &v), ST_NOTFOUND);
    cr_assert_eq(settings_kv_add(c, "owner", "first"), ST_OK);
    cr_assert_eq(settings_kv_add(c, "owner", "second"), ST_OK, "a second add changes nothing");
    cr_assert_eq(settings_kv_get(c, a, "owner", &v), ST_OK);
    cr_assert_str_eq(v, "first");
    arena_free(a);
}

CONTRACT(owner_accounts_reads)
{
    struct st_conn *c = tl_conn();
    struct arena *a = arena_new();
    int64_t one = owner_account("ownerone", "one@example.org", 1);
    int64_t two = owner_account("ownertwo", "two@example.org", 0);
    int64_t dup = 0;
    cr_assert_eq(accounts_insert(c, "ownerone", NULL, NULL, 0, NULL, NOW, &dup), ST_CONFLICT);
    struct account acct;
    cr_assert_eq(accounts_by_id(c, a, one, &acct), ST_OK);
    cr_assert_str_eq(acct.username, "ownerone");
    cr_assert_eq(acct.email_verified, 1);
    cr_assert_null(acct.password_hash);
    cr_assert_eq(acct.created_at, NOW);
    cr_assert_eq(accounts_by_id(c, a, two + 100, &acct), ST_NOTFOUND);
    cr_assert_eq(accounts_by_username(c, a, "ownertwo", &acct), ST_OK);
    cr_assert_eq(acct.id, two);
    cr_assert_eq(accounts_by_email(c, a, "one@example.org", 1, &acct), ST_OK);
    cr_assert_eq(acct.id, one);
    cr_assert_eq(accounts_by_email(c, a, "two@example.org", 1, &acct), ST_NOTFOUND);
    cr_assert_eq(accounts_by_email(c, a, "two@example.org", 0, &acct), ST_OK);
    cr_assert_eq(acct.id, two);
    struct account found[4];
    cr_assert_eq(accounts_find(c, a, "%owner%", found, 4), 2);
    cr_assert_eq(found[0].id, one, "by id");
    cr_assert_eq(accounts_find(c, a, "%owner\\_%", found, 4), 0, "escaped wildcard");
    cr_assert_eq(accounts_find(c, a, "%two@%", found, 1), 1);
    cr_assert_eq(accounts_count_username(c, "ownerone"), 1);
    cr_assert_eq(accounts_count_username(c, "nobody"), 0);
    cr_assert_eq(accounts_count_email(c, "two@example.org"), 1);
    cr_assert_eq(accounts_count_verified_elsewhere(c, "one@example.org", two), 1);
    cr_assert_eq(accounts_count_verified_elsewhere(c, "one@example.org", one), 0);
    arena_free(a);
}

CONTRACT(owner_accounts_writes)
{
    struct st_conn *c = tl_conn();
    struct arena *a = arena_new();
    int64_t one = owner_account("ownerone", "same@example.org", 0);
    int64_t two = owner_account("ownertwo", "same@example.org", 0);
    struct account acct;
    cr_assert_eq(st_begin(c), ST_OK);
    cr_assert_eq(accounts_lock(c, one), 1);
    cr_assert_eq(accounts_lock(c, two + 100), 0);
    cr_assert_eq(accounts_lock_claims(c, "same@example.org", one), 0);
    cr_assert_eq(accounts_mark_verified(c, one, "other@example.org", NOW), 0, "not its address");
    cr_assert_eq(accounts_mark_verified(c, one, "same@example.org", NOW), 1);
    cr_assert_eq(st_commit(c), ST_OK);
    /* (a refused write ends a PostgreSQL transaction: this one runs on its own) */
    cr_assert_eq(accounts_mark_verified(c, two, "same@example.org", NOW), -2, "verified elsewhere");
    cr_assert_eq(accounts_clear_claims(c, "same@example.org", one, NOW), 0);
    cr_assert_eq(accounts_by_id(c, a, two, &acct), ST_OK);
    cr_assert_null(acct.email, "the other claim ended");
    cr_assert_eq(accounts_set_email(c, two, "New@example.org", "new@example.org", NOW), 1);
    cr_assert_eq(accounts_set_email(c, two, "Same@example.org", "same@example.org", NOW), -2);
    cr_assert_eq(accounts_by_id(c, a, two, &acct), ST_OK);
    cr_assert_str_eq(acct.email, "New@example.org");
    cr_assert_eq(acct.email_verified, 1);
    cr_assert_eq(accounts_set_password_hash(c, two, "$argon2id$x", NOW), 0);
    cr_assert_eq(accounts_set_username(c, two, "ownerone", NOW), ST_CONFLICT);
    cr_assert_eq(accounts_set_username(c, two, "ownerthree", NOW), ST_OK);
    cr_assert_eq(accounts_set_status(c, two, 1, NOW), 0);
    cr_assert_eq(accounts_by_id(c, a, two, &acct), ST_OK);
    cr_assert_str_eq(acct.username, "ownerthree");
    cr_assert_str_eq(acct.password_hash, "$argon2id$x");
    cr_assert_eq(acct.status, 1);
    cr_assert_eq(accounts_set_tour_done(c, two, 1, NOW), 0);
    cr_assert_eq(tl_scalar("SELECT tour_done_at FROM accounts WHERE username = 'ownerthree'"), NOW);
    cr_assert_eq(accounts_set_tour_done(c, two, 0, NOW), 0);
    cr_assert_eq(tl_scalar("SELECT tour_done_at FROM accounts WHERE username = 'ownerthree'"), 0);
    int64_t offers = -1; /* dismissed offers: bits that add up, never clear each other */
    cr_assert_eq(accounts_offers_dismissed(c, two, &offers), 0);
    cr_assert_eq(offers, 0);
    cr_assert_eq(accounts_dismiss_offer(c, two, 1), 0);
    cr_assert_eq(accounts_dismiss_offer(c, two, 8), 0);
    cr_assert_eq(accounts_dismiss_offer(c, two, 1), 0);
    cr_assert_eq(accounts_offers_dismissed(c, two, &offers), 0);
    cr_assert_eq(offers, 9);
    cr_assert_eq(accounts_delete(c, two), 0);
    cr_assert_eq(accounts_offers_dismissed(c, two, &offers), 0);
    cr_assert_eq(offers, 0, "no such account: nothing dismissed");
    cr_assert_eq(accounts_by_id(c, a, two, &acct), ST_NOTFOUND);
    arena_free(a);
}

CONTRACT(owner_held_usernames)
{
    struct st_conn *c = tl_conn();
    struct arena *a = arena_new();
    int64_t id = owner_account("holder", NULL, 0);
    cr_assert_eq(held_usernames_hold(c, "oldname", id, NOW + 100, NOW), 0);
    cr_assert_eq(held_usernames_hold(c, "gonename", 0, NOW + 50, NOW), 0);
    cr_assert_eq(held_usernames_count(c, "oldname", 0, NOW), 1);
    cr_assert_eq(held_usernames_count(c, "oldname", id, NOW), 0, "its own hold");
    cr_assert_eq(held_usernames_count(c, "gonename", id, NOW), 1, "nobody's hold");
    cr_assert_eq(held_usernames_count(c, "oldname", 0, NOW + 100), 0, "over");
    struct held_username rows[4];
    cr_assert_eq(held_usernames_list(c, a, id, rows, 4), 1);
    cr_assert_str_eq(rows[0].username, "oldname");
    cr_assert_eq(rows[0].held_until, NOW + 100);
    cr_assert_eq(held_usernames_hold(c, "second", id, NOW + 10, NOW), 0);
    cr_assert_eq(held_usernames_list(c, a, id, rows, 4), 2);
    cr_assert_str_eq(rows[0].username, "second", "soonest end first");
    cr_assert_eq(held_usernames_unhold(c, "second", id), 0);
    cr_assert_eq(held_usernames_detach(c, id), 0);
    cr_assert_eq(held_usernames_list(c, a, id, rows, 4), 0);
    cr_assert_eq(held_usernames_count(c, "oldname", id, NOW), 1, "now nobody's");
    /* an operator releases nobody's hold; an account's own hold is not released */
    cr_assert_eq(held_usernames_hold(c, "mine", id, NOW + 100, NOW), 0);
    cr_assert_eq(held_usernames_release(c, "mine"), 0);
    cr_assert_eq(held_usernames_release(c, "nosuch"), 0);
    cr_assert_eq(held_usernames_hold(c, "forever", 0, INT64_C(253402300799), NOW), 0);
    cr_assert_eq(held_usernames_release(c, "forever"), 1);
    cr_assert_eq(held_usernames_count(c, "forever", 0, NOW), 0);
    cr_assert_eq(held_usernames_unhold(c, "mine", id), 0);
    cr_assert_eq(held_usernames_sweep(c, NOW + 60), 1);
    cr_assert_eq(held_usernames_sweep(c, NOW + 100), 1);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM held_usernames"), 0);
    arena_free(a);
}

CONTRACT(owner_sessions)
{
    struct st_conn *c = tl_conn();
    struct arena *a = arena_new();
    int64_t id = owner_account("sessioner", "s@example.org", 1);
    cr_assert_eq(sessions_insert(c, "h1", id, NOW, NOW + 1000, "192.0.2.1", "ua1", "pwd"), 0);
    cr_assert_eq(sessions_insert(c, "h2", id, NOW + 1, NOW + 1000, "192.0.2.2", "ua2", "pwd"), 0);
    cr_assert_eq(sessions_insert(c, "h3", id, NOW + 2, NOW + 1000, "192.0.2.3", "ua3", "pwd"), 0);
    cr_assert_eq(sessions_insert(c, "h1", id, NOW, NOW + 1000, "192.0.2.1", "ua1", "pwd"), -1,
                 "unique");
    struct sessions_loaded l;
    cr_assert_eq(sessions_load(c, a, "h1", &l), ST_OK);
    cr_assert_eq(l.account_id, id);
    cr_assert_str_eq(l.username, "sessioner");
    cr_assert_eq(l.email_verified, 1);
    cr_assert_eq(l.has_password, 0);
    cr_assert_eq(l.expires_at, NOW + 1000);
    cr_assert_str_eq(l.amr, "pwd", "how it signed in is kept");
    cr_assert_eq(l.bonus_units, 0);
    cr_assert_eq(l.has_factor, 0);
    cr_assert_eq(sessions_load(c, a, "nope", &l), ST_NOTFOUND);
    /* whether the account has a second factor (require_2fa's check): a confirmed app, a passkey */
    cr_assert_eq(totp_secrets_put(c, id, "sealed", NOW), 1);
    cr_assert_eq(sessions_load(c, a, "h1", &l), ST_OK);
    cr_assert_eq(l.has_factor, 0, "an app waiting for its first code is none");
    cr_assert_eq(totp_secrets_confirm(c, id, 1, NOW), 1);
    cr_assert_eq(sessions_load(c, a, "h1", &l), ST_OK);
    cr_assert_eq(l.has_factor, 1, "a confirmed app");
    struct passkey_row pk = {.account_id = id,
                             .cred_id = "c1",
                             .cose_alg = -7,
                             .public_key = "k",
                             .name = "n",
                             .created_at = NOW};
    cr_assert_eq(passkeys_insert(c, &pk), ST_OK);
    cr_assert_eq(totp_secrets_delete(c, id), 1);
    cr_assert_eq(sessions_load(c, a, "h1", &l), ST_OK);
    cr_assert_eq(l.has_factor, 1, "a passkey");
    cr_assert_eq(passkeys_delete_all(c, id), 1);
    cr_assert_eq(sessions_load(c, a, "h1", &l), ST_OK);
    cr_assert_eq(l.has_factor, 0);
    cr_assert_eq(sessions_touch(c, "h1", NOW + 5), 0);
    cr_assert_eq(sessions_reauth(c, "h1", NOW + 6), 0);
    cr_assert_eq(sessions_load(c, a, "h1", &l), ST_OK);
    cr_assert_eq(l.last_seen, NOW + 5);
    cr_assert_eq(l.auth_at, NOW + 6);
    struct session_row rows[4];
    cr_assert_eq(sessions_list(c, a, id, "h3", NOW, rows, 4), 3);
    cr_assert_str_eq(rows[0].id_hash, "h3", "the current one first");
    cr_assert_str_eq(rows[1].id_hash, "h1", "then the most recently used");
    cr_assert_eq(sessions_list(c, a, id, NULL, NOW + 1000, rows, 4), 0, "expired");
    cr_assert_eq(sessions_end_one(c, id, "h2"), 1);
    cr_assert_eq(sessions_end_one(c, id + 1, "h3"), 0, "another account's");
    cr_assert_eq(sessions_insert(c, "h4", id, NOW, NOW + 1000, "192.0.2.4", "ua4", "pwd"), 0);
    cr_assert_eq(sessions_end_others(c, id, "h1"), 2);
    cr_assert_eq(sessions_delete(c, "h1"), 0);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM sessions"), 0);
    cr_assert_eq(sessions_insert(c, "h5", id, NOW, NOW + 1000, "192.0.2.5", "ua5", "pwd"), 0);
    cr_assert_eq(sessions_insert(c, "h6", id, NOW, NOW + 1000, "192.0.2.6", "ua6", "pwd"), 0);
    cr_assert_eq(sessions_end_others(c, id, NULL), 2, "none kept");
    cr_assert_eq(sessions_insert(c, "h7", id, NOW, NOW + 1000, "192.0.2.7", "ua7", "pwd"), 0);
    cr_assert_eq(sessions_end_all(c, id), 1);
    cr_assert_eq(sessions_insert(c, "h8", id, NOW, NOW + 10, "192.0.2.8", "ua8", "pwd"), 0);
    cr_assert_eq(sessions_insert(c, "h9", id, NOW + 5, NOW + 1000, "192.0.2.9", "ua9", "pwd"), 0);
    cr_assert_eq(sessions_insert(c, "hA", id, NOW + 9, NOW + 1000, "192.0.2.10", "uaA", "github"),
                 0);
    cr_assert_eq(sessions_sweep(c, NOW + 10, NOW + 6), 2, "one expired, one idle");
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM sessions"), 1);
    arena_free(a);
}

CONTRACT(owner_tokens)
{
    struct st_conn *c = tl_conn();
    struct arena *a = arena_new();
    int64_t one = owner_account("tokenone", "t@example.org", 0);
    int64_t two = owner_account("tokentwo", "t@example.org", 0);
    cr_assert_eq(tokens_insert(c, "th1", "verify", one, "t@example.org", NOW, NOW + 100), 0);
    cr_assert_eq(tokens_insert(c, "th2", "verify", two, "t@example.org", NOW, NOW + 100), 0);
    cr_assert_eq(tokens_insert(c, "th3", "email", one, "a@example.org", NOW, NOW + 100), 0);
    cr_assert_eq(tokens_insert(c, "th4", "email", one, "b@example.org", NOW + 1, NOW + 100), 0);
    cr_assert_eq(tokens_insert(c, "th5", "reset", one, "t@example.org", NOW, NOW + 100), 0);
    int64_t acct = 0, used = -1, exp = 0;
    char *email = NULL;
    cr_assert_eq(tokens_peek(c, a, "th1", "verify", &acct, &email), ST_OK);
    cr_assert_eq(acct, one);
    cr_assert_str_eq(email, "t@example.org");
    cr_assert_eq(tokens_peek(c, a, "th1", "reset", &acct, &email), ST_NOTFOUND, "other kind");
    cr_assert_eq(tokens_state(c, "th1", "verify", &used, &exp), ST_OK);
    cr_assert_eq(used, 0);
    cr_assert_eq(exp, NOW + 100);
    cr_assert_eq(tokens_use(c, a, "th1", "verify", NOW + 100, &acct, &email), ST_NOTFOUND,
                 "expired");
    cr_assert_eq(tokens_use(c, a, "th1", "verify", NOW, &acct, &email), ST_OK);
    cr_assert_eq(tokens_use(c, a, "th1", "verify", NOW, &acct, &email), ST_NOTFOUND, "used");
    cr_assert_eq(tokens_state(c, "th1", "verify", &used, &exp), ST_OK);
    cr_assert_eq(used, NOW);
    cr_assert_eq(tokens_state(c, "nope", "verify", &used, &exp), ST_NOTFOUND);
    struct token_link t;
    cr_assert_eq(tokens_with_account(c, a, "th5", "reset", &t), ST_OK);
    cr_assert_eq(t.account_id, one);
    cr_assert_str_eq(t.username, "tokenone");
    cr_assert_str_eq(t.sent_to, "t@example.org");
    cr_assert_str_eq(t.email_norm, "t@example.org");
    cr_assert_eq(t.used_at, 0);
    cr_assert_eq(tokens_latest_unused(c, a, one, "email", NOW, &email), ST_OK);
    cr_assert_str_eq(email, "b@example.org", "the newest");
    cr_assert_eq(tokens_drop_unused(c, one, "email"), 0);
    cr_assert_eq(tokens_latest_unused(c, a, one, "email", NOW, &email), ST_NOTFOUND);
    cr_assert_eq(tokens_drop_other_claims(c, "t@example.org", one), 0);
    cr_assert_eq(tokens_peek(c, a, "th2", "verify", &acct, &email), ST_NOTFOUND, "two's claim");
    cr_assert_eq(tokens_use_all(c, one, "reset", NOW + 1), 0);
    cr_assert_eq(tokens_state(c, "th5", "reset", &used, &exp), ST_OK);
    cr_assert_eq(used, NOW + 1);
    cr_assert_eq(tokens_sweep(c, NOW + 100 + 604799), 0, "kept a week past expiry");
    cr_assert_eq(tokens_sweep(c, NOW + 100 + 604800), 2);
    arena_free(a);
}

CONTRACT(owner_captchas)
{
    struct st_conn *c = tl_conn();
    struct arena *a = arena_new();
    cr_assert_eq(captchas_insert(c, "c1", "ans1", NOW + 10), 0);
    cr_assert_eq(captchas_insert(c, "c2", "ans2", NOW + 20), 0);
    char *ans = NULL;
    int64_t exp = 0;
    cr_assert_eq(captchas_take(c, a, "c1", &ans, &exp), ST_OK);
    cr_assert_str_eq(ans, "ans1");
    cr_assert_eq(exp, NOW + 10);
    cr_assert_eq(captchas_take(c, a, "c1", &ans, &exp), ST_NOTFOUND, "taken once");
    cr_assert_eq(captchas_sweep(c, NOW + 19), 0);
    cr_assert_eq(captchas_sweep(c, NOW + 20), 1);
    arena_free(a);
}

CONTRACT(owner_rate_counters)
{
    struct st_conn *c = tl_conn();
    const char *keys[3] = {"rk1", "rk2", "rk3"};
    int64_t starts[3] = {NOW, NOW, NOW}, spans[3] = {60, 60, 60};
    struct rate_count out[3], row;
    cr_assert_eq(rate_counters_hit(c, 1, keys, starts, spans, out), 0);
    cr_assert_eq(out[0].count, 1);
    cr_assert_eq(rate_counters_hit(c, 2, keys, starts, spans, out), 0);
    cr_assert_eq(out[0].count, 2);
    cr_assert_eq(out[1].count, 1);
    cr_assert_eq(rate_counters_hit(c, 3, keys, starts, spans, out), 0);
    cr_assert_eq(out[0].count, 3);
    cr_assert_eq(out[0].prev, 0);
    cr_assert_eq(out[0].start, NOW);
    cr_assert_eq(out[2].count, 1);
    cr_assert_eq(rate_counters_hit(c, 4, keys, starts, spans, out), -1);
    cr_assert_eq(rate_counters_get(c, "rk1", &row), 1);
    cr_assert(row.start == NOW && row.count == 3 && row.prev == 0);
    cr_assert_eq(rate_counters_get(c, "none", &row), 0);
    cr_assert(row.start == 0 && row.count == 0 && row.prev == 0);
    /* the next window: the count moves to prev (the sliding estimate's previous window) */
    int64_t next[1] = {NOW + 60};
    cr_assert_eq(rate_counters_hit(c, 1, keys, next, spans, out), 0);
    cr_assert(out[0].start == NOW + 60 && out[0].count == 1 && out[0].prev == 3);
    /* a node whose clock is a minute behind counts in the row's window, not back in its own */
    cr_assert_eq(rate_counters_hit(c, 1, keys, starts, spans, out), 0);
    cr_assert(out[0].start == NOW + 60 && out[0].count == 2 && out[0].prev == 3);
    /* a window later than the next one: nothing carried over */
    int64_t later[1] = {NOW + 180};
    cr_assert_eq(rate_counters_hit(c, 1, keys, later, spans, out), 0);
    cr_assert(out[0].start == NOW + 180 && out[0].count == 1 && out[0].prev == 0);
    cr_assert_eq(rate_counters_forget(c, "rk2"), 0);
    cr_assert_eq(rate_counters_get(c, "rk2", &row), 0);
    /* a row stays through the window after its own, where its count still weighs */
    cr_assert_eq(rate_counters_sweep(c, NOW + 119), 0);
    cr_assert_eq(rate_counters_sweep(c, NOW + 120), 1, "rk3's next window is over");
    cr_assert_eq(rate_counters_sweep(c, NOW + 300), 1);

    /* one event every 30 s at most under a key */
    cr_assert_eq(rate_counters_start(c, "gap"), 0, "none yet");
    cr_assert_eq(rate_counters_spaced(c, "gap", NOW, 30), 1, "the first");
    cr_assert_eq(rate_counters_start(c, "gap"), NOW);
    cr_assert_eq(rate_counters_spaced(c, "gap", NOW + 29, 30), 0, "too soon");
    cr_assert_eq(rate_counters_start(c, "gap"), NOW, "nothing recorded");
    cr_assert_eq(rate_counters_spaced(c, "gap", NOW + 30, 30), 1, "the gap has passed");
    cr_assert_eq(rate_counters_start(c, "gap"), NOW + 30);
}

CONTRACT(owner_outbox)
{
    struct st_conn *c = tl_conn();
    struct arena *a = arena_new();
    int64_t id = owner_account("mailer", NULL, 0);
    cr_assert_eq(outbox_insert(c, id, "verify", "m1@example.org", "msg1", NOW), 0);
    cr_assert_eq(outbox_insert(c, 0, "deleted", "m2@example.org", "msg2", NOW), 0);
    cr_assert_eq(outbox_insert(c, id, "reset", "m3@example.org", "msg3", NOW + 50), 0);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM outbox WHERE account_id IS NULL"), 1);
    struct outbox_claimed m1, m2, m3, none;
    cr_assert_eq(outbox_claim(c, a, NOW, NOW + 10, &m1), ST_OK);
    cr_assert_str_eq(m1.rcpt, "m1@example.org");
    cr_assert_str_eq(m1.message, "msg1");
    cr_assert_eq(m1.attempts, 1);
    cr_assert_eq(outbox_claim(c, a, NOW, NOW + 10, &m2), ST_OK);
    cr_assert_str_eq(m2.rcpt, "m2@example.org");
    cr_assert_eq(outbox_claim(c, a, NOW, NOW + 10, &none), ST_NOTFOUND, "m3 is not due");
    cr_assert_eq(outbox_sent(c, m1.id, NOW + 1), 0);
    cr_assert_eq(outbox_retry_later(c, m2.id, NOW + 99, NOW + 5, "other lease"), 0);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM outbox WHERE status = 'sending'"), 1,
                 "a stale lease changes nothing");
    cr_assert_eq(outbox_retry_later(c, m2.id, NOW + 10, NOW + 5, "451 later"), 0);
    cr_assert_eq(outbox_claim(c, a, NOW + 5, NOW + 15, &m2), ST_OK);
    cr_assert_eq(m2.attempts, 2);
    cr_assert_eq(outbox_hand_back(c, m2.id, NOW + 15), 0);
    cr_assert_eq(outbox_claim(c, a, NOW + 5, NOW + 16, &m2), ST_OK);
    cr_assert_eq(m2.attempts, 2, "handed back untried");
    cr_assert_eq(outbox_dead(c, m2.id, NOW + 16, "550 no such user"), 0);
    cr_assert_eq(outbox_claim(c, a, NOW + 50, NOW + 60, &m3), ST_OK);
    cr_assert_eq(outbox_dead(c, m3.id, NOW + 60, "550 gone"), 0);
    struct outbox_dead_row dead[4];
    cr_assert_eq(outbox_dead_list(c, a, dead, 4), 2);
    cr_assert_eq(dead[0].id, m2.id);
    cr_assert_str_eq(dead[0].last_error, "550 no such user");
    cr_assert_str_eq(dead[0].kind, "deleted");
    cr_assert_eq(outbox_requeue_dead(c, m3.id, NOW + 70), 1);
    cr_assert_eq(outbox_requeue_dead(c, m3.id, NOW + 70), 0, "not dead any more");
    cr_assert_eq(outbox_requeue_dead(c, 0, NOW + 70), 1, "all");
    cr_assert_eq(outbox_dead_list(c, a, dead, 4), 0);
    cr_assert_eq(outbox_claim(c, a, NOW + 70, NOW + 80, &m3), ST_OK);
    cr_assert_eq(m3.attempts, 1, "attempts start over");
    cr_assert_eq(outbox_detach(c, id), 0);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM outbox WHERE account_id IS NULL"), 3);
    cr_assert_eq(outbox_sweep(c, NOW), 0);
    cr_assert_eq(outbox_sweep(c, NOW + 1), 1);
    arena_free(a);
}

CONTRACT(owner_provider_tokens)
{
    struct st_conn *c = tl_conn();
    struct arena *a = arena_new();
    int64_t id = owner_account("tokenholder", NULL, 0);
    const struct provider_tokens_put p1 = {"ct-a1", "ct-r1", "repo", NOW + 3600};
    cr_assert_eq(provider_tokens_put(c, id, "github", "gh-1", &p1, NOW), 0, "no identity yet");
    cr_assert_eq(tl_exec(c,
                         "INSERT INTO identities (provider, subject, account_id, created_at,"
                         " updated_at) VALUES ('github', 'gh-1', ?, ?, ?)",
                         ST_IN(ST_INT(id), ST_INT((int64_t)NOW), ST_INT((int64_t)NOW))),
                 ST_OK);
    cr_assert_eq(provider_tokens_put(c, id, "github", "gh-1", &p1, NOW), 1);
    char *scope = NULL;
    cr_assert_eq(provider_tokens_scope(c, a, id, "github", &scope), ST_OK);
    cr_assert_str_eq(scope, "repo");
    cr_assert_eq(provider_tokens_scope(c, a, id, "coding", &scope), ST_NOTFOUND);
    struct provider_tokens_row r;
    cr_assert_eq(provider_tokens_get(c, a, id, "github", &r), ST_OK);
    cr_assert_str_eq(r.subject, "gh-1");
    cr_assert_str_eq(r.access_ct, "ct-a1");
    cr_assert_str_eq(r.refresh_ct, "ct-r1");
    cr_assert_eq(r.generation, 1);
    cr_assert_eq(r.expires_at, NOW + 3600);
    cr_assert_eq(provider_tokens_lease(c, id, "github", 1, NOW, 30), 1);
    cr_assert_eq(provider_tokens_lease(c, id, "github", 1, NOW + 1, 30), 0, "leased");
    const struct provider_tokens_put p2 = {"ct-a2", NULL, NULL, NOW + 7200};
    cr_assert_eq(provider_tokens_refreshed(c, id, "github", 1, &p2, NOW + 2), 1);
    cr_assert_eq(provider_tokens_refreshed(c, id, "github", 1, &p2, NOW + 2), 0, "moved on");
    cr_assert_eq(provider_tokens_get(c, a, id, "github", &r), ST_OK);
    cr_assert_str_eq(r.access_ct, "ct-a2");
    cr_assert_str_eq(r.refresh_ct, "ct-r1", "kept");
    cr_assert_str_eq(r.scope, "repo", "kept");
    cr_assert_eq(r.generation, 2);
    cr_assert_eq(r.lease_until, 0);
    cr_assert_eq(provider_tokens_lease(c, id, "github", 2, NOW + 3, 30), 1);
    cr_assert_eq(provider_tokens_release(c, id, "github", 2, 0), 0);
    cr_assert_eq(provider_tokens_get(c, a, id, "github", &r), ST_OK);
    cr_assert_eq(r.lease_until, 0);
    cr_assert_eq(r.generation, 2);
    cr_assert_eq(provider_tokens_release(c, id, "github", 2, 1), 0);
    cr_assert_eq(provider_tokens_get(c, a, id, "github", &r), ST_OK);
    cr_assert_null(r.refresh_ct);
    cr_assert_eq(r.generation, 3);
    arena_free(a);
}

/* A catalogue statement run again while its slot's statement is still open gets a statement
 * of its own (SQLite), and both read their own rows. */
CONTRACT(owner_statement_slot_in_use)
{
    struct st_conn *c = tl_conn();
    owner_account("slotone", NULL, 0);
    owner_account("slottwo", NULL, 0);
    struct st_stmt *outer = st_prepare(c, Q_ACCOUNTS_COUNT_USERNAME);
    cr_assert_not_null(outer);
    st_bind_text(outer, 1, "slotone");
    cr_assert_eq(st_step(outer), ST_ROW);
    cr_assert_eq(accounts_count_username(c, "nobody"), 0);
    cr_assert_eq(st_col_int(outer, 0), 1);
    st_done(outer);
    cr_assert_eq(accounts_count_username(c, "slottwo"), 1);
    cr_assert_str_eq(catalog_name(Q_ACCOUNTS_LOCK), "ACCOUNTS_LOCK");
    cr_assert_not_null(strstr(catalog_sql(Q_ACCOUNTS_LOCK, 1), "FOR UPDATE"));
    cr_assert_null(strstr(catalog_sql(Q_ACCOUNTS_LOCK, 0), "FOR UPDATE"));
}

/* ---- table owners: identities, OAuth and WeChat state, grants, audit ---- */

#include "audit.h"
#include "identities.h"
#include "oauth_pending.h"
#include "oauth_states.h"
#include "wechat_followers.h"
#include "wechat_pushes.h"
#include "wechat_tickets.h"

static int64_t id_owner_account(struct st_conn *c, const char *name)
{
    int64_t id = 0;
    cr_assert_eq(st_begin(c), ST_OK);
    cr_assert_eq(account_insert(c, name, NULL, NULL, 0, NULL, NOW, &id), ACCT_OK);
    cr_assert_eq(st_commit(c), ST_OK);
    return id;
}

static void count_provider(void *ctx, const char *provider)
{
    (void)provider;
    (*(int *)ctx)++;
}

CONTRACT(identities_owner_reads_and_writes)
{
    struct st_conn *c = tl_conn();
    struct arena *a = arena_new();
    int64_t a1 = id_owner_account(c, "idowner1"), a2 = id_owner_account(c, "idowner2");
    cr_assert_eq(identities_insert(c, a1, "github", "g1", "octo", "o@x.example", NULL, NOW), ST_OK);
    cr_assert_eq(identities_insert(c, a2, "github", "g1", NULL, NULL, NULL, NOW), ST_CONFLICT,
                 "(provider, subject) is one account's");
    cr_assert_eq(identities_insert(c, a1, "github", "g2", NULL, NULL, NULL, NOW), ST_CONFLICT,
                 "one identity per provider");
    cr_assert_eq(identities_insert(c, a1, "wechat", "o-1", NULL, NULL,
                                   "{\"openid\":\"o-1\",\"unionid\":\"u-1\"}", NOW + 1),
                 ST_OK);
    struct identity id;
    cr_assert_eq(identities_find(c, a, "github", "g1", &id), ST_OK);
    cr_assert_eq(id.account_id, a1);
    cr_assert_str_eq(id.login, "octo");
    cr_assert_eq(identities_find(c, a, "github", "nobody", &id), ST_NOTFOUND);
    cr_assert_eq(identities_of(c, a, a1, "wechat", &id), ST_OK);
    cr_assert_str_eq(id.subject, "o-1");
    int64_t owner = 0;
    cr_assert_eq(identities_owner(c, "github", "g1", &owner), ST_OK);
    cr_assert_eq(owner, a1);
    char *subject = NULL;
    cr_assert_eq(identities_find_by_extra(c, a, "wechat", "{\"openid\":\"o-1\"}",
                                          "{\"openid\":\"o-1\",", &subject),
                 ST_OK);
    cr_assert_str_eq(subject, "o-1");
    cr_assert_eq(identities_find_by_extra(c, a, "wechat", "{\"openid\":\"o-2\"}",
                                          "{\"openid\":\"o-2\",", &subject),
                 ST_NOTFOUND);
    cr_assert_eq(identities_touch(c, id.id, "mei", NULL, NULL, NOW + 2), 0);
    cr_assert_eq(identities_resubject(c, id.id, "o-1", "u-1", NOW + 2), 0);
    cr_assert_eq(identities_resubject(c, id.id, "o-1", "u-9", NOW + 2), 0, "no longer o-1");
    cr_assert_eq(identities_of(c, a, a1, "wechat", &id), ST_OK);
    cr_assert_str_eq(id.subject, "u-1");
    cr_assert_str_eq(id.login, "mei");
    cr_assert_not_null(id.extra, "extra NULL keeps it");
    struct identity *v = NULL;
    int n = 0, providers = 0;
    cr_assert_eq(identities_list(c, a, a1, &v, &n), 0);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(v[0].provider, "github", "oldest first");
    cr_assert_eq(identities_each_provider(c, a1, count_provider, &providers), 0);
    cr_assert_eq(providers, 2);
    int64_t k = 0;
    cr_assert_eq(identities_count(c, a1, NULL, &k), 0);
    cr_assert_eq(k, 2);
    cr_assert_eq(identities_count(c, a1, "github", &k), 0);
    cr_assert_eq(k, 1);
    cr_assert_eq(identities_delete(c, a1, "github"), 0);
    cr_assert_eq(identities_count(c, a1, "github", &k), 0);
    cr_assert_eq(k, 0);
    arena_free(a);
}

CONTRACT(oauth_states_and_pending_are_taken_once_and_swept)
{
    struct st_conn *c = tl_conn();
    struct arena *a = arena_new();
    struct oauth_state_row s = {.state_hash = "sh1",
                                .browser_hash = "bh1",
                                .provider = "github",
                                .intent = "bind",
                                .verifier = "v",
                                .account_id = 7,
                                .created_at = NOW,
                                .expires_at = NOW + 600};
    cr_assert_eq(oauth_states_insert(c, &s), 0);
    s.state_hash = "sh2";
    s.expires_at = NOW - 1;
    cr_assert_eq(oauth_states_insert(c, &s), 0);
    struct oauth_state_row got;
    cr_assert_eq(oauth_states_take(c, a, "sh1", &got), ST_OK);
    cr_assert_str_eq(got.browser_hash, "bh1");
    cr_assert_str_eq(got.intent, "bind");
    cr_assert_eq(got.account_id, 7);
    cr_assert_null(got.next);
    cr_assert_eq(oauth_states_take(c, a, "sh1", &got), ST_NOTFOUND, "once");
    cr_assert_eq(oauth_states_sweep(c, NOW), 1);
    cr_assert_eq(oauth_states_take(c, a, "sh2", &got), ST_NOTFOUND);

    struct oauth_pending_row p = {.id_hash = "ph1",
                                  .provider = "github",
                                  .subject = "42",
                                  .login = "octo",
                                  .email = "o@x.example",
                                  .created_at = NOW,
                                  .expires_at = NOW + 1800,
                                  .token_ct = "ct",
                                  .token_expires_at = NOW + 3600};
    cr_assert_eq(oauth_pending_insert(c, &p), 0);
    p.id_hash = "ph2";
    p.expires_at = NOW - 1;
    cr_assert_eq(oauth_pending_insert(c, &p), 0);
    struct oauth_pending_row r;
    cr_assert_eq(oauth_pending_get(c, a, "ph1", NOW, &r), ST_OK);
    cr_assert_str_eq(r.login, "octo");
    cr_assert_eq(oauth_pending_get(c, a, "ph2", NOW, &r), ST_NOTFOUND, "expired");
    cr_assert_eq(oauth_pending_take(c, a, "ph1", NOW, &r), ST_OK);
    cr_assert_str_eq(r.token_ct, "ct");
    cr_assert_null(r.refresh_ct);
    cr_assert_eq(r.token_expires_at, NOW + 3600);
    cr_assert_eq(oauth_pending_take(c, a, "ph1", NOW, &r), ST_NOTFOUND, "once");
    cr_assert_eq(oauth_pending_sweep(c, NOW), 1);
    arena_free(a);
}

CONTRACT(wechat_tickets_move_once_and_are_swept)
{
    struct st_conn *c = tl_conn();
    struct arena *a = arena_new();
    struct wechat_ticket_row t = {.scene = "sc1",
                                  .secret_hash = "sec1",
                                  .intent = "signin",
                                  .wx_ticket = "wx1",
                                  .qr_url = "https://qr.example/1",
                                  .lang = "en",
                                  .created_at = NOW,
                                  .expires_at = NOW + 300};
    cr_assert_eq(wechat_tickets_insert(c, &t), 0);
    struct wechat_ticket_row r;
    cr_assert_eq(wechat_tickets_by_secret(c, a, "sec1", &r), ST_OK);
    cr_assert_str_eq(r.state, "pending");
    cr_assert_null(r.openid);
    cr_assert_eq(wechat_tickets_consume(c, "sc1", NOW), 0, "not scanned");
    cr_assert_eq(wechat_tickets_scan(c, "sc1", "o-1", NOW, NOW + 600), 1);
    cr_assert_eq(wechat_tickets_scan(c, "sc1", "o-2", NOW, NOW + 600), 0, "once");
    cr_assert_eq(wechat_tickets_resolve(c, "sc1", "u-1"), 0);
    cr_assert_eq(wechat_tickets_by_scene(c, a, "sc1", &r), ST_OK);
    cr_assert_str_eq(r.openid, "o-1");
    cr_assert_str_eq(r.unionid, "u-1");
    cr_assert_eq(r.resolved, 1);
    cr_assert_eq(r.expires_at, NOW + 600);
    cr_assert_eq(wechat_tickets_consume(c, "sc1", NOW + 600), 0, "expired");
    cr_assert_eq(wechat_tickets_consume(c, "sc1", NOW), 1);
    cr_assert_eq(wechat_tickets_consume(c, "sc1", NOW), 0, "once");
    cr_assert_eq(wechat_tickets_delete_secret(c, "sec1"), 0);
    cr_assert_eq(wechat_tickets_by_scene(c, a, "sc1", &r), ST_NOTFOUND);
    t.scene = "sc2", t.secret_hash = "sec2", t.expires_at = NOW - 86400;
    cr_assert_eq(wechat_tickets_insert(c, &t), 0);
    t.scene = "sc3", t.secret_hash = "sec3", t.expires_at = NOW - 86399;
    cr_assert_eq(wechat_tickets_insert(c, &t), 0);
    cr_assert_eq(wechat_tickets_sweep(c, NOW), 1, "kept a day past expiry");
    arena_free(a);
}

CONTRACT(wechat_pushes_once_followers_and_their_lock)
{
    struct st_conn *c = tl_conn();
    struct arena *a = arena_new();
    cr_assert_eq(wechat_pushes_insert(c, "o-1", 100, "subscribe", NOW), 1);
    cr_assert_eq(wechat_pushes_insert(c, "o-1", 100, "subscribe", NOW), 0, "a retry");
    cr_assert_eq(wechat_pushes_set_reply(c, "o-1", 100, "wechat.reply.scanned", "en"), 0);
    char *reply = NULL, *lang = NULL;
    cr_assert_eq(wechat_pushes_reply_of(c, a, "o-1", 100, &reply, &lang), ST_OK);
    cr_assert_str_eq(reply, "wechat.reply.scanned");
    cr_assert_str_eq(lang, "en");
    cr_assert_eq(wechat_pushes_reply_of(c, a, "o-1", 101, &reply, &lang), ST_NOTFOUND);
    cr_assert_eq(wechat_pushes_insert(c, "o-2", 1, NULL, NOW - 86400), 1);
    cr_assert_eq(wechat_pushes_sweep(c, NOW), 1);

    cr_assert_eq(wechat_followers_set(c, "o-1", 1, NOW), 0);
    cr_assert_eq(wechat_followers_set(c, "o-1", 0, NOW + 1), 0);
    cr_assert_eq(tl_scalar("SELECT following FROM wechat_followers WHERE openid = 'o-1'"), 0);
    cr_assert_eq(st_begin(c), ST_OK);
    cr_assert_eq(wechat_followers_lock(c, "o-1"), 0);
    cr_assert_eq(wechat_followers_lock(c, "o-unknown"), 0, "nobody to lock");
    st_rollback(c);
    arena_free(a);
}

CONTRACT(grants_owner_awards_once_and_lists)
{
    struct st_conn *c = tl_conn();
    struct arena *a = arena_new();
    int64_t a1 = id_owner_account(c, "grantee1"), a2 = id_owner_account(c, "grantee2");
    const char *s1 = grants_source(a, "wechat", "o-1"), *s2 = grants_source(a, "wechat", "u-1");
    cr_assert_eq(strlen(s1), strlen("wechat:") + TOKEN_HASH_LEN);
    cr_assert_eq(grants_given(c, GRANT_WECHAT_BIND, s1, s2), 0);
    cr_assert_eq(grants_award(c, a1, GRANT_WECHAT_BIND, 1, s1, NOW), GRANT_OK);
    cr_assert_eq(grants_award(c, a1, GRANT_WECHAT_BIND, 1, s2, NOW), GRANT_ALREADY,
                 "once per account");
    cr_assert_eq(grants_award(c, a2, GRANT_WECHAT_BIND, 1, s1, NOW), GRANT_ALREADY,
                 "once per source");
    cr_assert_eq(grants_given(c, GRANT_WECHAT_BIND, "none", s1), 1);
    struct grant *v = NULL;
    int n = 0;
    cr_assert_eq(grants_list(c, a, a1, &v, &n), 0);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(v[0].reason, GRANT_WECHAT_BIND);
    struct resources res;
    cr_assert_eq(resources_of(c, a1, &res), 0);
    cr_assert_eq(res.bonus, 1);
    cr_assert_eq(res.total, res.base + 1);
    struct resources from;
    resources_from_bonus(1, &from);
    cr_assert_eq(from.base, res.base);
    cr_assert_eq(from.total, res.total, "the session's sum gives the same resources");
    struct grant *list = NULL;
    cr_assert_eq(resources_account(a, a2, &res, &list, &n), 0);
    cr_assert_eq(n, 0);
    cr_assert_eq(res.bonus, 0);
    cr_assert_eq(res.total, res.base);
    arena_free(a);
}

CONTRACT(audit_events_one_name_old_names_read_back)
{
    struct st_conn *c = tl_conn();
    struct arena *a = arena_new();
    int64_t id = id_owner_account(c, "audited");
    audit_log(c, id, AUDIT_LOGIN, "192.0.2.1", "password", NOW);
    cr_assert_eq(tl_exec(c,
                         "INSERT INTO audit (account_id, event, created_at) VALUES"
                         " (?, 'signin', ?), (?, 'wechat_bound', ?), (?, 'some_future', ?)",
                         ST_IN(ST_INT(id), ST_INT((int64_t)NOW + 1), ST_INT(id),
                               ST_INT((int64_t)NOW + 2), ST_INT(id), ST_INT((int64_t)NOW + 3))),
                 ST_OK);
    struct audit_row *v = NULL;
    int n = 0;
    cr_assert_eq(audit_recent(c, a, id, 3, &v, &n), 0);
    cr_assert_eq(n, 3, "at most max");
    cr_assert_str_eq(v[0].event, "some_future", "an unknown name as it is");
    cr_assert_str_eq(v[1].event, "identity_linked");
    cr_assert_str_eq(v[2].event, "login");
    cr_assert_eq(audit_recent(c, a, id, 10, &v, &n), 0);
    cr_assert_eq(n, 4);
    cr_assert_str_eq(v[3].event, "login");
    cr_assert_str_eq(v[3].detail, "password");
    cr_assert_str_eq(v[3].ip, "192.0.2.1");
    cr_assert_eq(audit_has(c, id, AUDIT_LOGIN), 1);
    cr_assert_eq(audit_has(c, id, AUDIT_REGISTRY_LOGIN), 0);
    cr_assert_eq(audit_has(c, id + 1000, AUDIT_LOGIN), 0, "another account's");
    for (int e = 0; e < AUDIT_EVENT_COUNT; e++)
        cr_assert_eq(audit_event_parse(audit_event_name((enum audit_event)e)), e);
    cr_assert_eq(audit_event_parse("nonsense"), AUDIT_UNKNOWN);
    cr_assert_str_eq(audit_event_canonical("signin"), "login");
    cr_assert_str_eq(audit_event_canonical("some_future"), "some_future");
    cr_assert_eq(audit_detach(c, id), 0);
    cr_assert_eq(audit_recent(c, a, id, 10, &v, &n), 0);
    cr_assert_eq(n, 0);
    arena_free(a);
}

/* ---- table owners: the password count, the WeChat access token's row and lease ---- */

#include "wechat_tokens.h"

CONTRACT(owner_accounts_has_password)
{
    struct st_conn *c = tl_conn();
    int64_t with = id_owner_account(c, "haspw"), without = id_owner_account(c, "nopw");
    cr_assert_eq(accounts_set_password_hash(c, with, "$argon2id$x", NOW), 0);
    cr_assert_eq(accounts_has_password(c, with), 1);
    cr_assert_eq(accounts_has_password(c, without), 0);
    cr_assert_eq(accounts_has_password(c, 999999), 0, "no such account");
}

CONTRACT(owner_wechat_tokens_row_and_lease)
{
    struct st_conn *c = tl_conn();
    struct arena *a = arena_new();
    struct wechat_tokens_row r;
    cr_assert_eq(wechat_tokens_get(c, a, "wxowner", &r), ST_NOTFOUND);
    cr_assert_eq(wechat_tokens_create(c, "wxowner"), 0);
    cr_assert_eq(wechat_tokens_create(c, "wxowner"), 0, "created once, whoever asks");
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM wechat_tokens"), 1);
    cr_assert_eq(wechat_tokens_get(c, a, "wxowner", &r), ST_OK);
    cr_assert(!r.token || !*r.token, "no token yet");
    cr_assert_eq(r.lease_until, 0);

    /* one lease at a time; only its owner stores */
    cr_assert_eq(wechat_tokens_lease_take(c, "wxowner", "own-1", NOW, NOW + 30), 1);
    cr_assert_eq(wechat_tokens_lease_take(c, "wxowner", "own-2", NOW + 1, NOW + 31), 0);
    cr_assert_eq(
        wechat_tokens_lease_store(c, "wxowner", "own-2", "sealed-2", NOW + 7200, NOW + 6960, NOW),
        0);
    cr_assert_eq(wechat_tokens_get(c, a, "wxowner", &r), ST_OK);
    cr_assert(!r.token || !*r.token, "not the lease holder: nothing stored");
    cr_assert_str_eq(r.lease_owner, "own-1");
    cr_assert_eq(r.lease_until, NOW + 30);
    cr_assert_eq(
        wechat_tokens_lease_store(c, "wxowner", "own-1", "sealed-1", NOW + 7200, NOW + 6960, NOW),
        0);
    cr_assert_eq(wechat_tokens_get(c, a, "wxowner", &r), ST_OK);
    cr_assert_str_eq(r.token, "sealed-1");
    cr_assert_eq(r.expires_at, NOW + 7200);
    cr_assert_eq(r.refresh_at, NOW + 6960);
    cr_assert_str_eq(r.lease_owner, "", "the lease ends with the store");
    cr_assert_eq(r.lease_until, 0);
    cr_assert_eq(tl_scalar("SELECT fetches FROM wechat_tokens"), 1);

    /* a failed fetch ends the lease with a back-off nobody fetches through */
    cr_assert_eq(wechat_tokens_lease_take(c, "wxowner", "own-3", NOW, NOW + 30), 1);
    cr_assert_eq(wechat_tokens_lease_end(c, "wxowner", "own-3", NOW + 5), 0);
    cr_assert_eq(wechat_tokens_get(c, a, "wxowner", &r), ST_OK);
    cr_assert_str_eq(r.lease_owner, "");
    cr_assert_eq(r.lease_until, NOW + 5);
    cr_assert_eq(wechat_tokens_lease_take(c, "wxowner", "own-4", NOW + 4, NOW + 34), 0);
    cr_assert_eq(wechat_tokens_lease_take(c, "wxowner", "own-4", NOW + 5, NOW + 35), 1);
    cr_assert_eq(wechat_tokens_lease_end(c, "wxowner", "own-3", 0), 0);
    cr_assert_eq(wechat_tokens_get(c, a, "wxowner", &r), ST_OK);
    cr_assert_str_eq(r.lease_owner, "own-4", "only the owner ends its lease");

    /* invalidating: only while the token is still the stored one */
    cr_assert_eq(wechat_tokens_invalidate(c, "wxowner", "sealed-old"), 0);
    cr_assert_eq(wechat_tokens_get(c, a, "wxowner", &r), ST_OK);
    cr_assert_eq(r.expires_at, NOW + 7200);
    cr_assert_eq(wechat_tokens_invalidate(c, "wxowner", "sealed-1"), 0);
    cr_assert_eq(wechat_tokens_get(c, a, "wxowner", &r), ST_OK);
    cr_assert_eq(r.expires_at, 0);
    cr_assert_eq(r.refresh_at, 0);
    cr_assert_str_eq(r.token, "sealed-1", "kept: a fetch that gets it back must force");
    arena_free(a);
}

static void *lease_one(void *arg)
{
    char owner[32];
    snprintf(owner, sizeof(owner), "racer-%ld", (long)arg);
    struct st_conn *c = st_get();
    long got = c ? wechat_tokens_lease_take(c, "wxrace", owner, NOW, NOW + 30) : -1;
    return (void *)got;
}

/* Many nodes and threads after an expired token at once: one lease. */
CONTRACT(wechat_tokens_lease_taken_once_under_race)
{
    cr_assert_eq(wechat_tokens_create(tl_conn(), "wxrace"), 0);
    long r[THREADS], won = 0;
    run_threads(lease_one, r);
    for (int i = 0; i < THREADS; i++) {
        cr_assert(r[i] == 0 || r[i] == 1, "thread %d: store error", i);
        won += r[i];
    }
    cr_assert_eq(won, 1, "one lease for %d callers", THREADS);
}

/* access_tokens (the registry's access tokens): insert, lookup by hash with the account, the
 * live count, last use written at most once per interval, revoke once and only by the owner,
 * list newest first, sweep 30 days after revocation or expiry, gone with the account. */
CONTRACT(owner_access_tokens)
{
    struct st_conn *c = tl_conn();
    struct arena *a = arena_new();
    int64_t one = owner_account("patone", "p1@example.org", 0);
    int64_t two = owner_account("pattwo", "p2@example.org", 0);
    int64_t id1 = 0, id2 = 0, id3 = 0;
    cr_assert_eq(access_tokens_insert(c, one, "ci", "h1", "registry:pull", NOW, 0, &id1), ST_OK);
    cr_assert_eq(access_tokens_insert(c, one, "laptop", "h2", "registry:pull registry:push",
                                      NOW + 1, NOW + 100, &id2),
                 ST_OK);
    cr_assert_eq(access_tokens_insert(c, two, "x", "h3", "registry:pull", NOW, 0, &id3), ST_OK);
    cr_assert_eq(access_tokens_insert(c, two, "dup", "h3", "registry:pull", NOW, 0, &id3),
                 ST_CONFLICT);
    cr_assert_eq(access_tokens_count_live(c, one), 2);
    struct access_token_row t;
    cr_assert_eq(access_tokens_by_hash(c, a, "h2", &t), ST_OK);
    cr_assert_eq(t.id, id2);
    cr_assert_eq(t.account_id, one);
    cr_assert_str_eq(t.username, "patone");
    cr_assert_str_eq(t.scopes, "registry:pull registry:push");
    cr_assert_eq(t.expires_at, NOW + 100);
    cr_assert_eq(t.revoked_at, 0);
    cr_assert_eq(t.status, 0);
    cr_assert_eq(t.last_used_at, 0);
    cr_assert_eq(access_tokens_by_hash(c, a, "nope", &t), ST_NOTFOUND);

    cr_assert_eq(access_tokens_touch(c, id1, NOW + 10, 60), 0);
    cr_assert_eq(access_tokens_touch(c, id1, NOW + 20, 60), 0); /* within the minute: kept */
    struct access_token_row rows[4];
    cr_assert_eq(access_tokens_list(c, a, one, rows, 4), 2);
    cr_assert_str_eq(rows[0].name, "laptop", "newest first");
    cr_assert_eq(rows[1].last_used_at, NOW + 10);

    char *name = NULL;
    cr_assert_eq(access_tokens_revoke(c, a, id1, two, NOW, &name), ST_NOTFOUND, "not two's");
    cr_assert_eq(access_tokens_revoke(c, a, id1, one, NOW + 5, &name), ST_OK);
    cr_assert_str_eq(name, "ci");
    cr_assert_eq(access_tokens_revoke(c, a, id1, one, NOW + 6, &name), ST_NOTFOUND, "once");
    cr_assert_eq(access_tokens_count_live(c, one), 1);
    cr_assert_eq(access_tokens_by_hash(c, a, "h1", &t), ST_OK);
    cr_assert_eq(t.revoked_at, NOW + 5);

    cr_assert_eq(access_tokens_sweep(c, NOW + 5 + 2592000 - 1), 0);
    cr_assert_eq(access_tokens_sweep(c, NOW + 100 + 2592000), 2, "revoked and expired");
    cr_assert_eq(access_tokens_count_live(c, two), 1);
    cr_assert_eq(st_run(c, Q_ACCOUNTS_DELETE, ST_IN(ST_INT(two))), ST_OK);
    cr_assert_eq(access_tokens_by_hash(c, a, "h3", &t), ST_NOTFOUND, "gone with the account");
    arena_free(a);
}

/* ---- WeChat push nonces: one body per signed query, swept in batches ---- */

static void *claim_nonce_other_body(void *arg)
{
    struct st_conn *c = st_get();
    char digest[32];
    snprintf(digest, sizeof(digest), "body-%ld", (long)arg);
    return (void *)(long)(c ? wechat_nonces_claim(c, "424242", NOW, digest, NOW + 300) : -1);
}

CONTRACT(wechat_nonce_claimed_by_one_body_and_swept_in_batches)
{
    long r[THREADS];
    run_threads(claim_nonce_other_body, r);
    int won = 0;
    for (int i = 0; i < THREADS; i++) {
        cr_assert_neq(r[i], -1, "thread %d: store error", i);
        won += r[i] == 1;
    }
    cr_assert_eq(won, 1, "one body per (nonce, timestamp)");
    struct st_conn *c = tl_conn();
    char digest[32];
    for (int i = 0; i < THREADS; i++) {
        snprintf(digest, sizeof(digest), "body-%d", i);
        if (r[i] == 1)
            cr_assert_eq(wechat_nonces_claim(c, "424242", NOW, digest, NOW + 300), 1,
                         "the same body again (WeChat's retry) passes");
    }
    cr_assert_eq(wechat_nonces_claim(c, "424242", NOW + 1, "another", NOW + 301), 1,
                 "another timestamp is another query");
    for (int i = 0; i < 1203; i++) {
        char nonce[16];
        snprintf(nonce, sizeof(nonce), "%d", 1000 + i);
        cr_assert_eq(wechat_nonces_claim(c, nonce, NOW - 400, "d", NOW - 100), 1);
    }
    cr_assert_eq(wechat_nonces_sweep(c, NOW), ST_SWEEP_BATCH, "one call removes one batch");
    int64_t n, swept = ST_SWEEP_BATCH;
    while ((n = wechat_nonces_sweep(c, NOW)) > 0) swept += n;
    cr_assert_eq(n, 0);
    cr_assert_eq(swept, 1203, "batch after batch, the expired ones only");
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM wechat_nonces"), 2, "the live ones stay");
    cr_assert_eq(wechat_nonces_sweep(c, NOW + 301), 1, "kept through its last second");
    cr_assert_eq(wechat_nonces_sweep(c, NOW + 302), 1);
}
