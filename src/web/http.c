/* http: see http.h for the request life. Everything a request allocates lives in its arena;
 * the response body is handed to libmicrohttpd as persistent memory because the arena is only
 * freed in the completion callback, after the body has been sent. */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "clock.h"
#include "config.h"
#include "connlimit.h"
#include "i18n.h"
#include "log.h"
#include "metrics.h"
#include "netaddr.h"
#include "session.h"
#include "text.h"

#define HTTP_MAX_FIELDS 64
#define HTTP_UA_MAX     256
/* descriptors kept for everything but client connections: listen socket, epoll and its
 * signalling pipes, database, SMTP, outbound HTTPS, logs */
#define HTTP_FD_RESERVE 128
/* libmicrohttpd's memory per connection: the request line and headers (up to about 15 KB of
 * them; more is answered 431), then the answer's headers. It zeroes the whole pool after each
 * request of a kept-alive connection, so every open connection keeps all of it resident: at
 * 32 KiB, 1,000 connections held 32 MiB. */
#define HTTP_CONN_POOL 16384

static struct MHD_Daemon *daemon_h, *side_h;
static int quiesced_fd = -1;
static struct netaddr_list *trusted;
static char id_prefix[9];
static atomic_uint_fast64_t id_counter;
/* requests between req_new and their completion; http_drain waits for 0 */
static pthread_mutex_t inflight_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t inflight_cv = PTHREAD_COND_INITIALIZER;
static long inflight;
static int bound_port;

/* ---- request input ---- */

const char *req_arg(struct req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

struct arg_all {
    const char *name;
    const char **out;
    int max, n;
};

static enum MHD_Result arg_all_one(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind;
    struct arg_all *x = cls;
    if (key && value && !strcmp(key, x->name)) {
        if (x->n < x->max) x->out[x->n] = value;
        x->n++;
    }
    return MHD_YES;
}

int req_arg_all(struct req *r, const char *name, const char **out, int max)
{
    struct arg_all x = {name, out, max, 0};
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, arg_all_one, &x);
    return x.n;
}

const char *req_header(struct req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *req_cookie(struct req *r, const char *name)
{
    if (!*cfg->cookie_prefix) return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
    char full[96];
    snprintf(full, sizeof(full), "%s%s", cfg->cookie_prefix, name);
    return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, full);
}

const char *req_user_agent(struct req *r)
{
    return text_clean_line(r->a, req_header(r, "User-Agent"), HTTP_UA_MAX);
}

struct each_ctx {
    req_each_fn fn;
    void *cls;
    enum req_kind kind;
    int rc;
};

static enum MHD_Result each_value(void *cls, enum MHD_ValueKind kind, const char *key,
                                  size_t key_size, const char *value, size_t value_size)
{
    (void)kind, (void)key_size;
    struct each_ctx *e = cls;
    e->rc = e->fn(e->cls, e->kind, key, value ? value : "", value ? value_size : 0);
    return e->rc ? MHD_NO : MHD_YES;
}

int req_each(struct req *r, enum req_kind kind, req_each_fn fn, void *cls)
{
    if (kind == REQ_FORM) {
        for (struct kv *f = r->form; f; f = f->next) {
            int rc = fn(cls, kind, f->key, f->val, f->len);
            if (rc) return rc;
        }
        return 0;
    }
    static const enum MHD_ValueKind mhd_kind[] = {
        [REQ_QUERY] = MHD_GET_ARGUMENT_KIND,
        [REQ_HEADER] = MHD_HEADER_KIND,
        [REQ_COOKIE] = MHD_COOKIE_KIND,
    };
    struct each_ctx e = {fn, cls, kind, 0};
    MHD_get_connection_values_n(r->conn, mhd_kind[kind], each_value, &e);
    return e.rc;
}

const char *req_form(struct req *r, const char *name)
{
    for (struct kv *f = r->form; f; f = f->next)
        if (!strcmp(f->key, name)) return f->val;
    return NULL;
}

