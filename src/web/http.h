/* http: the libmicrohttpd glue, transport only. It owns the daemon, turns each request into a
 * `struct req` with its own arena, reads forms with libmicrohttpd's post processor and cookies
 * with its lookup API, enforces body/time/connection limits, adds the security headers, and
 * queues the response only once the request is complete (queuing earlier makes libmicrohttpd
 * close keep-alive connections). What a request means is the application's: http_start takes
 * its dispatch function (the pipeline, pipeline.h). Handlers answer through resp_* below.
 *
 * Request life: first access-handler call → req_new (arena, id, client address, language),
 * then dispatch with r->head set: the headers are in, the body is not read, and an answer now
 * refuses the request (too large, ambiguous framing, bad bytes in the head); upload calls →
 * form fields or raw body (bounded by max_body); last call → dispatch (r->head clear), which
 * must answer; completion callback → access log, arena freed. A body declared or found larger
 * than max_body is not kept: dispatch is called with r->too_large set (answer 413). */
#ifndef DAOID_HTTP_H
#define DAOID_HTTP_H

#include <stddef.h>
#include <stdint.h>

struct arena;
struct session;

struct kv {
    struct kv *next;
    const char *key;
    const char *val;
    size_t len; /* of val as received: a NUL inside it hides the rest from C strings */
};

struct req {
    struct arena *a; /* everything below lives here */
    void *conn;      /* struct MHD_Connection * */
    const char *method;
    const char *path;     /* percent-decoded, without the query */
    const char *route;    /* the matched route's pattern (metrics, access log), or NULL */
    const char *id;       /* request id, in logs and X-Request-Id */
    const char *ip;       /* client address (behind trusted proxies: from X-Forwarded-For) */
    const char *lang;     /* "zh-CN" or "en" */
    int cacheable;        /* set by the application: no Cache-Control: no-store (static files) */
    struct session *sess; /* the signed-in session, or NULL (websession.h loads it) */
    int sess_loaded;
    const char *csrf_cookie; /* the CSRF cookie this response sets (csrf.h), or NULL */

    void *pp; /* struct MHD_PostProcessor * */
    struct kv *form;
    char *body; /* raw body when it is not a form */
    size_t body_len;
    int too_large;
    /* set before dispatch when the request must be refused whatever its route (400): its
     * framing is ambiguous (two Content-Length values, Transfer-Encoding with Content-Length)
     * or its decoded path or query holds a control byte (%00 …). input.h reads them. */
    int bad_framing;
    int bad_escape;
    int head;                       /* dispatch before the body: answer only to refuse */
    int from_proxy;                 /* the peer is in trusted_proxies */
    void (*dispatch)(struct req *); /* the listener's application */

    struct kv *out_headers; /* extra response headers, Set-Cookie among them */
    int status;
    int responded;
    int64_t t0_us;
};

/* The application's answer to a request: called with r->head set once the headers are in
 * (it may answer to refuse the request, or send nothing), then, unless it answered, once the
 * request is complete (or refused: r->too_large): that call must send exactly one response;
 * http sends a plain 500 when it sends none. */
typedef void (*http_dispatch_fn)(struct req *r);

/* Starts the daemon on cfg->listen with cfg->threads workers; every request goes to app.
 * 0 or -1. */
int http_start(http_dispatch_fn app);
void http_stop(void);
/* SIGTERM: stops accepting connections and waits until every request under way has been
 * answered, at most timeout_s seconds (logged); http_stop then ends the daemon. */
void http_drain(int64_t timeout_s);
/* The port actually bound (for tests that listen on port 0). */
int http_port(void);
/* A second listener (metrics_listen) whose every request goes to app; one thread. 0 or -1.
 * http_stop stops it too. */
int http_start_side(const char *listen, http_dispatch_fn app);
/* 1 when r came from a peer in trusted_proxies (its X-Forwarded-For, X-Request-Id believed). */
int req_from_proxy(struct req *r);

/* Request input; all NULL when absent. */
const char *req_arg(struct req *r, const char *name);    /* query string */
const char *req_form(struct req *r, const char *name);   /* POST form field */
const char *req_cookie(struct req *r, const char *name); /* name without the __Host- prefix */
const char *req_header(struct req *r, const char *name);
/* The User-Agent header cleaned for storing and showing (valid UTF-8, no control characters,
 * at most 256 bytes: text_clean_line), in r->a; NULL when absent. */
const char *req_user_agent(struct req *r);

/* Every value of one kind as received, with its length (a C string stops at a NUL the value
 * may hold). fn's nonzero stops the walk and is returned; 0 when all were seen. */
enum req_kind { REQ_QUERY, REQ_HEADER, REQ_COOKIE, REQ_FORM };
typedef int (*req_each_fn)(void *cls, enum req_kind kind, const char *key, const char *val,
                           size_t len);
int req_each(struct req *r, enum req_kind kind, req_each_fn fn, void *cls);

/* Every value of a repeated query parameter (?scope=a&scope=b): up to max into out[], in
 * order; returns how many there are (may exceed max). */
int req_arg_all(struct req *r, const char *name, const char **out, int max);

/* Response. Every response carries the security headers; dynamic ones also no-store. */
void resp_header(struct req *r, const char *name, const char *value); /* copied */
/* Set-Cookie with the configured prefix, Path=/, HttpOnly, SameSite=Lax, Secure on https.
 * max_age < 0 deletes the cookie, 0 makes a browser-session cookie. */
void resp_cookie(struct req *r, const char *name, const char *value, long max_age);
/* body must live in r->a (or static memory) until the request completes. */
void resp_send(struct req *r, int status, const char *content_type, const char *body, size_t len);
void resp_redirect(struct req *r, const char *location); /* 303 See Other */
/* JSON text already serialized by the caller (in r->a or static). */
void resp_json(struct req *r, int status, const char *json);

/* 1 when path is a same-origin relative path safe to redirect to (for next= parameters):
 * starts with one '/', no '//' or '/\', no scheme, no control characters or backslashes. */
int http_safe_next(const char *path);

#endif
