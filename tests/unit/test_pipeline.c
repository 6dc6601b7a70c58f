/* Unit tests of the request pipeline through the real transport: http_start(pipeline_dispatch)
 * on a free port with a table of its own, asked with libcurl. A request that two steps would
 * refuse shows which step comes first: route → CSRF → session → require_2fa's set-up → signed
 * in recently → handler → error page. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <sys/socket.h>

#include "account.h"
#include "arena.h"
#include "csrf.h"
#include "http.h"
#include "passkeys.h"
#include "pipeline.h"
#include "router.h"
#include "secrets.h"
#include "session.h"
#include "sessions.h"
#include "token.h"
#include "totp_secrets.h"

#include "testlib.h"

static atomic_int ran; /* handler calls */

/* Answers 200 "ok:USER" ("ok:-" without a session). */
static void h_ok(struct req *r)
{
    atomic_fetch_add(&ran, 1);
    const char *body = arena_printf(r->a, "ok:%s", r->sess ? r->sess->username : "-");
    resp_send(r, 200, "text/plain", body, strlen(body));
}

/* Forgets to answer. */
static void h_silent(struct req *r)
{
    (void)r;
    atomic_fetch_add(&ran, 1);
}

static const struct route table[] = {
    {"GET", "/open", h_ok, 0},
    {"POST", "/form", h_ok, 0},
    {"POST", "/hook", h_ok, R_NOCSRF},
    {"GET", "/maybe", h_ok, R_SESSION},
    {"GET", "/mine", h_ok, R_PAGE_AUTH},
    {"POST", "/mine", h_ok, R_PAGE_AUTH},
    {"GET", "/api/me", h_ok, R_API_AUTH},
    {"GET", "/danger", h_ok, R_PAGE_AUTH | R_RECENT},
    {"POST", "/danger", h_ok, R_PAGE_AUTH | R_RECENT},
    {"GET", "/setup", h_ok, R_PAGE_AUTH | R_SETUP},
    {"GET", "/silent", h_silent, 0},
    {"GET", "/static/", h_ok, R_PREFIX | R_NOSTORE_OFF},
};

static const unsigned char master[] = "a master secret of thirty-two chars or more";
static char csrf_cookie[TOKEN_LEN + 1], csrf_field[44];

/* The pipeline on a free port, with require_2fa as given. */
static void start(const char *require_2fa)
{
    const char *const env[] = {
        "DAOID_LISTEN", "127.0.0.1:0", "DAOID_MAX_BODY", "2048", "DAOID_REQUIRE_2FA",
        require_2fa,    NULL};
    tl_setup_with(TL_STORE | TL_I18N, env);
    secrets_use_master(master, sizeof(master) - 1);
    token_new(csrf_cookie);
    csrf_token_for(csrf_cookie, csrf_field);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    pipeline_init(table, sizeof(table) / sizeof(table[0]));
    cr_assert_eq(http_start(pipeline_dispatch), 0);
}

static void setup(void)
{
    start("0");
}

static void setup_2fa(void)
{
    start("1");
}

static void teardown(void)
{
    http_stop();
    curl_global_cleanup();
    secrets_shutdown();
    tl_teardown();
}

TestSuite(pipeline, .init = setup, .fini = teardown);
TestSuite(pipeline_2fa, .init = setup_2fa, .fini = teardown);

struct answer {
    long status;
    char location[256];
    char cache[128];
    char ctype[128];
    char body[4096];
    size_t body_len;
};

/* Copies header NAME's value into dst when line is that header. */
static void take_header(const char *line, size_t n, const char *name, char *dst, size_t cap)
{
    size_t k = strlen(name);
    if (n <= k + 1 || strncasecmp(line, name, k) || line[k] != ':') return;
    const char *v = line + k + 1;
    size_t len = n - k - 1;
    while (len && (*v == ' ')) v++, len--;
    while (len && (v[len - 1] == '\r' || v[len - 1] == '\n')) len--;
    snprintf(dst, cap, "%.*s", (int)len, v);
}