static enum MHD_Result on_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *filename, const char *content_type,
                                const char *transfer_encoding, const char *data, uint64_t off,
                                size_t size)
{
    (void)kind, (void)filename, (void)content_type, (void)transfer_encoding;
    struct req *r = cls;
    if (off > 0 && r->form && !strcmp(r->form->key, key)) {
        /* continuation of the field being read */
        size_t have = r->form->len;
        char *v = arena_alloc(r->a, have + size + 1);
        memcpy(v, r->form->val, have);
        memcpy(v + have, data, size);
        v[have + size] = 0;
        r->form->val = v;
        r->form->len = have + size;
        return MHD_YES;
    }
    int n = 0;
    for (struct kv *f = r->form; f; f = f->next) n++;
    if (n >= HTTP_MAX_FIELDS) return MHD_NO;
    struct kv *f = arena_alloc(r->a, sizeof(*f));
    f->key = arena_strdup(r->a, key);
    f->val = arena_strndup(r->a, data ? data : "", data ? size : 0);
    f->len = data ? size : 0;
    f->next = r->form;
    r->form = f;
    return MHD_YES;
}

/* ---- responses ---- */

void resp_header(struct req *r, const char *name, const char *value)
{
    struct kv *h = arena_alloc(r->a, sizeof(*h));
    h->key = arena_strdup(r->a, name);
    h->val = arena_strdup(r->a, value);
    h->next = r->out_headers;
    r->out_headers = h;
}

void resp_cookie(struct req *r, const char *name, const char *value, long max_age)
{
    char age[48] = "";
    if (max_age < 0)
        snprintf(age, sizeof(age), "; Max-Age=0");
    else if (max_age > 0)
        snprintf(age, sizeof(age), "; Max-Age=%ld", max_age);
    char *c = arena_printf(r->a, "%s%s=%s; Path=/; HttpOnly; SameSite=Lax%s%s", cfg->cookie_prefix,
                           name, max_age < 0 ? "" : value, cfg->https ? "; Secure" : "", age);
    resp_header(r, MHD_HTTP_HEADER_SET_COOKIE, c);
}

