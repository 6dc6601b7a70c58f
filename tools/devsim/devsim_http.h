/* devsim_http: the simulator's HTTP layer, which every part uses and which uses no other part:
 * a request and the reply a handler fills in, the reply helpers, route tables and how a path
 * picks its route, and the libmicrohttpd server (a thread per connection) that hands each
 * request to the application's dispatch function. */
#ifndef DEVSIM_HTTP_H
#define DEVSIM_HTTP_H

#include <jansson.h>
#include <stddef.h>

struct MHD_Connection;

/* A request as a handler sees it; everything lives until the handler returns. */
struct devsim_req {
    struct MHD_Connection *conn;
    const char *method; /* "GET", "POST", ... */
    const char *path;   /* URL path (percent-decoded), without the query string */
    const char *body;   /* request body, NUL-terminated, "" when there is none */
    size_t body_len;
    /* set by the route that matched: */
    const char *wild; /* where the first wildcard of its path matched in path ("" if none) */
    size_t wild_len;  /* how long that match is */
    int arg;          /* the route's arg */
};

/* The reply a handler fills in; it starts as an empty 404 (answered "not found"). */
struct devsim_resp {
    unsigned status;
    const char *ctype; /* static string */
    char *body;        /* malloc'd, owned by the reply; NULL for no body */
    size_t len;
    char *location; /* malloc'd Location header (redirects), owned by the reply; or NULL */
    char *link;     /* malloc'd Link header (pagination), owned by the reply; or NULL */
};

typedef void (*devsim_handler)(const struct devsim_req *req, struct devsim_resp *resp);

/* One route of a part's table; a table ends with an entry whose path is NULL ({NULL}).
 * method: NULL for any, else the methods separated by spaces ("GET HEAD").
 * path: segments separated by '/': a literal, "*" (any one non-empty segment) or, as the last
 * one, "**" (the rest of the path: zero or more segments).
 * Of the routes that match a request's method and path, the most specific wins: compared
 * segment by segment, a literal (or the path's end) beats "*", which beats "**"; then a route
 * naming the method beats one for any method; then the earlier one. */
struct devsim_route {
    const char *method;
    const char *path;
    devsim_handler fn;
    int arg; /* handed to fn as req->arg (e.g. which provider) */
};

/* The route of routes[0..n) for req (filling req->wild, wild_len and arg), or NULL; then
 * *other_method says whether a route has req's path for other methods (an answer 405). */
const struct devsim_route *devsim_route_find(const struct devsim_route *routes, size_t n,
                                             struct devsim_req *req, int *other_method);

/* Answers one request: fills resp (left untouched, the answer is 404 "not found"). */
typedef void (*devsim_dispatch_fn)(struct devsim_req *req, struct devsim_resp *resp);

/* Starts serving HTTP on the numeric address addr:port (0 picks a free port); *bound gets the
 * real port. Requests go to dispatch, from one thread per connection. 0, or -1. */
int devsim_http_start(const char *addr, int port, devsim_dispatch_fn dispatch, int *bound);
/* Stops the server (waiting for the requests in progress). Safe to call when not started. */
void devsim_http_stop(void);

/* ---- request ---- */

/* A query-string argument (decoded) or a request header; NULL when absent. The string lives
 * as long as the request. */
const char *devsim_query(const struct devsim_req *req, const char *key);
const char *devsim_header(const struct devsim_req *req, const char *name);
/* The request body as a JSON object (a new reference), or NULL after replying 400. */
json_t *devsim_json_object(const struct devsim_req *req, struct devsim_resp *resp);
/* Calls fn with the request body when it is a JSON object (borrowed for the call), or
 * replies 400. */
typedef void (*devsim_json_handler)(json_t *body, struct devsim_resp *resp);
void devsim_with_json(const struct devsim_req *req, struct devsim_resp *resp,
                      devsim_json_handler fn);

/* ---- reply ---- */

/* Sets the reply to buf[0..len); takes ownership of buf (malloc'd, may be NULL). */
void devsim_reply_take(struct devsim_resp *r, unsigned status, const char *ctype, char *buf,
                       size_t len);
/* Sets the reply to a copy of the string s. */
void devsim_reply(struct devsim_resp *r, unsigned status, const char *ctype, const char *s);
/* Sets the reply to j serialized as JSON; steals the reference to j. */
void devsim_reply_json(struct devsim_resp *r, unsigned status, json_t *j);
/* Sets the reply to {"error": msg}. */
void devsim_reply_error(struct devsim_resp *r, unsigned status, const char *msg);
/* A redirect (status 302 or 303) to location, which the reply takes (malloc'd). */
void devsim_redirect_take(struct devsim_resp *r, unsigned status, char *location);

#define DEVSIM_TEXT "text/plain; charset=utf-8"
#define DEVSIM_HTML "text/html; charset=utf-8"

#endif