static size_t on_header(char *line, size_t size, size_t nitems, void *ud)
{
    struct answer *a = ud;
    size_t n = size * nitems;
    take_header(line, n, "Location", a->location, sizeof(a->location));
    take_header(line, n, "Cache-Control", a->cache, sizeof(a->cache));
    take_header(line, n, "Content-Type", a->ctype, sizeof(a->ctype));
    return n;
}

static size_t on_body(char *data, size_t size, size_t nitems, void *ud)
{
    struct answer *a = ud;
    size_t n = size * nitems, room = sizeof(a->body) - 1 - a->body_len;
    memcpy(a->body + a->body_len, data, n < room ? n : room);
    a->body_len += n < room ? n : room;
    a->body[a->body_len] = 0;
    return n;
}

/* One request: POST when body is not NULL; session: a token for the session cookie (may be
 * NULL); csrf: send the CSRF cookie and field. */
static struct answer ask(const char *path, const char *body, const char *session, int csrf)
{
    struct answer a = {0};
    CURL *h = curl_easy_init();
    cr_assert_not_null(h);
    char url[256], cookies[512] = "", form[4096];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", http_port(), path);
    if (session) snprintf(cookies, sizeof(cookies), "%ssession=%s; ", cfg->cookie_prefix, session);
    if (csrf)
        snprintf(cookies + strlen(cookies), sizeof(cookies) - strlen(cookies), "%scsrf=%s",
                 cfg->cookie_prefix, csrf_cookie);
    curl_easy_setopt(h, CURLOPT_URL, url);
    if (*cookies) curl_easy_setopt(h, CURLOPT_COOKIE, cookies);
    if (body) {
        snprintf(form, sizeof(form), "%s%s%s", body, csrf ? "&csrf=" : "", csrf ? csrf_field : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, form);
    }
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &a);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &a);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
    cr_assert_eq(curl_easy_perform(h), CURLE_OK, "%s", path);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &a.status);
    curl_easy_cleanup(h);
    return a;
}

/* A session of a new account NAME signed in by amr; its token in tok, the account's id
 * returned. */
static int64_t signed_in_by(const char *name, const char *amr, char tok[TOKEN_LEN + 1])
{
    int64_t id = 0;
    cr_assert_eq(account_insert(tl_conn(), name, NULL, NULL, 0, NULL, 0, &id), ACCT_OK);
    cr_assert_eq(session_create(id, "127.0.0.1", "test", amr, tok), 0);
    return id;
}

/* A signed-in session (by password) of a new account NAME; its token in tok. stale: signed in
 * long ago. */
static int64_t signed_in(const char *name, int stale, char tok[TOKEN_LEN + 1])
{
    int64_t id = signed_in_by(name, "pwd", tok);
    if (stale) cr_assert_eq(tl_exec(tl_conn(), "UPDATE sessions SET auth_at = 0", ST_NONE), ST_OK);
    return id;
}

Test(pipeline, route_comes_first)
{
    /* no CSRF either: the missing route answers */
    struct answer a = ask("/nowhere", "x=1", NULL, 0);
    cr_assert_eq(a.status, 404);
    a = ask("/open", "x=1", NULL, 0);
    cr_assert_eq(a.status, 405);
    cr_assert_eq(atomic_load(&ran), 0);
}

Test(pipeline, csrf_before_session_and_handler)
{
    /* signed out and no CSRF token: the CSRF step answers, not the sign-in redirect */
    struct answer a = ask("/mine", "x=1", NULL, 0);
    cr_assert_eq(a.status, 403);
    cr_assert_eq(ask("/form", "x=1", NULL, 0).status, 403);
    cr_assert_eq(atomic_load(&ran), 0);
    a = ask("/form", "x=1", NULL, 1);
    cr_assert_eq(a.status, 200);
    cr_assert_str_eq(a.body, "ok:-");
    /* machine callbacks skip it */
    cr_assert_eq(ask("/hook", "x=1", NULL, 0).status, 200);
    cr_assert_eq(atomic_load(&ran), 2);
}

