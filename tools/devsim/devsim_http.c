/* devsim_http: requests, replies, route matching and the libmicrohttpd server of the simulator
 * (see devsim_http.h). */
#include "devsim_http.h"

#include <microhttpd.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"

#define DEVSIM_MAX_BODY (1024 * 1024)

/* Per-request state kept by libmicrohttpd between calls of the access handler. */
struct devsim_conn {
    char *body; /* NUL-terminated once closed */
    size_t len;
    FILE *f; /* writes body; NULL when out of memory */
    int too_big;
};

static struct {
    struct MHD_Daemon *daemon;
    devsim_dispatch_fn dispatch;
} devsim_httpd;

/* ---- routes ---- */

/* 1 when method is one of the space-separated list (NULL: any). */
static int devsim_method_in(const char *list, const char *method)
{
    size_t n = strlen(method);
    for (const char *p = list; p && *p; p += strspn(p, " ")) {
        size_t k = strcspn(p, " ");
        if (k == n && !strncmp(p, method, n)) return 1;
        p += k;
    }
    return !list;
}

/* How specifically pattern pat matches path: 0 when it does not, else higher for a closer
 * match (two bits a segment: 3 literal or end of path, 2 "*", 1 "**"). The first wildcard's
 * match goes to *wild, *wlen. */
static uint64_t devsim_path_score(const char *pat, const char *path, const char **wild,
                                  size_t *wlen)
{
    uint64_t score = 0;
    int ended = 0;
    *wild = NULL;
    if (*pat++ != '/' || *path++ != '/') return 0;
    for (int shift = 58; shift >= 2; shift -= 2) {
        size_t pn = strcspn(pat, "/"), sn = strcspn(path, "/");
        if (!strcmp(pat, "**")) {
            if (!*wild) *wild = path, *wlen = strlen(path);
            return score | 1ULL << shift;
        }
        if (ended) return 0;
        if (pn == 1 && *pat == '*' && sn) {
            if (!*wild) *wild = path, *wlen = sn;
            score |= 2ULL << shift;
        } else if (pn == sn && !strncmp(pat, path, pn)) {
            score |= 3ULL << shift;
        } else {
            return 0;
        }
        pat += pn, path += sn;
        if (!*pat) return *path ? 0 : score | 3ULL << (shift - 2);
        pat++;
        if (*path)
            path++;
        else
            ended = 1; /* only "**" matches past the end */
    }
    return 0;
}

const struct devsim_route *devsim_route_find(const struct devsim_route *routes, size_t n,
                                             struct devsim_req *req, int *other_method)
{
    const struct devsim_route *best = NULL;
    uint64_t best_score = 0;
    *other_method = 0;
    for (size_t i = 0; i < n; i++) {
        const char *wild;
        size_t wlen = 0;
        uint64_t s = devsim_path_score(routes[i].path, req->path, &wild, &wlen);
        if (!s) continue;
        if (!devsim_method_in(routes[i].method, req->method)) {
            *other_method = 1;
            continue;
        }
        s = s << 1 | (routes[i].method != NULL);
        if (s <= best_score) continue;
        best = &routes[i], best_score = s;
        req->wild = wild ? wild : "", req->wild_len = wild ? wlen : 0;
    }
    if (best) req->arg = best->arg;
    return best;
}

/* ---- request ---- */