static void add_common_headers(struct req *r, int status, struct MHD_Response *res)
{
    MHD_add_response_header(res, "Content-Security-Policy",
                            "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                            "base-uri 'none'; frame-ancestors 'none'; form-action 'self'");
    MHD_add_response_header(res, "X-Frame-Options", "DENY");
    MHD_add_response_header(res, "X-Content-Type-Options", "nosniff");
    /* a handler may ask for a stricter one (pages reached by a secret link): one header only */
    int own_referrer = 0;
    for (struct kv *h = r->out_headers; h; h = h->next)
        if (!strcasecmp(h->key, "Referrer-Policy")) own_referrer = 1;
    if (!own_referrer)
        MHD_add_response_header(res, "Referrer-Policy", "strict-origin-when-cross-origin");
    MHD_add_response_header(res, "Cross-Origin-Opener-Policy", "same-origin");
    if (cfg->https) MHD_add_response_header(res, "Strict-Transport-Security", "max-age=31536000");
    if (!r->cacheable) MHD_add_response_header(res, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(res, "X-Request-Id", r->id);
    /* every 503 is transient (no hash slot, the store away): tell clients and balancers when
     * to come back, unless the handler said so itself */
    int own_retry = 0;
    for (struct kv *h = r->out_headers; h; h = h->next)
        if (!strcasecmp(h->key, "Retry-After")) own_retry = 1;
    if (status == 503 && !own_retry) MHD_add_response_header(res, "Retry-After", "2");
}

void resp_send(struct req *r, int status, const char *ctype, const char *body, size_t len)
{
    if (r->responded) {
        log_warnx("http: second response for %s ignored", r->path);
        return;
    }
    r->responded = 1;
    r->status = status;
    struct MHD_Response *res =
        MHD_create_response_from_buffer(len, (void *)(body ? body : ""), MHD_RESPMEM_PERSISTENT);
    if (!res) return;
    if (ctype) MHD_add_response_header(res, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    add_common_headers(r, status, res);
    for (struct kv *h = r->out_headers; h; h = h->next)
        MHD_add_response_header(res, h->key, h->val);
    MHD_queue_response(r->conn, (unsigned)status, res);
    MHD_destroy_response(res);
}

void resp_redirect(struct req *r, const char *location)
{
    resp_header(r, MHD_HTTP_HEADER_LOCATION, location);
    resp_send(r, 303, "text/plain; charset=utf-8", "", 0);
}

void resp_json(struct req *r, int status, const char *json)
{
    resp_send(r, status, "application/json", json, strlen(json));
}

int http_safe_next(const char *p)
{
    if (!p || p[0] != '/' || p[1] == '/' || p[1] == '\\') return 0;
    for (const unsigned char *c = (const unsigned char *)p; *c; c++)
        if (*c < 0x20 || *c == 0x7f || *c == '\\') return 0;
    if (strlen(p) > 2048) return 0; /* an OpenID Connect authorization request fits */
    /* a scheme before any slash ("/x:..." is a path, but refuse encoded tricks too) */
    if (strcasestr(p, "%2f") == p + 1 || strcasestr(p, "%5c") == p + 1) return 0;
    return 1;
}

/* ---- the request life ---- */

/* What http remembers about a connection between its requests (the socket context). */
struct conn_state {
    int bad_escape; /* the request line being read decoded a control byte (%00 …) */
};

static struct conn_state *conn_state(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* libmicrohttpd's %HH decoding of the path and of each query key and value, remembering a
 * decoded control byte for req_new: the path reaches on_access as a C string, so "%00" would
 * cut it silently. Without a connection state the text stays encoded (harmless). */
static size_t on_unescape(void *cls, struct MHD_Connection *conn, char *s)
{
    (void)cls;
    struct conn_state *cs = conn_state(conn);
    if (!cs) return strlen(s);
    size_t n = MHD_http_unescape(s);
    if (!text_bytes_ok(s, n, 0)) cs->bad_escape = 1;
    return n;
}

/* RFC 9112 §6.3: a request whose length is ambiguous is refused before its body is read —
 * two different Content-Length values (libmicrohttpd 0.9.75 takes the first), or
 * Transfer-Encoding with Content-Length (a smuggling vector behind another proxy). */
struct framing {
    const char *cl;
    size_t cl_len;
    int cl_differ, te;
};

static enum MHD_Result framing_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                      size_t key_size, const char *value, size_t value_size)
{
    (void)kind, (void)key_size;
    struct framing *f = cls;
    if (!value) return MHD_YES;
    if (!strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING)) f->te = 1;
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH)) return MHD_YES;
    if (f->cl && (f->cl_len != value_size || memcmp(f->cl, value, value_size))) f->cl_differ = 1;
    f->cl = value;
    f->cl_len = value_size;
    return MHD_YES;
}

static int req_framing_bad(struct req *r)
{
    struct framing f = {0};
    MHD_get_connection_values_n(r->conn, MHD_HEADER_KIND, framing_header, &f);
    return f.cl_differ || (f.te && f.cl);
}

/* An X-Request-Id a trusted proxy sent: 1–64 characters of [A-Za-z0-9._-], else NULL. */
static const char *req_proxy_id(struct req *r)
{
    const char *v = req_header(r, "X-Request-Id");
    if (!v || !r->from_proxy) return NULL;
    size_t n = strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");
    return n >= 1 && n <= 64 && !v[n] ? v : NULL;
}

int req_from_proxy(struct req *r)
{
    return r->from_proxy;
}

static struct req *req_new(struct MHD_Connection *conn, const char *url, const char *method)
{
    struct arena *a = arena_new();
    struct req *r = arena_alloc(a, sizeof(*r));
    pthread_mutex_lock(&inflight_mu);
    inflight++;
    pthread_mutex_unlock(&inflight_mu);
    r->a = a;
    r->conn = conn;
    r->method = arena_strdup(a, method);
    r->path = arena_strdup(a, url);
    r->t0_us = clock_mono_us();
    char peer[INET6_ADDRSTRLEN + 1] = "-", client[INET6_ADDRSTRLEN + 1];
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci) netaddr_format(ci->client_addr, peer, sizeof(peer));
    netaddr_client(peer, req_header(r, "X-Forwarded-For"), trusted, client, sizeof(client));
    r->ip = arena_strdup(a, client);
    r->from_proxy = ci && netaddr_list_has(trusted, peer);
    const char *pid = req_proxy_id(r);
    r->id =
        pid ? arena_strdup(a, pid)
            : arena_printf(a, "%s%08llx", id_prefix,
                           (unsigned long long)(atomic_fetch_add(&id_counter, 1) & 0xffffffffu));
    log_set_reqid(r->id);
    r->lang = i18n_pick(req_cookie(r, "lang"), req_header(r, "Accept-Language"), cfg->default_lang);
    struct conn_state *cs = conn_state(conn);
    r->bad_escape = cs ? cs->bad_escape : 0;
    if (cs) cs->bad_escape = 0;
    return r;
}