Test(pipeline, session_step)
{
    struct answer a = ask("/mine", NULL, NULL, 0);
    cr_assert_eq(a.status, 303);
    cr_assert_str_eq(a.location, "/login?next=/mine");
    a = ask("/mine", "x=1", NULL, 1);
    cr_assert_eq(a.status, 303);
    cr_assert_str_eq(a.location, "/login");
    a = ask("/api/me", NULL, NULL, 0);
    cr_assert_eq(a.status, 401);
    cr_assert_str_eq(a.body, "{\"error\":\"unauthenticated\"}");
    cr_assert_eq(ask("/maybe", NULL, NULL, 0).status, 200);
    cr_assert_eq(atomic_load(&ran), 1);

    char tok[TOKEN_LEN + 1];
    signed_in("alice", 0, tok);
    cr_assert_str_eq(ask("/mine", NULL, tok, 0).body, "ok:alice");
    cr_assert_str_eq(ask("/maybe", NULL, tok, 0).body, "ok:alice");
    cr_assert_str_eq(ask("/api/me", NULL, tok, 0).body, "ok:alice");
    /* routes without a session flag do not look */
    cr_assert_str_eq(ask("/open", NULL, tok, 0).body, "ok:-");
}

Test(pipeline, recent_sign_in_after_session)
{
    /* signed out: the session step answers first */
    struct answer a = ask("/danger", NULL, NULL, 0);
    cr_assert_eq(a.status, 303);
    cr_assert_str_eq(a.location, "/login?next=/danger");

    char tok[TOKEN_LEN + 1];
    signed_in("bob", 1, tok);
    cr_assert_str_eq(ask("/mine", NULL, tok, 0).body, "ok:bob");
    cr_assert_eq(atomic_load(&ran), 1);
    a = ask("/danger", NULL, tok, 0);
    cr_assert_eq(a.status, 303);
    cr_assert_str_eq(a.location, "/reauth?next=/danger");
    a = ask("/danger", "x=1", tok, 1);
    cr_assert_eq(a.status, 303);
    cr_assert_str_eq(a.location, "/reauth?next=/danger");
    /* a stale session without a CSRF token: CSRF answers before the recent sign-in */
    cr_assert_eq(ask("/danger", "x=1", tok, 0).status, 403);
    cr_assert_eq(atomic_load(&ran), 1);

    /* signed in again just now (through the table's owner, which tells the session cache: SQL by
     * hand would be seen only when the cache's TTL ran out) */
    char h[TOKEN_HASH_LEN + 1];
    token_hash(tok, h);
    cr_assert_eq(sessions_reauth(tl_conn(), h, (int64_t)time(NULL)), 0);
    cr_assert_str_eq(ask("/danger", NULL, tok, 0).body, "ok:bob");
    cr_assert_str_eq(ask("/danger", "x=1", tok, 1).body, "ok:bob");
    cr_assert_eq(atomic_load(&ran), 3);
}

Test(pipeline, error_page_last)
{
    struct answer a = ask("/silent", NULL, NULL, 0);
    cr_assert_eq(atomic_load(&ran), 1);
    cr_assert_eq(a.status, 500);
    cr_assert(strstr(a.ctype, "text/html"), "%s", a.ctype);
}

Test(pipeline, refused_body_and_cache_headers)
{
    char big[3000];
    memset(big, 'a', sizeof(big) - 1);
    big[0] = 'x', big[1] = '=';
    big[sizeof(big) - 1] = 0;
    cr_assert_eq(ask("/hook", big, NULL, 0).status, 413);
    cr_assert_eq(atomic_load(&ran), 0);

    cr_assert_str_eq(ask("/open", NULL, NULL, 0).cache, "no-store");
    cr_assert_str_eq(ask("/static/x.css", NULL, NULL, 0).cache, "");
    cr_assert_str_eq(ask("/nowhere", NULL, NULL, 0).cache, "no-store");
}

