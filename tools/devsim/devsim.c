/* devsim: local stand-in for the external services daoid talks to (used by `make run` and the
 * browser tests): an SMTP server with a web inbox, a fake GitHub, Bitbucket and Coding, and a
 * fake WeChat official account with a "phone" page. Each part exports a route table; this file
 * puts them together, dispatches every HTTP request by them, and runs the servers. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devsim_coding.h"
#include "devsim_http.h"
#include "devsim_inbox.h"
#include "devsim_mail.h"
#include "devsim_oauth.h"
#include "devsim_repos.h"
#include "devsim_smtp.h"
#include "devsim_wechat.h"
#include "log.h"

#define DEVSIM_MAX_ROUTES 128

struct devsim_opts {
    const char *bind;
    int smtp_port;
    int http_port;
    const char *oauth_callback_base; /* daoid's public URL, for the OAuth2 redirect URIs */
};

/* ---- routing ---- */

static void devsim_healthz(const struct devsim_req *req, struct devsim_resp *resp)
{
    (void)req;
    devsim_reply(resp, 200, DEVSIM_TEXT, "ok");
}

static const struct devsim_route devsim_core_routes[] = {
    {NULL, "/healthz", devsim_healthz},
    {NULL},
};

/* Every part's table, ending with NULL. */
static const struct devsim_route *const devsim_tables[] = {
    devsim_core_routes, dinbox_routes,        doauth_routes,
    doauth_ctl_routes,  dcoding_routes,       drepos_routes,
    dwechat_routes,     dwechat_phone_routes, NULL,
};

/* The tables put together (filled once by main, before the HTTP server starts). */
static struct devsim_route devsim_routes[DEVSIM_MAX_ROUTES];
static size_t devsim_nroutes;

/* 1 when a and b are for the same path and the same methods. */
static int devsim_route_same(const struct devsim_route *a, const struct devsim_route *b)
{
    if (strcmp(a->path, b->path) != 0) return 0;
    return a->method && b->method ? !strcmp(a->method, b->method) : a->method == b->method;
}

/* Puts the tables together; two parts claiming the same route is a mistake caught here. */
static void devsim_routes_join(void)
{
    for (size_t t = 0; devsim_tables[t]; t++)
        for (const struct devsim_route *r = devsim_tables[t]; r->path; r++) {
            for (size_t i = 0; i < devsim_nroutes; i++)
                if (devsim_route_same(&devsim_routes[i], r))
                    fatalx("devsim: route %s %s twice", r->method ? r->method : "*", r->path);
            if (devsim_nroutes == DEVSIM_MAX_ROUTES) fatalx("devsim: too many routes");
            devsim_routes[devsim_nroutes++] = *r;
        }
}

/* The dispatch function of the HTTP server: the handler of the route that fits; 405 when
 * only other methods have one, 404 (the reply left as it is) when no route has the path. */
static void devsim_dispatch(struct devsim_req *req, struct devsim_resp *resp)
{
    int other_method;
    const struct devsim_route *r =
        devsim_route_find(devsim_routes, devsim_nroutes, req, &other_method);
    if (r)
        r->fn(req, resp);
    else if (other_method)
        devsim_reply(resp, 405, DEVSIM_TEXT, "method not allowed\n");
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
    devsim_routes_join();
    if (dsmtp_start(o.bind, o.smtp_port, st) < 0) {
        log_warn("devsim: cannot listen for SMTP on %s port %d", o.bind, o.smtp_port);
        goto fail;
    }
    if (devsim_http_start(o.bind, o.http_port, devsim_dispatch, &http_port) < 0) {
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
    devsim_http_stop();
    dsmtp_stop();
    dm_store_free(st);
    doauth_free();
    drepos_free();
    dwechat_free();
    return rc;
}