static int req_body_declared_too_large(struct req *r)
{
    const char *cl = req_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
    return cl && strtoll(cl, NULL, 10) > cfg->max_body;
}

static void req_upload(struct req *r, const char *data, size_t size)
{
    if (r->too_large || r->body_len + size > (size_t)cfg->max_body) {
        r->too_large = 1;
        r->body_len += size; /* counted, not kept */
        return;
    }
    if (!r->pp && !r->body) {
        r->pp = MHD_create_post_processor(r->conn, 4096, on_field, r);
        if (!r->pp) r->body = arena_alloc(r->a, (size_t)cfg->max_body + 1);
    }
    if (r->pp) {
        if (MHD_post_process(r->pp, data, size) != MHD_YES) r->too_large = 1;
        r->body_len += size;
    } else {
        memcpy(r->body + r->body_len, data, size);
        r->body_len += size;
    }
}

/* The application answers; a request it leaves unanswered gets a plain 500. */
static void dispatch(struct req *r)
{
    r->dispatch(r);
    if (r->responded) return;
    log_warnx("http: no response for %s %s", r->method, r->path);
    static const char msg[] = "internal error";
    resp_send(r, 500, "text/plain; charset=utf-8", msg, sizeof(msg) - 1);
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **ctx)
{
    (void)version;
    struct req *r = *ctx;
    if (!r) {
        *ctx = r = req_new(conn, url, method);
        r->dispatch = cls;
        log_debug("http: %s %s: the head is in", r->method, r->path);
        r->too_large = req_body_declared_too_large(r);
        r->bad_framing = req_framing_bad(r);
        r->head = 1;
        r->dispatch(r); /* an answer now refuses the request: its body is not read */
        r->head = 0;
        return MHD_YES;
    }
    log_set_reqid(r->id);
    if (*upload_data_size) {
        req_upload(r, upload_data, *upload_data_size);
        *upload_data_size = 0;
        /* no response can be queued while upload data is handed over (microhttpd.h): an
         * oversized body is read and dropped, then answered 413; far beyond the limit the
         * connection is closed */
        if (r->too_large && r->body_len > 16 * (size_t)cfg->max_body) return MHD_NO;
        return MHD_YES;
    }
    if (r->responded) return MHD_YES;
    if (r->body && !r->too_large) r->body[r->body_len] = 0;
    dispatch(r);
    return MHD_YES;
}

/* The latency histogram's label: a few groups of routes with like costs. */
static const char *route_group(const struct req *r)
{
    const char *p = r->route;
    if (!p) return "unmatched";
    if (!strcmp(p, "/healthz") || !strcmp(p, "/readyz") || !strcmp(p, "/metrics")) return "health";
    if (!strncmp(p, "/static/", 8)) return "static";
    if (!strncmp(p, "/api/", 5) || !strcmp(p, "/v2/token") || !strcmp(p, "/registry/token"))
        return "api";
    if (!strncmp(p, "/auth/", 6) || !strncmp(p, "/wechat/", 8)) return "provider";
    return strcmp(r->method, "POST") ? "page" : "form";
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **ctx,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)toe;
    struct conn_state *cs = conn_state(conn);
    if (cs) cs->bad_escape = 0; /* a request refused before on_access leaves no mark */
    struct req *r = *ctx;
    if (!r) return;
    double ms = (double)(clock_mono_us() - r->t0_us) / 1000.0;
    int status = r->responded ? r->status : 0;
    metrics_inc(MET_HTTP_REQUESTS, r->route ? r->route : "unmatched", metrics_status_class(status));
    metrics_observe(MET_HTTP_SECONDS, route_group(r), NULL, ms / 1000.0);
    log_debug("http: %s %s answered %d in %.1f ms", r->method, r->path, status, ms);
    if (log_access_enabled()) {
        struct log_access_rec rec = {.ip = r->ip,
                                     .method = r->method,
                                     .path = r->path,
                                     .route = r->route,
                                     .reqid = r->id,
                                     .status = status,
                                     .ms = ms,
                                     .account_id = r->sess ? r->sess->account_id : 0};
        log_access(&rec);
    }
    if (r->pp) MHD_destroy_post_processor(r->pp);
    log_set_reqid(NULL);
    arena_free(r->a);
    *ctx = NULL;
    pthread_mutex_lock(&inflight_mu);
    if (--inflight == 0) pthread_cond_broadcast(&inflight_cv);
    pthread_mutex_unlock(&inflight_mu);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char buf[512];
    vsnprintf(buf, sizeof(buf), fmt, ap);
    log_debug("mhd: %s", buf);
}

