/* devsim: local stand-in for the external services daoid talks to (used by `make run` and the
 * browser tests): an SMTP server with a web inbox, a fake GitHub, Bitbucket and Coding, and a
 * fake WeChat official account with a "phone" page, behind one HTTP route dispatcher served by
 * a thread per connection (a slow answer holds its own connection, nothing else). */
#include "devsim.h"

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>

#include "log.h"

#define DEVSIM_MAX_ROUTES 64
#define DEVSIM_MAX_BODY   (1024 * 1024)
#define DEVSIM_TEXT       "text/plain; charset=utf-8"

struct devsim_opts {
    const char *bind;
    int smtp_port;
    int http_port;
    const char *oauth_callback_base; /* daoid's public URL, for the OAuth2 redirect URIs */
};

/* Per-request state kept by libmicrohttpd between calls of the access handler. */
struct devsim_conn {
    char *body; /* NUL-terminated */
    size_t len, cap;
    int too_big;
};

static struct devsim_route devsim_routes[DEVSIM_MAX_ROUTES];
static size_t devsim_nroutes;

/* ---- routing ---- */

/* Registers a module's routes (an array ending with {NULL, NULL}, static strings). */
static void devsim_add_routes(const struct devsim_route *r)
{
    for (; r->prefix; r++) {
        if (devsim_nroutes == DEVSIM_MAX_ROUTES) fatalx("devsim: too many routes");
        devsim_routes[devsim_nroutes++] = *r;
    }
}

/* The route whose prefix is the longest one matching path, or NULL. */
static const struct devsim_route *devsim_match(const char *path)
{
    const struct devsim_route *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < devsim_nroutes; i++) {
        const char *p = devsim_routes[i].prefix;
        size_t n = strlen(p);
        if (strncmp(path, p, n) != 0 || (path[n] != '\0' && path[n] != '/')) continue;
        if (!best || n > best_len) best = &devsim_routes[i], best_len = n;
    }
    return best;
}

static void devsim_healthz(const struct devsim_req *req, struct devsim_resp *resp)
{
    (void)req;
    devsim_reply(resp, 200, DEVSIM_TEXT, "ok");
}

static const struct devsim_route devsim_core_routes[] = {
    {"/healthz", devsim_healthz},
    {NULL, NULL},
};

/* ---- libmicrohttpd glue ---- */

static void devsim_body_add(struct devsim_conn *c, const char *p, size_t n)
{
    if (c->too_big || c->len + n > DEVSIM_MAX_BODY) {
        c->too_big = 1;
        return;
    }
    if (c->len + n + 1 > c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 1024;
        while (cap < c->len + n + 1) cap *= 2;
        char *q = realloc(c->body, cap);
        if (!q) {
            c->too_big = 1;
            return;
        }
        c->body = q;
        c->cap = cap;
    }
    memcpy(c->body + c->len, p, n);
    c->len += n;
    c->body[c->len] = '\0';
}

/* Queues the reply r on conn; r->body passes to libmicrohttpd (or is freed). */
static enum MHD_Result devsim_send(struct MHD_Connection *conn, struct devsim_resp *r)
{
    struct MHD_Response *mr;
    if (r->body && r->len) {
        mr = MHD_create_response_from_buffer(r->len, r->body, MHD_RESPMEM_MUST_FREE);
        if (!mr) free(r->body);
    } else {
        free(r->body);
        mr = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
    }
    r->body = NULL;
    if (mr && r->location) MHD_add_response_header(mr, MHD_HTTP_HEADER_LOCATION, r->location);
    free(r->location);
    r->location = NULL;
    if (mr && r->link) MHD_add_response_header(mr, "Link", r->link);
    free(r->link);
    r->link = NULL;
    if (!mr) return MHD_NO;
    MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE, r->ctype);
    MHD_add_response_header(mr, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(mr, "X-Content-Type-Options", "nosniff");
    enum MHD_Result rc = MHD_queue_response(conn, r->status, mr);
    MHD_destroy_response(mr);
    return rc;
}

/* Runs the handler of the route matching url and queues its reply. */
static enum MHD_Result devsim_dispatch(struct MHD_Connection *conn, const char *url,
                                       const char *method, struct devsim_conn *c)
{
    struct devsim_resp resp = {404, DEVSIM_TEXT, NULL, 0};
    const struct devsim_route *r = devsim_match(url);
    if (c->too_big) {
        devsim_reply(&resp, 413, DEVSIM_TEXT, "request body too large\n");
    } else if (r) {
        struct devsim_req req = {
            conn, method, url, url + strlen(r->prefix), c->body ? c->body : "", c->len};
        r->fn(&req, &resp);
    }
    if (resp.status == 404 && !resp.body) devsim_reply(&resp, 404, DEVSIM_TEXT, "not found\n");
    log_debug("http: %s %s %u", method, url, resp.status);
    return devsim_send(conn, &resp);
}

/* Access handler: the first call only sets up the request state, the next ones collect the
 * body, and the final one (no more upload data) answers. */
