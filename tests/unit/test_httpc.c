/* Unit tests of httpc.c against a local libmicrohttpd server: what a call sends (User-Agent,
 * headers, POST body, Basic credentials), what it hands back (any status, the body, the Link
 * header), the body cap, a spent deadline, a deadline that passes while the server holds the
 * answer, unreachable hosts and schemes, and JSON decoding. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "clock.h"
#include "httpc.h"
#include "version.h"

static struct MHD_Daemon *D;
static char base[64];
static struct arena *A;

/* what the server last saw */
static char seen_ua[128], seen_hdr[128], seen_body[256], seen_auth[128];
/* /hold answers only once released (the test's deadline passes first) */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int released;

static void copy_header(struct MHD_Connection *c, const char *name, char *out, size_t n)
{
    const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
    snprintf(out, n, "%s", v ? v : "");
}

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, const char *body,
                              size_t len, const char *link)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (link) MHD_add_response_header(r, "Link", link);
    enum MHD_Result rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *size, void **state)
{
    (void)cls, (void)method, (void)version;
    if (!*state) {
        *state = (void *)1;
        seen_body[0] = 0;
        return MHD_YES;
    }
    if (*size) {
        size_t have = strlen(seen_body),
               n = *size < sizeof(seen_body) - 1 - have ? *size : sizeof(seen_body) - 1 - have;
        memcpy(seen_body + have, data, n);
        seen_body[have + n] = 0;
        *size = 0;
        return MHD_YES;
    }
    copy_header(c, "User-Agent", seen_ua, sizeof(seen_ua));
    copy_header(c, "X-Test", seen_hdr, sizeof(seen_hdr));
    copy_header(c, "Authorization", seen_auth, sizeof(seen_auth));
    if (!strcmp(url, "/json"))
        return answer(c, 200, "{\"a\":1}", 7, "<http://x/?page=2>; rel=\"next\"");
    if (!strcmp(url, "/fail")) return answer(c, 500, "oops", 4, NULL);
    if (!strcmp(url, "/big")) {
        static char big[4096];
        memset(big, 'x', sizeof(big));
        return answer(c, 200, big, sizeof(big), NULL);
    }
    if (!strcmp(url, "/hold")) {
        pthread_mutex_lock(&mu);
        while (!released) pthread_cond_wait(&cv, &mu);
        pthread_mutex_unlock(&mu);
        return answer(c, 200, "late", 4, NULL);
    }
    return answer(c, 404, "", 0, NULL);
}

static void setup(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    released = 0;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    D = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL,
                         NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                         MHD_OPTION_END);
    cr_assert_not_null(D);
    const union MHD_DaemonInfo *i = MHD_get_daemon_info(D, MHD_DAEMON_INFO_BIND_PORT);
    snprintf(base, sizeof(base), "http://127.0.0.1:%u", (unsigned)i->port);
    A = arena_new();
}

static void teardown(void)
{
    pthread_mutex_lock(&mu);
    released = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    MHD_stop_daemon(D);
    arena_free(A);
    curl_global_cleanup();
}

TestSuite(httpc, .init = setup, .fini = teardown, .timeout = 60);

static struct httpc_req req(const char *path)
{
    return (struct httpc_req){.name = "test call",
                              .url = arena_printf(A, "%s%s", base, path),
                              .deadline_us = httpc_deadline(30)};
}

Test(httpc, a_get_sends_the_user_agent_and_headers_and_reads_the_answer)
{
    static const char *const headers[] = {"X-Test: yes", NULL};
    struct httpc_req r = req("/json");
    r.headers = headers;
    struct httpc_resp out;
    cr_assert_eq(httpc_call(A, &r, &out), HTTPC_OK);
    cr_assert_eq(out.status, 200);
    cr_assert_eq(out.len, 7);
    cr_assert_str_eq(out.body, "{\"a\":1}");
    cr_assert_str_eq(out.link, "<http://x/?page=2>; rel=\"next\"");
    cr_assert_str_eq(seen_ua, "daoid/" DAOID_VERSION);
    cr_assert_str_eq(seen_hdr, "yes");
    json_t *j = httpc_json(out.body, out.len);
    cr_assert(json_is_object(j));
    cr_assert_eq(json_integer_value(json_object_get(j, "a")), 1);
    json_decref(j);
}

Test(httpc, a_post_sends_its_body_and_basic_credentials)
{
    struct httpc_req r = req("/json");
    r.body = "grant_type=x&code=y";
    r.user = "client";
    r.password = "secret";
    struct httpc_resp out;
    cr_assert_eq(httpc_call(A, &r, &out), HTTPC_OK);
    cr_assert_str_eq(seen_body, "grant_type=x&code=y");
    cr_assert_str_eq(seen_auth, "Basic Y2xpZW50OnNlY3JldA==", "client:secret");
}

Test(httpc, an_error_status_is_an_answer)
{
    struct httpc_req r = req("/fail");
    struct httpc_resp out;
    cr_assert_eq(httpc_call(A, &r, &out), HTTPC_OK);
    cr_assert_eq(out.status, 500);
    cr_assert_str_eq(out.body, "oops");
    cr_assert_null(out.link);
    cr_assert_null(httpc_json(out.body, out.len), "not JSON");
    cr_assert_null(httpc_json(NULL, 0));
}

Test(httpc, the_body_cap)
{
    struct httpc_req r = req("/big");
    struct httpc_resp out;
    r.max_body = 4096;
    cr_assert_eq(httpc_call(A, &r, &out), HTTPC_OK, "exactly the cap");
    cr_assert_eq(out.len, 4096);
    r.max_body = 4095;
    cr_assert_eq(httpc_call(A, &r, &out), HTTPC_TOO_BIG);
    cr_assert_eq(out.len, 0, "nothing of a cut answer is handed back");
    cr_assert_str_eq(out.body, "");
}

Test(httpc, deadlines)
{
    struct httpc_req r = req("/json");
    struct httpc_resp out;
    r.deadline_us = clock_mono_us() - 1;
    cr_assert_eq(httpc_call(A, &r, &out), HTTPC_TIMEOUT, "spent before the call");
    r = req("/hold"); /* the server answers only after the test ends */
    r.deadline_us = clock_mono_us() + 300 * 1000;
    cr_assert_eq(httpc_call(A, &r, &out), HTTPC_TIMEOUT);
    cr_assert_geq(clock_mono_us(), r.deadline_us - 20 * 1000, "it ran until the deadline");
}

Test(httpc, unreachable_hosts_and_other_schemes)
{
    struct httpc_req r = req("");
    struct httpc_resp out;
    r.url = "http://127.0.0.1:1/x?secret=hunter2";
    cr_assert_eq(httpc_call(A, &r, &out), HTTPC_UNREACHABLE);
    r.url = arena_printf(A, "ftp%s", base + 4);
    cr_assert_eq(httpc_call(A, &r, &out), HTTPC_UNREACHABLE, "only http and https");
    cr_assert_str_eq(httpc_rc_name(HTTPC_TOO_BIG), "too big");
}