Test(pipeline, input_refused_before_route_csrf_and_handler)
{
    /* a NUL in a form field: 400 before the CSRF check and the handler */
    struct answer a = ask("/form", "email=victim%40ex.test%00%40attacker.test", NULL, 0);
    cr_assert_eq(a.status, 400);
    a = ask("/form", "email=victim%40ex.test%00%40attacker.test", NULL, 1);
    cr_assert_eq(a.status, 400);
    cr_assert(strstr(a.body, "href=\"/\" id=\"notice-link\""), "a link home: no GET /form");
    cr_assert_eq(ask("/form", "username=ok%FF", NULL, 1).status, 400, "invalid UTF-8");
    cr_assert_eq(ask("/form", "username=a%09b", NULL, 1).status, 400, "a tab in a one-line field");
    cr_assert_eq(ask("/form", "a%00b=c", NULL, 1).status, 200, "a key cut at a NUL is not a field");
    /* before the route: a query or path with a control byte */
    cr_assert_eq(ask("/nowhere?x=%00", NULL, NULL, 0).status, 400);
    cr_assert_eq(ask("/open?x=%0a", NULL, NULL, 0).status, 400);
    cr_assert_eq(ask("/static/app.css%00.png", NULL, NULL, 0).status, 400);
    cr_assert_eq(ask("/static/app%0d.css", NULL, NULL, 0).status, 400);
    cr_assert_eq(atomic_load(&ran), 1, "only the key test reached a handler");
    /* clean input passes, with UTF-8 */
    cr_assert_eq(ask("/open?x=%E4%B8%AD", NULL, NULL, 0).status, 200);
    cr_assert_eq(ask("/form", "username=%E4%B8%AD%20x", NULL, 1).status, 200);
}

Test(pipeline, input_refused_under_api_as_json)
{
    struct answer a = ask("/api/me?who=a%00b", NULL, NULL, 0);
    cr_assert_eq(a.status, 400);
    cr_assert_str_eq(a.body, "{\"error\":\"bad_input\",\"part\":\"query\",\"field\":\"who\"}");
    cr_assert_eq(atomic_load(&ran), 0);
}

/* Sends raw bytes on a connection of its own; the status of the answer (0: none). */
static int raw_status(const char *req, size_t n)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)http_port())};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    cr_assert_eq(write(fd, req, n), (ssize_t)n);
    char buf[64] = "";
    ssize_t got = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    int status = 0;
    if (got > 12) sscanf(buf, "HTTP/1.1 %d", &status);
    return status;
}

#define RAW(lit) raw_status(lit, sizeof(lit) - 1)

Test(pipeline, framing_headers_cookies)
{
    cr_assert_eq(RAW("POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: "
                     "30\r\nConnection: close\r\n\r\nx=1"),
                 400);
    cr_assert_eq(RAW("POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: "
                     "chunked\r\nConnection: close\r\n\r\n3\r\nx=1\r\n0\r\n\r\n"),
                 400);
    cr_assert_eq(RAW("GET /open HTTP/1.1\r\nHost: x\r\nX-A: a\x01z\r\nConnection: close\r\n\r\n"),
                 400);
    cr_assert_eq(
        RAW("GET /open HTTP/1.1\r\nHost: x\r\nCookie: a=b\x7f\r\nConnection: close\r\n\r\n"), 400);
    cr_assert_eq(atomic_load(&ran), 0);
    cr_assert_eq(RAW("POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: "
                     "3\r\nConnection: close\r\n\r\nx=1"),
                 200);
    cr_assert_eq(RAW("GET /open HTTP/1.1\r\nHost: x\r\nX-A: a\tz\xff\r\nConnection: close\r\n\r\n"),
                 200);
}