static enum MHD_Result devsim_access(void *cls, struct MHD_Connection *conn, const char *url,
                                     const char *method, const char *version, const char *upload,
                                     size_t *upload_size, void **state)
{
    struct devsim_conn *c = *state;
    (void)cls;
    (void)version;
    if (!c) {
        c = calloc(1, sizeof(*c));
        *state = c;
        return c ? MHD_YES : MHD_NO;
    }
    if (*upload_size) {
        devsim_body_add(c, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    return devsim_dispatch(conn, url, method, c);
}

static void devsim_completed(void *cls, struct MHD_Connection *conn, void **state,
                             enum MHD_RequestTerminationCode toe)
{
    struct devsim_conn *c = *state;
    (void)cls;
    (void)conn;
    (void)toe;
    if (c) free(c->body);
    free(c);
    *state = NULL;
}

/* Starts the HTTP server on addr:port (0 picks a free port); *bound gets the real port.
 * Returns the daemon, or NULL. */
static struct MHD_Daemon *devsim_http_start(const char *addr, int port, int *bound)
{
    struct addrinfo hints = {0}, *ai = NULL;
    char serv[16];
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(serv, sizeof(serv), "%d", port);
    if (getaddrinfo(addr, serv, &hints, &ai) != 0 || !ai) return NULL;
    /* a thread per connection: a handler that waits (a slow fake, a WeChat push being retried)
     * holds only its own connection; with a thread pool it would stall every keep-alive
     * connection that pool thread serves */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_POLL | MHD_USE_ERROR_LOG;
    if (ai->ai_family == AF_INET6) flags |= MHD_USE_IPv6;
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, devsim_access, NULL, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
        MHD_OPTION_NOTIFY_COMPLETED, devsim_completed, NULL, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)256, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60, MHD_OPTION_END);
    freeaddrinfo(ai);
    const union MHD_DaemonInfo *info = d ? MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT) : NULL;
    *bound = info ? info->port : port;
    return d;
}

/* ---- main ---- */

static void devsim_usage(FILE *f)
{
    fputs("usage: devsim [--bind 127.0.0.1] [--smtp-port 2525] [--http-port 8025]\n"
          "              [--oauth-callback-base http://localhost:8080]\n"
          "              [--wechat-callback URL] [--wechat-mode plain|safe|compat]\n"
          "              [--wechat-appid ID] [--wechat-secret S] [--wechat-token T] "
          "[--wechat-aes-key K]\n",
          f);
}

/* Parses a port number (0 asks for any free port); -1 when s is not one. */
static int devsim_port(const char *s)
{
    char *end;
    long v = s ? strtol(s, &end, 10) : -1;
    return s && *s && !*end && v >= 0 && v <= 65535 ? (int)v : -1;
}

/* The value of option name at argv[*i], as "--name value" or "--name=value"; NULL when
 * argv[*i] is another option. Advances *i past a separate value. */
static const char *devsim_optval(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0) return NULL;
    if (argv[*i][n] == '=') return argv[*i] + n + 1;
    if (argv[*i][n] != '\0') return NULL;
    if (*i + 1 >= argc) return "";
    return argv[++*i];
}

/* Fills o from the command line; returns 0, or -1 after printing why not. */
static int devsim_args(int argc, char **argv, struct devsim_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *v;
        if ((v = devsim_optval(argc, argv, &i, "--bind")))
            o->bind = v;
        else if ((v = devsim_optval(argc, argv, &i, "--smtp-port")))
            o->smtp_port = devsim_port(v);
        else if ((v = devsim_optval(argc, argv, &i, "--http-port")))
            o->http_port = devsim_port(v);
        else if ((v = devsim_optval(argc, argv, &i, "--oauth-callback-base")))
            o->oauth_callback_base = v;
        else if (!strncmp(argv[i], "--wechat-", 9)) {
            if (dwechat_option(argc, argv, &i) != 0) goto fail;
        } else
            goto fail;
        if (!*o->bind || o->smtp_port < 0 || o->http_port < 0) goto fail;
    }
    return 0;
fail:
    devsim_usage(stderr);
    return -1;
}

/* Formats addr:port, with brackets around an IPv6 address. */
static void devsim_hostport(char *buf, size_t n, const char *addr, int port)
{
    snprintf(buf, n, strchr(addr, ':') ? "[%s]:%d" : "%s:%d", addr, port);
}

/* Blocks SIGINT and SIGTERM in every thread (they inherit the mask) so main can sigwait. */
static void devsim_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int main(int argc, char **argv)
{
    struct devsim_opts o = {"127.0.0.1", 2525, 8025, "http://localhost:8080"};
    struct MHD_Daemon *httpd = NULL;
    struct dm_store *st = NULL;
    char smtp_at[80], http_at[80];
    sigset_t set;
    int sig, http_port = 0, rc = 1;
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        devsim_usage(stdout);
        return 0;
    }
    if (devsim_args(argc, argv, &o) < 0) return 2;
    log_init(getenv("DEVSIM_LOG") ? getenv("DEVSIM_LOG") : "info");
    devsim_signals(&set);
    st = dm_store_new(DM_STORE_CAP);
    dinbox_init(st);
    doauth_init(o.oauth_callback_base);
    dwechat_init();
    devsim_add_routes(devsim_core_routes);
    devsim_add_routes(dinbox_routes);
    devsim_add_routes(doauth_routes);
    devsim_add_routes(drepos_routes);
    devsim_add_routes(dwechat_routes);
    if (dsmtp_start(o.bind, o.smtp_port, st) < 0) {
        log_warn("devsim: cannot listen for SMTP on %s port %d", o.bind, o.smtp_port);
        goto fail;
    }
    httpd = devsim_http_start(o.bind, o.http_port, &http_port);
    if (!httpd) {
        log_warnx("devsim: cannot listen for HTTP on %s port %d", o.bind, o.http_port);
        goto fail;
    }
    devsim_hostport(smtp_at, sizeof(smtp_at), o.bind, dsmtp_port());
    devsim_hostport(http_at, sizeof(http_at), o.bind, http_port);
    printf("devsim ready smtp=%s http=%s\n", smtp_at, http_at);
    fflush(stdout);
    while (sigwait(&set, &sig) != 0) continue;
    log_info("devsim: signal %d, shutting down", sig);
    rc = 0;
fail:
    doauth_stop();
    if (httpd) MHD_stop_daemon(httpd);
    dsmtp_stop();
    dm_store_free(st);
    doauth_free();
    drepos_free();
    dwechat_free();
    return rc;
}
