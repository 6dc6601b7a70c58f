/* devsim: declarations shared by the simulator's modules: HTTP routes and request/reply
 * helpers, and the interfaces of the SMTP server and the mail inbox. */
#ifndef DEVSIM_H
#define DEVSIM_H

#include <jansson.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

#include "devsim_mail.h"

/* ---- HTTP routing ---- */

/* A request as a handler sees it; everything lives until the handler returns. */
struct devsim_req {
    struct MHD_Connection *conn;
    const char *method; /* "GET", "POST", ... */
    const char *path;   /* URL path, without the query string */
    const char *rest;   /* path after the route prefix: "" or starting with '/' */
    const char *body;   /* request body, NUL-terminated, "" when there is none */
    size_t body_len;
};

/* The reply a handler fills in; it starts as an empty 404. */
struct devsim_resp {
    unsigned status;
    const char *ctype; /* static string */
    char *body;        /* malloc'd, owned by the reply; NULL for no body */
    size_t len;
};

typedef void (*devsim_handler)(const struct devsim_req *req, struct devsim_resp *resp);

/* Requests whose path is prefix, or prefix followed by '/', go to fn; the longest matching
 * prefix wins. Each module exports an array of routes ending with {NULL, NULL}, and main
 * registers it. */
struct devsim_route {
    const char *prefix;
    devsim_handler fn;
};

/* A query-string argument, decoded, owned by libmicrohttpd; NULL when absent. */
static inline const char *devsim_query(const struct devsim_req *req, const char *key)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, key);
}

/* Sets the reply to buf[0..len); takes ownership of buf (malloc'd, may be NULL). */
static inline void devsim_reply_take(struct devsim_resp *r, unsigned status, const char *ctype,
                                     char *buf, size_t len)
{
    free(r->body);
    r->status = status;
    r->ctype = ctype;
    r->body = buf;
    r->len = buf ? len : 0;
}

/* Sets the reply to a copy of the string s. */
static inline void devsim_reply(struct devsim_resp *r, unsigned status, const char *ctype,
                                const char *s)
{
    devsim_reply_take(r, status, ctype, strdup(s), strlen(s));
}

/* Sets the reply to j serialized as JSON; steals the reference to j. */
static inline void devsim_reply_json(struct devsim_resp *r, unsigned status, json_t *j)
{
    char *s = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref(j);
    if (!s) {
        devsim_reply(r, 500, "text/plain; charset=utf-8", "cannot encode JSON\n");
        return;
    }
    devsim_reply_take(r, status, "application/json", s, strlen(s));
}

/* Sets the reply to {"error": msg}. */
static inline void devsim_reply_error(struct devsim_resp *r, unsigned status, const char *msg)
{
    devsim_reply_json(r, status, json_pack("{s:s}", "error", msg));
}

/* ---- SMTP server (devsim_smtp.c) ---- */

enum dsmtp_mode { DSMTP_UP, DSMTP_DOWN, DSMTP_TEMPFAIL, DSMTP_PERMFAIL };

struct dsmtp_stats {
    enum dsmtp_mode mode;
    unsigned long long accepted; /* messages stored */
    unsigned long long refused;  /* commands or messages refused (fault modes, size) */
};

/* Listens on addr:port (port 0 picks a free one) and serves SMTP from a thread; accepted
 * messages go to st, which must outlive dsmtp_stop(). Returns 0, or -1 with errno set. */
int dsmtp_start(const char *addr, int port, struct dm_store *st);
/* The port listened on (the real one when 0 was asked for). */
int dsmtp_port(void);
/* Stops listening, ends every connection and joins all threads. Safe to call twice. */
void dsmtp_stop(void);
/* Switches the fault mode; returns once the listening socket matches it. Returns -1 when
 * listening again failed (the mode is then "down"). */
int dsmtp_set_mode(enum dsmtp_mode m);
void dsmtp_get_stats(struct dsmtp_stats *out);
/* "up", "down", "tempfail", "permfail" (static strings). */
const char *dsmtp_mode_name(enum dsmtp_mode m);
/* The mode named s, or -1. */
int dsmtp_mode_parse(const char *s);

/* ---- mail inbox and control (devsim_inbox.c) ---- */

/* Serves messages from st, which must outlive the HTTP server. */
void dinbox_init(struct dm_store *st);
/* /mail..., /_ctl/smtp */
extern const struct devsim_route dinbox_routes[];

#endif