Test(pipeline, json_body)
{
    static const char nul_escape[] = "POST /hook HTTP/1.1\r\nHost: x\r\nContent-Type: "
                                     "application/json\r\nContent-Length: 14\r\nConnection: "
                                     "close\r\n\r\n{\"a\":\"\\u0000\"}";
    static const char raw_nul[] = "POST /hook HTTP/1.1\r\nHost: x\r\nContent-Type: "
                                  "application/json\r\nContent-Length: 9\r\nConnection: "
                                  "close\r\n\r\n{\"a\":\"\0\"}";
    static const char fine[] = "POST /hook HTTP/1.1\r\nHost: x\r\nContent-Type: "
                               "application/json\r\nContent-Length: 18\r\nConnection: "
                               "close\r\n\r\n{\"a\":\"x\\ny\\u4e2d\"}";
    cr_assert_eq(RAW(nul_escape), 400);
    cr_assert_eq(RAW(raw_nul), 400);
    cr_assert_eq(atomic_load(&ran), 0);
    cr_assert_eq(RAW(fine), 200);
}

/* require_2fa ─────────────────────────────────────────────────────────────────────────────── */

/* What each kind of route answers a session of an account without a second factor: the pages
 * and the API steered (a page to the set-up, the API 403), the set-up and the routes without
 * an auth flag reached. steered: require_2fa is on. */
static void without_factor(const char *tok, const char *name, int steered)
{
    char ok[64];
    snprintf(ok, sizeof(ok), "ok:%s", name);
    int before = atomic_load(&ran);
    struct answer a = ask("/mine", NULL, tok, 0);
    cr_assert_eq(a.status, steered ? 303 : 200);
    cr_assert_str_eq(steered ? a.location : a.body, steered ? "/settings/security?setup=1" : ok);
    a = ask("/mine", "x=1", tok, 1);
    cr_assert_eq(a.status, steered ? 303 : 200, "a form too");
    cr_assert_str_eq(steered ? a.location : a.body, steered ? "/settings/security?setup=1" : ok);
    a = ask("/api/me", NULL, tok, 0);
    cr_assert_eq(a.status, steered ? 403 : 200);
    cr_assert_str_eq(a.body, steered ? "{\"error\":\"mfa_setup_required\"}" : ok);
    a = ask("/danger", NULL, tok, 0);
    cr_assert_eq(a.status, steered ? 303 : 200, "the set-up before the recent sign-in");
    cr_assert_str_eq(steered ? a.location : a.body, steered ? "/settings/security?setup=1" : ok);
    cr_assert_eq(atomic_load(&ran) - before, steered ? 0 : 4, "no handler ran when steered");
    cr_assert_str_eq(ask("/setup", NULL, tok, 0).body, ok, "the set-up is reached");
    cr_assert_str_eq(ask("/maybe", NULL, tok, 0).body, ok, "a page that only adapts");
    cr_assert_str_eq(ask("/open", NULL, tok, 0).body, "ok:-", "no auth flag: not looked at");
    cr_assert_eq(atomic_load(&ran) - before, steered ? 3 : 7);
}

/* Whether the session of tok reaches the page and the API (1), or is steered (0). */
static int passes(const char *tok)
{
    struct answer page = ask("/mine", NULL, tok, 0), api = ask("/api/me", NULL, tok, 0);
    if (page.status == 200 && api.status == 200) return 1;
    cr_assert_eq(page.status, 303, "steered or passing, nothing else");
    cr_assert_str_eq(page.location, "/settings/security?setup=1");
    cr_assert_eq(api.status, 403);
    return 0;
}

/* A passkey of account (through its table's owner, as the pages add one) named by cred. */
static void add_passkey(int64_t account, const char *cred)
{
    struct passkey_row pk = {.account_id = account, .cred_id = (char *)cred, .cose_alg = -7};
    pk.public_key = "key", pk.name = "laptop", pk.created_at = (int64_t)time(NULL);
    cr_assert_eq(passkeys_insert(tl_conn(), &pk), ST_OK);
}

Test(pipeline, require_2fa_off_passes_without_factor)
{
    cr_assert_eq(cfg->require_2fa, 0);
    char tok[TOKEN_LEN + 1];
    signed_in("erin", 0, tok);
    without_factor(tok, "erin", 0);
}

