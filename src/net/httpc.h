/* httpc: the one outbound HTTP client (libcurl), used by the OAuth2 client and the WeChat API.
 * Every call has one deadline for the whole exchange (and a connect timeout within it), a cap
 * on the answer's size, the User-Agent "daoid/VERSION", no redirects, and http/https only.
 * A call is named for logs by its caller ("oauth2: github token"): its URL never reaches a log,
 * as it may carry a secret or a token in its query. Each call is its own easy handle, so calls
 * run on any thread at once; the program calls curl_global_init() before the first.
 * Memory: the answer lives in the caller's arena. */
#ifndef DAOID_HTTPC_H
#define DAOID_HTTPC_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct arena;

#define HTTPC_MAX_BODY   (1024 * 1024) /* the default cap on an answer's body */
#define HTTPC_CONNECT_MS 5000          /* connecting takes at most this (and the deadline) */

enum httpc_rc {
    HTTPC_OK,          /* an answer arrived, whatever its HTTP status */
    HTTPC_TIMEOUT,     /* no complete answer before the deadline */
    HTTPC_UNREACHABLE, /* no connection (refused, DNS, TLS), or not an http(s) URL */
    HTTPC_TOO_BIG,     /* the body was longer than the cap */
};

struct httpc_req {
    const char *name; /* the call in logs, e.g. "wechat: cgi-bin/token"; never the URL */
    const char *url;
    const char *body;            /* POSTed as it is; NULL: GET */
    const char *method;          /* another method ("DELETE"), or NULL */
    const char *const *headers;  /* "Name: value" lines, NULL-terminated; may be NULL */
    const char *user, *password; /* HTTP Basic credentials, or NULL */
    int64_t deadline_us;         /* clock_mono_us() time by which the whole call ends */
    size_t max_body;             /* 0: HTTPC_MAX_BODY */
};

struct httpc_resp {
    long status;
    char *body; /* NUL-terminated (for reading), in the arena; "" when empty */
    size_t len;
    char *link; /* the Link header (pagination), or NULL */
};

/* Runs one call; failures other than HTTPC_OK are logged under req->name. out is filled as far
 * as the answer went. */
enum httpc_rc httpc_call(struct arena *a, const struct httpc_req *req, struct httpc_resp *out);
/* The clock_mono_us() time seconds from now: a deadline. */
int64_t httpc_deadline(int64_t seconds);
/* body as JSON (a new reference), or NULL when body is NULL or not JSON. len: body's length
 * (body need not be NUL-terminated). */
json_t *httpc_json(const char *body, size_t len);
/* "ok", "timeout", "unreachable", "too big" (static), for logs. */
const char *httpc_rc_name(enum httpc_rc rc);

#endif
