/* Unit tests of mail: backoff schedule, mail_enqueue into the outbox, failed deliveries. */
#include "arena.h"
#include "i18n.h"
#include "mail.h"
#include "tmpl.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>

#include "testlib.h"

#define LINK "http://localhost:8080/verify?t=abc_DEF-123&lang=en"

static struct arena *a;
static int refuser = -1; /* a bound TCP socket that never listens: connections are refused */

static void setup_env(const char *const *env)
{
    tl_setup_with(TL_STORE | TL_I18N, env);
    a = arena_new();
}

static void setup(void)
{
    setup_env(NULL);
}

static void teardown(void)
{
    arena_free(a);
    tl_teardown();
}

TestSuite(mail, .init = setup, .fini = teardown);

Test(mail, backoff_schedule)
{
    cr_assert_eq(mail_backoff(1, 30), 30);
    cr_assert_eq(mail_backoff(2, 30), 60);
    cr_assert_eq(mail_backoff(3, 30), 120);
    cr_assert_eq(mail_backoff(4, 30), 240);
    cr_assert_eq(mail_backoff(7, 30), 1920);
    cr_assert_eq(mail_backoff(8, 30), 3600); /* 3840 capped */
    cr_assert_eq(mail_backoff(9, 30), 3600);
    cr_assert_eq(mail_backoff(1000, 30), 3600);
    cr_assert_eq(mail_backoff(0, 30), 30);
    cr_assert_eq(mail_backoff(-5, 30), 30);
    cr_assert_eq(mail_backoff(1, 5000), 3600);
    cr_assert_eq(mail_backoff(2, 3600), 3600);
    cr_assert_eq(mail_backoff(12, 1), 2048);
    cr_assert_eq(mail_backoff(13, 1), 3600);
}

/* The decoded body of the part of type (e.g. "text/plain"), in a; fails the test when absent. */
static char *part(const char *msg, const char *type)
{
    char head[128];
    snprintf(head, sizeof(head),
             "Content-Type: %s; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n", type);
    const char *p = strstr(msg, head);
    cr_assert_not_null(p, "no %s part", type);
    p += strlen(head);
    const char *end = strstr(p, "\r\n--");
    if (!end) end = p + strlen(p);
    size_t n = (size_t)(end - p);
    char *out = arena_alloc(a, n + 1);
    size_t len = 0;
    cr_assert_eq(sodium_base642bin((unsigned char *)out, n, p, n, "\r\n", &len, NULL,
                                   sodium_base64_VARIANT_ORIGINAL),
                 0, "bad base64 in %s part", type);
    out[len] = 0;
    return out;
}

/* The Subject header with its RFC 2047 words decoded, in a. */
static char *subject(const char *msg)
{
    const char *p = strstr(msg, "\r\nSubject: ");
    cr_assert_not_null(p);
    p += 11;
    struct abuf b;
    abuf_init(&b, a, 128);
    for (;;) {
        const char *eol = strstr(p, "\r\n");
        cr_assert_not_null(eol);
        const char *w = p;
        while (w < eol) {
            while (w < eol && *w == ' ') w++;
            const char *we = memchr(w, ' ', (size_t)(eol - w));
            if (!we) we = eol;
            size_t wn = (size_t)(we - w);
            if (wn > 12 && !strncmp(w, "=?UTF-8?B?", 10) && !strncmp(we - 2, "?=", 2)) {
                unsigned char dec[128];
                size_t dl = 0;
                cr_assert_eq(sodium_base642bin(dec, sizeof(dec), w + 10, wn - 12, NULL, &dl, NULL,
                                               sodium_base64_VARIANT_ORIGINAL),
                             0);
                abuf_add(&b, (const char *)dec, dl);
            } else if (wn) {
                if (b.len) abuf_addc(&b, ' ');
                abuf_add(&b, w, wn);
            }
            w = we;
        }
        if (eol[2] != ' ' && eol[2] != '\t') break; /* no folded continuation */
        p = eol + 2;
    }
    return abuf_str(&b);
}

static struct tmpl_ctx *vars(void)
{
    struct tmpl_ctx *v = tmpl_ctx_new(a, NULL);
    tmpl_set(v, "link", LINK);
    tmpl_set(v, "email", "bob@example.com");
    tmpl_set(v, "duration", i18n_duration(a, "en", 86400));
    return v;
}

static int64_t outbox_rows(void)
{
    return tl_scalar("SELECT COUNT(*) FROM outbox");
}