Test(pipeline_2fa, without_factor_steered_to_setup)
{
    cr_assert_eq(cfg->require_2fa, 1);
    char tok[TOKEN_LEN + 1];
    signed_in("carol", 0, tok);
    without_factor(tok, "carol", 1);
    /* signed out: the session step answers first, as without require_2fa */
    struct answer a = ask("/mine", NULL, NULL, 0);
    cr_assert_eq(a.status, 303);
    cr_assert_str_eq(a.location, "/login?next=/mine");
    cr_assert_eq(ask("/api/me", NULL, NULL, 0).status, 401);
}

Test(pipeline_2fa, a_factor_passes_as_soon_as_it_is_added_and_not_after_it_goes)
{
    char tok[TOKEN_LEN + 1];
    int64_t id = signed_in("dave", 0, tok);
    struct st_conn *c = tl_conn();
    int64_t now = (int64_t)time(NULL);
    cr_assert_eq(passes(tok), 0);
    /* (the session is cached now: each change below must reach the cache, not wait for its TTL) */
    cr_assert_eq(totp_secrets_put(c, id, "sealed", now), 1);
    cr_assert_eq(passes(tok), 0, "an app waiting for its first code is no factor yet");
    cr_assert_eq(totp_secrets_confirm(c, id, 7, now), 1);
    cr_assert_eq(passes(tok), 1, "a confirmed app");
    cr_assert_str_eq(ask("/mine", NULL, tok, 0).body, "ok:dave");
    cr_assert_eq(totp_secrets_delete(c, id), 1);
    cr_assert_eq(passes(tok), 0, "the app turned off");
    add_passkey(id, "cred-1");
    cr_assert_eq(passes(tok), 1, "a passkey");
    cr_assert_eq(passkeys_delete_all(c, id), 1);
    cr_assert_eq(passes(tok), 0, "the passkey removed");
}

Test(pipeline_2fa, a_session_that_proved_two_factors_passes)
{
    char tok[TOKEN_LEN + 1];
    signed_in_by("frank", "pwd otp mfa", tok);
    cr_assert_eq(passes(tok), 1);
    signed_in_by("grace", "pwd otp", tok);
    cr_assert_eq(passes(tok), 0, "\"mfa\" is what counts");
}

/* The step reads what the session read with its account: a cached session is steered with no
 * query at all (the factors' tables gone would fail one). */
Test(pipeline_2fa, a_cached_session_is_steered_without_a_query)
{
    char tok[TOKEN_LEN + 1], tok2[TOKEN_LEN + 1];
    signed_in("heidi", 0, tok);
    int64_t id2 = signed_in("ivan", 0, tok2);
    struct st_conn *c = tl_conn();
    add_passkey(id2, "cred-2");
    cr_assert_eq(passes(tok), 0);
    cr_assert_eq(passes(tok2), 1);
    cr_assert_eq(tl_exec(c, "ALTER TABLE passkeys RENAME TO passkeys_away", ST_NONE), ST_OK);
    cr_assert_eq(tl_exec(c, "ALTER TABLE totp_secrets RENAME TO totp_away", ST_NONE), ST_OK);
    cr_assert_eq(passes(tok), 0);
    cr_assert_eq(passes(tok2), 1);
}

Test(pipeline_2fa, a_store_failure_is_a_503_page)
{
    char tok[TOKEN_LEN + 1];
    signed_in("judy", 0, tok);
    struct st_conn *c = tl_conn();
    cr_assert_eq(tl_exec(c, "ALTER TABLE passkeys RENAME TO passkeys_away", ST_NONE), ST_OK);
    struct answer a = ask("/mine", NULL, tok, 0);
    cr_assert_eq(a.status, 503);
    cr_assert(strstr(a.ctype, "text/html"), "%s", a.ctype);
    cr_assert_eq(ask("/api/me", NULL, tok, 0).status, 503);
    cr_assert_eq(atomic_load(&ran), 0);
    /* the failure it was: back, the session is steered */
    cr_assert_eq(tl_exec(c, "ALTER TABLE passkeys_away RENAME TO passkeys", ST_NONE), ST_OK);
    cr_assert_eq(passes(tok), 0);
}