/* "127.0.0.1:8080", "[::1]:8080", ":8080" (all IPv4) → sockaddr */
static int parse_listen(const char *s, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof(*ss));
    const char *colon = strrchr(s, ':');
    if (!colon) return -1;
    int port = atoi(colon + 1);
    if (port < 0 || port > 65535) return -1;
    char host[128];
    size_t hn = (size_t)(colon - s);
    if (hn >= sizeof(host)) return -1;
    memcpy(host, s, hn);
    host[hn] = 0;
    if (host[0] == '[') {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
        size_t l = strlen(host);
        if (l < 2 || host[l - 1] != ']') return -1;
        host[l - 1] = 0;
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        return inet_pton(AF_INET6, host + 1, &a6->sin6_addr) == 1 ? 0 : -1;
    }
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)port);
    if (!*host) return 0;
    return inet_pton(AF_INET, host, &a4->sin_addr) == 1 ? 0 : -1;
}

int http_port(void)
{
    return bound_port;
}

static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    (void)cls;
    (void)addrlen;
    return connlimit_admit(addr) ? MHD_YES : MHD_NO;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_ctx,
                          enum MHD_ConnectionNotificationCode code)
{
    (void)cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        *socket_ctx = calloc(1, sizeof(struct conn_state));
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        free(*socket_ctx);
        *socket_ctx = NULL;
    }
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci) return;
    if (code == MHD_CONNECTION_NOTIFY_STARTED)
        connlimit_opened(ci->client_addr);
    else if (code == MHD_CONNECTION_NOTIFY_CLOSED)
        connlimit_closed(ci->client_addr);
}

/* The side listener's connection states (no per-IP counting there). */
static void on_connection_side(void *cls, struct MHD_Connection *conn, void **socket_ctx,
                               enum MHD_ConnectionNotificationCode code)
{
    (void)cls, (void)conn;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        *socket_ctx = calloc(1, sizeof(struct conn_state));
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        free(*socket_ctx);
        *socket_ctx = NULL;
    }
}

/* The connections daoid can hold within its descriptor limit: raises the soft RLIMIT_NOFILE
 * toward the hard one as far as want needs, and when even the hard limit is too small lowers
 * the connection limit to fit (with a warning): past the descriptor limit accept() fails and
 * libmicrohttpd stops accepting, leaving clients in the listen queue. */
static unsigned fd_budget(unsigned want)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return want;
    rlim_t need = (rlim_t)want + HTTP_FD_RESERVE;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
        rlim_t old = rl.rlim_cur;
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ? need : rl.rlim_max;
        if (rl.rlim_cur > old && setrlimit(RLIMIT_NOFILE, &rl) != 0) rl.rlim_cur = old;
    }
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need) return want;
    unsigned fit =
        rl.rlim_cur > HTTP_FD_RESERVE + 16 ? (unsigned)(rl.rlim_cur - HTTP_FD_RESERVE) : 16;
    log_warnx("http: the descriptor limit (ulimit -n %llu) leaves room for %u connections, not "
              "max_connections = %u: using %u (raise the limit: see the README)",
              (unsigned long long)rl.rlim_cur, fit, want, fit);
    return fit;
}

