/* Unit tests of the unverified-account sweep beside the image registry (closure.c invariant 3):
 * accounts that never used the registry are deleted without asking it; a registry that fails
 * is asked once a round, not once an account, and the accounts that may have pushed wait for a
 * later round (CLOSURE_REGISTRY_RETRY), when they go once the registry answers. The registry
 * here is a small HTTP server that counts the requests it gets. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "closure.h"

#include "testlib.h"

static struct MHD_Daemon *D;
static atomic_int requests, up; /* up: 1 answers an empty catalog, 0 answers 503 */
static char env_addr[64], env_url[64];

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *size, void **state)
{
    (void)cls, (void)method, (void)version, (void)data, (void)size;
    if (!*state) {
        *state = c;
        return MHD_YES;
    }
    atomic_fetch_add(&requests, 1);
    int ok = atomic_load(&up) && !strcmp(url, "/v2/_catalog");
    const char *body = ok ? "{\"repositories\":[]}" : "down";
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
    enum MHD_Result rc = MHD_queue_response(c, ok ? 200 : 503, r);
    MHD_destroy_response(r);
    return rc;
}

static const char KEY[] = "-----BEGIN PRIVATE KEY-----\n"
                          "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgJntLl6EpMxygId9T\n"
                          "epojFaQQZ4Vpv2Fjw0p+QX3ptQehRANCAAQFx6KnWeZmaFhsBFVB6y3YQzqbH7Sg\n"
                          "TlhzEw9n0B8cs5CnCOPh+tDpsUSHLjUG6Z+sPK74qUwDzf3OljW6LHaN\n"
                          "-----END PRIVATE KEY-----\n";

static void setup(void)
{
    cr_assert_eq(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    D = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, on_request, NULL,
                         MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_END);
    cr_assert_not_null(D);
    unsigned port = MHD_get_daemon_info(D, MHD_DAEMON_INFO_BIND_PORT)->port;
    snprintf(env_addr, sizeof(env_addr), "127.0.0.1:%u", port);
    snprintf(env_url, sizeof(env_url), "http://127.0.0.1:%u", port);
    tl_dir();
    static char keyfile[512];
    snprintf(keyfile, sizeof(keyfile), "%s", tl_write_file("token-key.pem", KEY));
    const char *const env[] = {
        "DAOID_REGISTRY_ADDRESS",
        env_addr,
        "DAOID_REGISTRY_API_URL",
        env_url,
        "DAOID_REGISTRY_KEY_FILE",
        keyfile,
        NULL,
    };
    tl_setup_with(TL_STORE, env);
}

static void teardown(void)
{
    tl_teardown();
    MHD_stop_daemon(D);
    curl_global_cleanup();
}

TestSuite(closure_sweep, .init = setup, .fini = teardown, .timeout = 60);

/* An unverified account made at created, with one audit event (NULL: none). */
static void unverified(const char *username, int64_t created, const char *event)
{
    struct st_conn *c = tl_conn();
    cr_assert_eq(
        tl_exec(
            c,
            "INSERT INTO accounts (username, email, email_norm, email_verified,"
            " created_at, updated_at) VALUES (?1, ?1 || '@example.com', ?1 || '@example.com', 0,"
            " ?2, ?2)",
            ST_IN(ST_TEXT(username), ST_INT(created))),
        ST_OK);
    if (event)
        cr_assert_eq(tl_exec(c,
                             "INSERT INTO audit (account_id, event, created_at)"
                             " SELECT id, ?, ? FROM accounts WHERE username = ?",
                             ST_IN(ST_TEXT(event), ST_INT(created), ST_TEXT(username))),
                     ST_OK);
}

Test(closure_sweep, a_failing_registry_is_asked_once_and_the_accounts_that_used_it_wait)
{
    int64_t now = time(NULL), old = now - 10 * 86400;
    unverified("never", old, "signup");
    unverified("pushed", old, "registry_login");
    unverified("token", old, "access_token_created");
    unverified("also-never", old, NULL);
    struct st_conn *c = tl_conn();

    /* the registry fails: the two that never used it go, one request for the other two */
    cr_assert_eq(closure_sweep_unverified(c, now), 2);
    cr_assert_eq(atomic_load(&requests), 1, "asked once, not once an account");
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM accounts"), 2);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM accounts WHERE username IN ('pushed', "
                           "'token')"),
                 2);
    /* no username held for good: the accounts are still there, untouched */
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM held_usernames"), 0);

    /* the next rounds within CLOSURE_REGISTRY_RETRY do not ask it at all */
    cr_assert_eq(closure_sweep_unverified(c, now + 60), 0);
    cr_assert_eq(closure_sweep_unverified(c, now + CLOSURE_REGISTRY_RETRY - 1), 0);
    cr_assert_eq(atomic_load(&requests), 1);

    /* later, the registry answers (an empty namespace each): both go, nothing held */
    atomic_store(&up, 1);
    cr_assert_eq(closure_sweep_unverified(c, now + CLOSURE_REGISTRY_RETRY), 2);
    cr_assert_eq(atomic_load(&requests), 3, "one catalog read per account that used it");
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM accounts"), 0);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM held_usernames"), 0);
}

Test(closure_sweep, without_audit_rows_old_enough_to_be_gone_the_registry_is_asked)
{
    /* audit_retention is 400 days: an account older than that may have lost its rows */
    int64_t now = time(NULL);
    unverified("ancient", now - 401 * 86400, NULL);
    atomic_store(&up, 1);
    cr_assert_eq(closure_sweep_unverified(tl_conn(), now), 1);
    cr_assert_eq(atomic_load(&requests), 1);
}