Test(mail, enqueue_writes_one_queued_row)
{
    struct st_conn *c = tl_conn();
    cr_assert_eq(st_begin(c), ST_OK);
    cr_assert_eq(mail_enqueue(c, a, 7, "verify", "bob@example.com", "en", vars(), 1700000000), 0);
    cr_assert_eq(st_commit(c), ST_OK);
    cr_assert_eq(outbox_rows(), 1);

    int64_t acct = 0, attempts = -1, next = 0, created = 0, lease = -1;
    char *kind = NULL, *rcpt = NULL, *status = NULL, *msg = NULL;
    cr_assert_eq(tl_row(c, a,
                        "SELECT account_id, kind, rcpt, status, attempts, next_attempt_at,"
                        " created_at, lease_until, message FROM outbox",
                        ST_NONE,
                        ST_OUT(ST_OUT_INT(&acct), ST_OUT_TEXT(&kind), ST_OUT_TEXT(&rcpt),
                               ST_OUT_TEXT(&status), ST_OUT_INT(&attempts), ST_OUT_INT(&next),
                               ST_OUT_INT(&created), ST_OUT_INT(&lease), ST_OUT_TEXT(&msg))),
                 ST_OK);
    cr_assert_eq(acct, 7);
    cr_assert_str_eq(kind, "verify");
    cr_assert_str_eq(rcpt, "bob@example.com");
    cr_assert_str_eq(status, "queued");
    cr_assert_eq(attempts, 0);
    cr_assert_eq(next, 1700000000);
    cr_assert_eq(created, 1700000000);
    cr_assert_eq(lease, 0);

    /* a whole MIME message */
    cr_assert_not_null(strstr(msg, "\r\nTo: bob@example.com\r\n"));
    cr_assert_not_null(strstr(msg, "From: DaoCloud <noreply@localhost>\r\n"));
    cr_assert_not_null(strstr(msg, "@localhost>\r\n"), "Message-ID from the From domain");
    cr_assert_not_null(strstr(msg, "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"));
    cr_assert_not_null(strstr(msg, "multipart/alternative"));
    cr_assert_str_eq(subject(msg), "Verify your DaoCloud email");

    /* the link: as is in the text part, escaped in the HTML part */
    char *text = part(msg, "text/plain");
    cr_assert_not_null(strstr(text, "\r\n" LINK "\r\n"), "%s", text);
    cr_assert_not_null(strstr(text, "bob@example.com"));
    cr_assert_not_null(strstr(text, "24 hours"));
    cr_assert_not_null(strstr(text, "DaoCloud"));
    char *html = part(msg, "text/html");
    cr_assert_not_null(
        strstr(html, "href=\"http://localhost:8080/verify?t=abc_DEF-123&amp;lang=en\""), "%s",
        html);
    cr_assert_null(strstr(html, "{{"));
    cr_assert_null(strstr(html, LINK));
}

Test(mail, enqueue_in_chinese)
{
    struct st_conn *c = tl_conn();
    cr_assert_eq(mail_enqueue(c, a, 0, "verify", "Li <li@example.com>", "zh-CN", vars(), 1000), 0);
    char *msg = NULL;
    int64_t acct = -1;
    cr_assert_eq(tl_row(c, a, "SELECT COALESCE(account_id, 0), message FROM outbox", ST_NONE,
                        ST_OUT(ST_OUT_INT(&acct), ST_OUT_TEXT(&msg))),
                 ST_OK);
    cr_assert_eq(acct, 0, "no account is stored as NULL");
    cr_assert_not_null(strstr(msg, "Subject: =?UTF-8?B?"));
    /* 验证您的 DaoCloud 邮箱 */
    cr_assert_str_eq(subject(msg), "\xe9\xaa\x8c\xe8\xaf\x81\xe6\x82\xa8\xe7\x9a\x84 DaoCloud "
                                   "\xe9\x82\xae\xe7\xae\xb1");
    cr_assert_not_null(strstr(part(msg, "text/plain"), LINK));
}

Test(mail, enqueue_follows_the_transaction)
{
    struct st_conn *c = tl_conn();
    cr_assert_eq(st_begin(c), ST_OK);
    cr_assert_eq(mail_enqueue(c, a, 1, "verify", "bob@example.com", "en", vars(), 1000), 0);
    st_rollback(c);
    cr_assert_eq(outbox_rows(), 0);
}

Test(mail, enqueue_refuses_bad_input)
{
    struct st_conn *c = tl_conn();
    cr_assert_eq(mail_enqueue(c, a, 1, "no_such_kind", "bob@example.com", "en", vars(), 1000), -1);
    /* header injection through the recipient */
    cr_assert_eq(mail_enqueue(c, a, 1, "verify", "bob@example.com\r\nBcc: eve@example.com", "en",
                              vars(), 1000),
                 -1);
    cr_assert_eq(outbox_rows(), 0);
}