int http_start(http_dispatch_fn app)
{
    char err[128];
    trusted = netaddr_list_parse(cfg->trusted_proxies, err, sizeof(err));
    if (!trusted) {
        log_warnx("http: trusted_proxies: bad entry %s", err);
        return -1;
    }
    unsigned char rnd[4];
    randombytes_buf(rnd, sizeof(rnd));
    snprintf(id_prefix, sizeof(id_prefix), "%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2], rnd[3]);
    struct sockaddr_storage ss;
    if (parse_listen(cfg->listen, &ss) != 0) {
        log_warnx("http: cannot parse listen address %s", cfg->listen);
        return -1;
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned threads =
        cfg->threads ? (unsigned)cfg->threads : (unsigned)(cores * 2 < 4 ? 4 : cores * 2);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG | (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
    unsigned max_conn = fd_budget((unsigned)cfg->max_connections);
    connlimit_init((unsigned)cfg->per_ip_connections, max_conn, trusted);
    /* connlimit refuses past max_conn; libmicrohttpd's own limit (split among its threads) sits
     * above it, because at that limit it stops accepting and connections wait in the queue */
    unsigned mhd_limit = 2 * max_conn + 2 * threads;
    daemon_h = MHD_start_daemon(
        flags, 0, on_accept, NULL, on_access, (void *)app, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_LIMIT,
        mhd_limit, MHD_OPTION_UNESCAPE_CALLBACK, on_unescape, NULL, MHD_OPTION_NOTIFY_CONNECTION,
        on_connection, NULL, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->request_timeout,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_POOL, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, NULL, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL, MHD_OPTION_END);
    if (!daemon_h) {
        log_warnx("http: cannot listen on %s", cfg->listen);
        connlimit_shutdown();
        netaddr_list_free(trusted);
        trusted = NULL;
        return -1;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(daemon_h, MHD_DAEMON_INFO_BIND_PORT);
    bound_port = di ? di->port : 0;
    log_info("http: listening on %s (port %d, %u threads, %u connections)", cfg->listen, bound_port,
             threads, max_conn);
    return 0;
}

int http_start_side(const char *listen, http_dispatch_fn app)
{
    struct sockaddr_storage ss;
    if (parse_listen(listen, &ss) != 0) {
        log_warnx("http: cannot parse metrics_listen address %s", listen);
        return -1;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
                     (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
    side_h = MHD_start_daemon(flags, 0, NULL, NULL, on_access, (void *)app, MHD_OPTION_SOCK_ADDR,
                              (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT, 64u,
                              MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_UNESCAPE_CALLBACK,
                              on_unescape, NULL, MHD_OPTION_NOTIFY_CONNECTION, on_connection_side,
                              NULL, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_POOL,
                              MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
                              MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL, MHD_OPTION_END);
    if (!side_h) {
        log_warnx("http: cannot listen on metrics_listen %s", listen);
        return -1;
    }
    log_info("http: metrics on %s", listen);
    return 0;
}

void http_drain(int64_t timeout_s)
{
    if (!daemon_h) return;
    quiesced_fd = MHD_quiesce_daemon(daemon_h); /* no new connections from here on */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_s;
    pthread_mutex_lock(&inflight_mu);
    if (inflight) log_info("http: stopping: %ld request(s) in flight", inflight);
    while (inflight > 0)
        if (pthread_cond_timedwait(&inflight_cv, &inflight_mu, &until) == ETIMEDOUT) break;
    if (inflight)
        log_warnx("http: %ld request(s) still in flight after %llds: cut", inflight,
                  (long long)timeout_s);
    else
        log_info("http: no request in flight");
    pthread_mutex_unlock(&inflight_mu);
}

void http_stop(void)
{
    if (side_h) MHD_stop_daemon(side_h);
    side_h = NULL;
    if (daemon_h) MHD_stop_daemon(daemon_h);
    daemon_h = NULL;
    if (quiesced_fd >= 0) close(quiesced_fd); /* MHD leaves a quiesced socket to its caller */
    quiesced_fd = -1;
    connlimit_shutdown();
    netaddr_list_free(trusted);
    trusted = NULL;
}
