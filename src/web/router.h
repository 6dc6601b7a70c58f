/* router: the route table's shape and its matching (exact paths, then prefixes). The table
 * itself is in handlers/routes.c, one line per route: method, path, handler, flags; the
 * pipeline (pipeline.h) enforces the flags. */
#ifndef DAOID_ROUTER_H
#define DAOID_ROUTER_H

#include <stddef.h>

struct req;
typedef void (*handler_fn)(struct req *r);

enum route_flag {
    R_PREFIX = 1 << 0,      /* path is a prefix ("/static/") */
    R_PAGE_AUTH = 1 << 1,   /* needs a session; without one, redirect to /login?next=… */
    R_API_AUTH = 1 << 2,    /* needs a session; without one, 401 {"error":"unauthenticated"} */
    R_NOCSRF = 1 << 3,      /* POST without CSRF check (signed machine callbacks only) */
    R_SESSION = 1 << 4,     /* load the session when there is one (pages that adapt to it) */
    R_NOSTORE_OFF = 1 << 5, /* cacheable (static files): no Cache-Control: no-store */
    /* signed in recently (within reauth_window): otherwise redirect to /reauth?next=PATH.
     * Implies R_PAGE_AUTH. */
    R_RECENT = 1 << 6,
    /* reachable while require_2fa's set-up is due (the set-up, re-authentication); other
     * signed-in routes send such a session to /settings/security?setup=1 (pipeline.c) */
    R_SETUP = 1 << 7,
};

struct route {
    const char *method; /* "GET" (also serves HEAD) or "POST" */
    const char *path;
    handler_fn fn;
    unsigned flags;
};

/* The route for method and path, or NULL. *wrong_method is set when the path exists
 * with another method (answer 405). */
const struct route *router_match(const struct route *table, size_t n, const char *method,
                                 const char *path, int *wrong_method);

#endif
