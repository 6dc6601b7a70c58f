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
    char *location; /* malloc'd Location header (redirects), owned by the reply; or NULL */
    char *link;     /* malloc'd Link header (pagination), owned by the reply; or NULL */
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

/* ---- fake GitHub, Bitbucket and Coding (devsim_oauth.c) ---- */

/* Sets up the test users; callback_base (daoid's public URL, or NULL) gives the registered
 * redirect URIs {base}/auth/{provider}/callback, which /_ctl/oauth/apps can change. */
void doauth_init(const char *callback_base);
/* Ends slow answers still waiting (before the HTTP server stops). */
void doauth_stop(void);
void doauth_free(void);
/* /github, /bitbucket, /coding, /_ctl/oauth */
extern const struct devsim_route doauth_routes[];

/* The test user behind req's bearer token at provider ("github", "bitbucket", "coding"),
 * checked as for devsim_oauth.c's own APIs (GitHub's User-Agent, the fault mode, the token
 * and its expiry): 0 with *login and *scope (the granted scope, words separated by spaces;
 * both malloc'd), or -1 after replying as the provider would. */
int doauth_api_user(const struct devsim_req *req, const char *provider, struct devsim_resp *resp,
                    char **login, char **scope);

/* ---- the fake providers' repositories (devsim_repos.c) ---- */

/* Coding's open-api actions other than the user's: 1 when action is one (the reply is made),
 * 0 when it is unknown. body: the request's JSON (may be NULL). */
int drepos_coding(const struct devsim_req *req, const char *action, json_t *body,
                  struct devsim_resp *resp);
void drepos_free(void);
/* /github/api/user/repos, /bitbucket/api/2.0/repositories, /_ctl/repos */
extern const struct devsim_route drepos_routes[];

/* ---- fake WeChat official account (devsim_wechat.c) ---- */

/* The service account daoid's config for the simulator names (see config/local.ini). */
#define DWECHAT_APPID   "wx5d3e1c0b2a9f8e7d"
#define DWECHAT_SECRET  "devsim-wechat-secret"
#define DWECHAT_TOKEN   "devsimtoken"
#define DWECHAT_AES_KEY "DevsimWeChatEncodingAESKey0123456789abcdefg"

/* Takes the option --wechat-NAME at argv[*i] (appid, secret, token, aes-key, callback: daoid's
 * /wechat/callback URL, mode: plain|safe|compat), as "--wechat-NAME value" or
 * "--wechat-NAME=value"; advances *i past a separate value. 0, or -1 when unknown or invalid. */
int dwechat_option(int argc, char **argv, int *i);
void dwechat_init(void);
void dwechat_free(void);
/* /cgi-bin (the API), /wechat (the phone), /_ctl/wechat */
extern const struct devsim_route dwechat_routes[];

#endif
