/* Unit tests of mail: a delivery the SMTP server accepted whose outcome cannot be written (here
 * a trigger refuses it, as a full disk would) is kept, written before anything else is claimed
 * and never sent again. */
#include "arena.h"
#include "mail.h"
#include "tmpl.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "testlib.h"

static struct arena *a;
static int lsock = -1;
static pthread_t sink;
static atomic_int accepted; /* messages the sink accepted (250 after the final dot) */

/* One SMTP conversation: 250 to everything, 354 to DATA, 250 after the final dot. */
static void converse(int fd)
{
    FILE *in = fdopen(fd, "r"), *out = fdopen(dup(fd), "w");
    char line[1024];
    int data = 0;
    fputs("220 sink\r\n", out);
    fflush(out);
    while (fgets(line, sizeof(line), in)) {
        if (data) {
            if (strcmp(line, ".\r\n") != 0) continue;
            data = 0;
            atomic_fetch_add(&accepted, 1);
            fputs("250 queued\r\n", out);
        } else if (!strncasecmp(line, "DATA", 4)) {
            data = 1;
            fputs("354 go on\r\n", out);
        } else if (!strncasecmp(line, "QUIT", 4)) {
            fputs("221 bye\r\n", out);
            break;
        } else {
            fputs("250 ok\r\n", out);
        }
        fflush(out);
    }
    fclose(out);
    fclose(in);
}

static void *sink_run(void *arg)
{
    (void)arg;
    int fd;
    while ((fd = accept(lsock, NULL, NULL)) >= 0) converse(fd);
    return NULL;
}

static void setup(void)
{
    lsock = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_geq(lsock, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof(sin);
    cr_assert_eq(bind(lsock, (struct sockaddr *)&sin, sizeof(sin)), 0);
    cr_assert_eq(listen(lsock, 4), 0);
    cr_assert_eq(getsockname(lsock, (struct sockaddr *)&sin, &sl), 0);
    static char url[64];
    snprintf(url, sizeof(url), "smtp://127.0.0.1:%d", ntohs(sin.sin_port));
    const char *const env[] = {"DAOID_SMTP_URL", url, NULL};
    tl_setup_with(TL_STORE | TL_I18N, env);
    a = arena_new();
    cr_assert_eq(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
    cr_assert_eq(pthread_create(&sink, NULL, sink_run, NULL), 0);
}

static void teardown(void)
{
    shutdown(lsock, SHUT_RDWR);
    close(lsock);
    pthread_join(sink, NULL);
    curl_global_cleanup();
    arena_free(a);
    tl_teardown();
}

TestSuite(mail_unrecorded, .init = setup, .fini = teardown);

static void enqueue(const char *to, int64_t now)
{
    struct tmpl_ctx *v = tmpl_ctx_new(a, NULL);
    tmpl_set(v, "link", "http://localhost:8080/verify?t=x");
    tmpl_set(v, "email", to);
    tmpl_set(v, "duration", "1 day");
    cr_assert_eq(mail_enqueue(tl_conn(), a, 1, "verify", to, "en", v, now), 0);
}

static char *status_of(const char *rcpt)
{
    char *s = NULL;
    cr_assert_eq(tl_row(tl_conn(), a, "SELECT status FROM outbox WHERE rcpt = ?",
                        ST_IN(ST_TEXT(rcpt)), ST_OUT(ST_OUT_TEXT(&s))),
                 ST_OK);
    return s;
}

Test(mail_unrecorded, kept_written_first_and_never_sent_again)
{
    int64_t now = (int64_t)time(NULL);
    enqueue("bob@example.com", now - 10);
    enqueue("carol@example.com", now - 5);
    cr_assert_eq(tl_exec(tl_conn(),
                         "CREATE TRIGGER refuse_sent BEFORE UPDATE OF status ON outbox"
                         " WHEN NEW.status = 'sent' BEGIN SELECT RAISE(ABORT, 'no room'); END",
                         ST_NONE),
                 ST_OK);

    cr_assert_eq(mail_deliver_due(now), -1, "the outcome could not be written");
    cr_assert_eq(atomic_load(&accepted), 1);
    cr_assert_str_eq(status_of("bob@example.com"), "sending", "still this sender's");
    cr_assert_eq(mail_deliver_due((int64_t)time(NULL)), -1, "kept: nothing else is claimed");
    cr_assert_eq(atomic_load(&accepted), 1);
    cr_assert_str_eq(status_of("carol@example.com"), "queued");

    /* room again: the kept outcome is written first, then the next mail goes */
    cr_assert_eq(tl_exec(tl_conn(), "DROP TRIGGER refuse_sent", ST_NONE), ST_OK);
    cr_assert_eq(mail_deliver_due((int64_t)time(NULL)), 1);
    cr_assert_str_eq(status_of("bob@example.com"), "sent");
    cr_assert_str_eq(status_of("carol@example.com"), "sent");
    cr_assert_eq(atomic_load(&accepted), 2, "one conversation per mail");
    cr_assert_eq(mail_deliver_due((int64_t)time(NULL) + 100000), 0);
    cr_assert_eq(atomic_load(&accepted), 2);
}