const char *devsim_query(const struct devsim_req *req, const char *key)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *devsim_header(const struct devsim_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

json_t *devsim_json_object(const struct devsim_req *req, struct devsim_resp *resp)
{
    json_t *j = json_loadb(req->body, req->body_len, 0, NULL);
    if (json_is_object(j)) return j;
    json_decref(j);
    devsim_reply_error(resp, 400, "body must be a JSON object");
    return NULL;
}

void devsim_with_json(const struct devsim_req *req, struct devsim_resp *resp,
                      devsim_json_handler fn)
{
    json_t *j = devsim_json_object(req, resp);
    if (j) fn(j, resp);
    json_decref(j);
}

/* ---- reply ---- */

void devsim_reply_take(struct devsim_resp *r, unsigned status, const char *ctype, char *buf,
                       size_t len)
{
    free(r->body);
    r->status = status;
    r->ctype = ctype;
    r->body = buf;
    r->len = buf ? len : 0;
}

void devsim_reply(struct devsim_resp *r, unsigned status, const char *ctype, const char *s)
{
    devsim_reply_take(r, status, ctype, strdup(s), strlen(s));
}

void devsim_reply_json(struct devsim_resp *r, unsigned status, json_t *j)
{
    char *s = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref(j);
    if (!s) {
        devsim_reply(r, 500, DEVSIM_TEXT, "cannot encode JSON\n");
        return;
    }
    devsim_reply_take(r, status, "application/json", s, strlen(s));
}

void devsim_reply_error(struct devsim_resp *r, unsigned status, const char *msg)
{
    devsim_reply_json(r, status, json_pack("{s:s}", "error", msg));
}

void devsim_redirect_take(struct devsim_resp *r, unsigned status, char *location)
{
    free(r->location);
    r->location = location;
    devsim_reply(r, status, DEVSIM_TEXT, status == 303 ? "See Other\n" : "Found\n");
}

/* ---- libmicrohttpd glue ---- */

/* Queues the reply r on conn; r's strings pass to libmicrohttpd (or are freed). */
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
    if (mr && r->location) MHD_add_response_header(mr, MHD_HTTP_HEADER_LOCATION, r->location);
    if (mr && r->link) MHD_add_response_header(mr, "Link", r->link);
    free(r->location);
    free(r->link);
    if (!mr) return MHD_NO;
    MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE, r->ctype);
    MHD_add_response_header(mr, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(mr, "X-Content-Type-Options", "nosniff");
    enum MHD_Result rc = MHD_queue_response(conn, r->status, mr);
    MHD_destroy_response(mr);
    return rc;
}

/* Hands the complete request to the dispatch function and queues its reply. */
static enum MHD_Result devsim_answer(struct MHD_Connection *conn, const char *url,
                                     const char *method, struct devsim_conn *c)
{
    struct devsim_resp resp = {404, DEVSIM_TEXT, NULL, 0, NULL, NULL};
    if (c->f) fclose(c->f);
    c->f = NULL;
    if (c->too_big) {
        devsim_reply(&resp, 413, DEVSIM_TEXT, "request body too large\n");
    } else {
        struct devsim_req req = {conn, method, url, c->body ? c->body : "", c->len, "", 0, 0};
        devsim_httpd.dispatch(&req, &resp);
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
        if (c) c->f = open_memstream(&c->body, &c->len);
        *state = c;
        return c ? MHD_YES : MHD_NO;
    }
    if (!*upload_size) return devsim_answer(conn, url, method, c);
    if (c->len + *upload_size > DEVSIM_MAX_BODY || !c->f ||
        fwrite(upload, 1, *upload_size, c->f) != *upload_size || fflush(c->f) != 0)
        c->too_big = 1;
    *upload_size = 0;
    return MHD_YES;
}

static void devsim_completed(void *cls, struct MHD_Connection *conn, void **state,
                             enum MHD_RequestTerminationCode toe)
{
    struct devsim_conn *c = *state;
    (void)cls;
    (void)conn;
    (void)toe;
    if (c && c->f) fclose(c->f);
    if (c) free(c->body);
    free(c);
    *state = NULL;
}

int devsim_http_start(const char *addr, int port, devsim_dispatch_fn dispatch, int *bound)
{
    struct addrinfo hints = {0}, *ai = NULL;
    char serv[16];
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(serv, sizeof(serv), "%d", port);
    if (devsim_httpd.daemon || getaddrinfo(addr, serv, &hints, &ai) != 0 || !ai) return -1;
    /* a thread per connection: a handler that waits (a slow fake, a WeChat push being retried)
     * holds only its own connection; with a thread pool it would stall every keep-alive
     * connection that pool thread serves */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_POLL | MHD_USE_ERROR_LOG;
    if (ai->ai_family == AF_INET6) flags |= MHD_USE_IPv6;
    devsim_httpd.dispatch = dispatch;
    devsim_httpd.daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, devsim_access, NULL, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
        MHD_OPTION_NOTIFY_COMPLETED, devsim_completed, NULL, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)256, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60, MHD_OPTION_END);
    freeaddrinfo(ai);
    if (!devsim_httpd.daemon) return -1;
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(devsim_httpd.daemon, MHD_DAEMON_INFO_BIND_PORT);
    *bound = info ? info->port : port;
    return 0;
}

void devsim_http_stop(void)
{
    if (devsim_httpd.daemon) MHD_stop_daemon(devsim_httpd.daemon);
    devsim_httpd.daemon = NULL;
}
