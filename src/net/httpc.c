/* httpc: see httpc.h. One libcurl easy handle per call; the body is gathered into the caller's
 * arena up to the cap, and the deadline becomes libcurl's total and connect timeouts. */
#include "httpc.h"

#include <curl/curl.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "clock.h"
#include "log.h"
#include "metrics.h"
#include "version.h"

#define HTTPC_USER_AGENT "daoid/" DAOID_VERSION
#define HTTPC_MAX_LINK   8192

struct call {
    struct arena *a;
    struct abuf body;
    size_t max;
    int too_big;
    char *link;
};

/* Keeps the Link header (GitHub's pagination); the others are not needed. */
static size_t on_header(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct call *c = ud;
    size_t n = size * nmemb;
    if (n > 5 && !strncasecmp(ptr, "link:", 5) && n < HTTPC_MAX_LINK) {
        size_t i = 5, e = n;
        while (i < e && (ptr[i] == ' ' || ptr[i] == '\t')) i++;
        while (e > i && (ptr[e - 1] == '\r' || ptr[e - 1] == '\n' || ptr[e - 1] == ' ')) e--;
        c->link = arena_strndup(c->a, ptr + i, e - i);
    }
    return n;
}

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct call *c = ud;
    size_t n = size * nmemb;
    if (c->body.len + n > c->max) {
        c->too_big = 1;
        return 0;
    }
    abuf_add(&c->body, ptr, n);
    return n;
}

static enum httpc_rc rc_of(CURLcode cc, const struct call *c)
{
    switch (cc) {
    case CURLE_OK:
        return HTTPC_OK;
    case CURLE_OPERATION_TIMEDOUT:
        return HTTPC_TIMEOUT;
    case CURLE_WRITE_ERROR:
        return c->too_big ? HTTPC_TOO_BIG : HTTPC_UNREACHABLE;
    default:
        return HTTPC_UNREACHABLE;
    }
}

/* The header lines as libcurl takes them. */
static struct curl_slist *header_list(const char *const *headers)
{
    struct curl_slist *l = NULL;
    for (size_t i = 0; headers && headers[i]; i++) {
        struct curl_slist *n = curl_slist_append(l, headers[i]);
        if (!n) fatalx("httpc: out of memory");
        l = n;
    }
    return l;
}

static void setup(CURL *h, const struct httpc_req *req, struct call *c, long left_ms)
{
    curl_easy_setopt(h, CURLOPT_URL, req->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, left_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     left_ms < HTTPC_CONNECT_MS ? left_ms : (long)HTTPC_CONNECT_MS);
    curl_easy_setopt(h, CURLOPT_USERAGENT, HTTPC_USER_AGENT);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, c);
    if (req->body) curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body);
    if (req->method) curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
    if (req->user) {
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(h, CURLOPT_USERNAME, req->user);
        curl_easy_setopt(h, CURLOPT_PASSWORD, req->password);
    }
}

/* metrics: a call's latency and result ("2xx" … by status, or why no answer came) */
static void httpc_count(const struct httpc_req *req, int64_t t0, enum httpc_rc rc, long status)
{
    const char *res = rc == HTTPC_OK ? metrics_status_class((int)status) : httpc_rc_name(rc);
    metrics_inc(MET_PROVIDER_CALLS, req->name, res);
    metrics_observe(MET_PROVIDER_SECONDS, req->name, NULL, (double)(clock_mono_us() - t0) / 1e6);
}

enum httpc_rc httpc_call(struct arena *a, const struct httpc_req *req, struct httpc_resp *out)
{
    int64_t t0 = clock_mono_us();
    memset(out, 0, sizeof(*out));
    out->body = "";
    int64_t left_ms = (req->deadline_us - clock_mono_us()) / 1000;
    if (left_ms <= 0) {
        log_warnx("%s: timeout (the deadline had passed)", req->name);
        return HTTPC_TIMEOUT;
    }
    CURL *h = curl_easy_init();
    if (!h) {
        log_warnx("%s: cannot make a libcurl handle", req->name);
        return HTTPC_UNREACHABLE;
    }
    struct call c = {.a = a, .max = req->max_body ? req->max_body : HTTPC_MAX_BODY};
    abuf_init(&c.body, a, 1024);
    struct curl_slist *headers = header_list(req->headers);
    char errbuf[CURL_ERROR_SIZE] = "";
    setup(h, req, &c, (long)left_ms);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    CURLcode cc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
    curl_easy_cleanup(h);
    curl_slist_free_all(headers);
    enum httpc_rc rc = rc_of(cc, &c);
    httpc_count(req, t0, rc, out->status);
    if (rc != HTTPC_OK) {
        log_warnx("%s: %s (%s)", req->name, httpc_rc_name(rc),
                  *errbuf ? errbuf : curl_easy_strerror(cc));
        return rc;
    }
    out->body = abuf_str(&c.body);
    out->len = c.body.len;
    out->link = c.link;
    return HTTPC_OK;
}

int64_t httpc_deadline(int64_t seconds)
{
    return clock_mono_us() + seconds * 1000000;
}

json_t *httpc_json(const char *body, size_t len)
{
    json_error_t err;
    return body ? json_loadb(body, len, 0, &err) : NULL;
}

const char *httpc_rc_name(enum httpc_rc rc)
{
    static const char *const names[] = {
        [HTTPC_OK] = "ok",
        [HTTPC_TIMEOUT] = "timeout",
        [HTTPC_UNREACHABLE] = "unreachable",
        [HTTPC_TOO_BIG] = "too big",
    };
    return (unsigned)rc < sizeof(names) / sizeof(names[0]) ? names[rc] : "?";
}