/* Delivery to a port that refuses connections: a temporary failure. */
static void refused_setup(const char *max_attempts)
{
    refuser = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_geq(refuser, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof(sin);
    cr_assert_eq(bind(refuser, (struct sockaddr *)&sin, sizeof(sin)), 0);
    cr_assert_eq(getsockname(refuser, (struct sockaddr *)&sin, &sl), 0);
    static char url[64];
    snprintf(url, sizeof(url), "smtp://127.0.0.1:%d", ntohs(sin.sin_port));
    const char *const env[] = {"DAOID_SMTP_URL",
                               url,
                               "DAOID_MAIL_MAX_ATTEMPTS",
                               max_attempts,
                               "DAOID_MAIL_RETRY_BASE",
                               "45s",
                               NULL};
    setup_env(env);
    cr_assert_eq(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
}

static void retry_setup(void)
{
    refused_setup("3");
}

static void dead_setup(void)
{
    refused_setup("1");
}

static void refused_teardown(void)
{
    curl_global_cleanup();
    if (refuser >= 0) close(refuser);
    refuser = -1;
    teardown();
}

TestSuite(mail_retry, .init = retry_setup, .fini = refused_teardown);
TestSuite(mail_dead, .init = dead_setup, .fini = refused_teardown);

static void enqueue_due(void)
{
    cr_assert_eq(mail_enqueue(tl_conn(), a, 1, "verify", "bob@example.com", "en", vars(),
                              (int64_t)time(NULL) - 10),
                 0);
}

Test(mail_retry, temporary_failure_requeues_with_backoff)
{
    enqueue_due();
    int64_t t0 = (int64_t)time(NULL);
    cr_assert_eq(mail_deliver_due(t0), 1);
    int64_t t1 = (int64_t)time(NULL);
    int64_t attempts = 0, next = 0, lease = -1;
    char *status = NULL, *err = NULL;
    cr_assert_eq(
        tl_row(tl_conn(), a,
               "SELECT status, attempts, next_attempt_at, lease_until, last_error FROM outbox",
               ST_NONE,
               ST_OUT(ST_OUT_TEXT(&status), ST_OUT_INT(&attempts), ST_OUT_INT(&next),
                      ST_OUT_INT(&lease), ST_OUT_TEXT(&err))),
        ST_OK);
    cr_assert_str_eq(status, "queued");
    cr_assert_eq(attempts, 1);
    cr_assert(next >= t0 + 45 && next <= t1 + 45, "next attempt at %lld, now %lld", (long long)next,
              (long long)t0);
    cr_assert_eq(lease, 0);
    cr_assert_not_null(err);
    cr_assert_gt(strlen(err), 0);
    /* not due again before the backoff */
    cr_assert_eq(mail_deliver_due(t1), 0);
}

Test(mail_dead, last_attempt_marks_dead)
{
    enqueue_due();
    cr_assert_eq(mail_deliver_due((int64_t)time(NULL)), 1);
    cr_assert_eq(tl_scalar("SELECT COUNT(*) FROM outbox WHERE status = 'dead' AND attempts = 1"),
                 1);
    cr_assert_eq(mail_deliver_due((int64_t)time(NULL) + 100000), 0);
}

/* a claim that went stale before its conversation began (a stalled sender) is handed back
 * untried: no attempt counted, no error recorded, due again at once */
Test(mail_retry, stale_claim_is_handed_back_untried)
{
    int64_t now = (int64_t)time(NULL);
    cr_assert_eq(
        mail_enqueue(tl_conn(), a, 1, "verify", "bob@example.com", "en", vars(), now - 2000), 0);
    cr_assert_eq(mail_deliver_due(now - 1000), 0, "nothing attempted");
    int64_t attempts = -1, lease = -1;
    char *status = NULL, *err = NULL;
    cr_assert_eq(tl_row(tl_conn(), a,
                        "SELECT status, attempts, lease_until, last_error FROM outbox", ST_NONE,
                        ST_OUT(ST_OUT_TEXT(&status), ST_OUT_INT(&attempts), ST_OUT_INT(&lease),
                               ST_OUT_TEXT(&err))),
                 ST_OK);
    cr_assert_str_eq(status, "queued");
    cr_assert_eq(attempts, 0);
    cr_assert_eq(lease, 0);
    cr_assert_null(err);
    cr_assert_eq(mail_deliver_due((int64_t)time(NULL)), 1, "tried now, by a sender on time");
}
