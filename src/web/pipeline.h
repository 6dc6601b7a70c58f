/* pipeline: what the application does with a request http hands over (http_start's dispatch).
 * The steps, in this order, each of which may answer and stop:
 *   0. refused body (r->too_large)   → 413; bad input (input.h: a NUL or other control byte,
 *      invalid UTF-8, an ambiguous length) → 400 with the field's message. The head (path,
 *      query, headers, cookies, framing) is checked when the headers are in (r->head), before
 *      the body is read; the form or body once it is complete.
 *   1. route (router.h)              → 404, or 405 when the path exists with another method
 *   2. CSRF on POST (csrf.h), unless the route has R_NOCSRF → 403
 *   3. session (websession.h) when the route has R_PAGE_AUTH, R_API_AUTH, R_SESSION or
 *      R_RECENT: a store failure → 503; none with R_API_AUTH → 401 JSON; none with
 *      R_PAGE_AUTH or R_RECENT → redirect to /login?next=PATH (GET) or /login
 *   4. require_2fa (mfa.h): a signed-in account without a second factor on a signed-in route
 *      without R_SETUP → redirect to /settings/security?setup=1 (403 JSON for R_API_AUTH);
 *      what the session read with its account says (session.h's has_factor), no query
 *   5. signed in recently (R_RECENT): a sign-in older than reauth_window, or one without a
 *      factor when the account has one → redirect to /reauth?next=PATH
 *   6. the route's handler
 *   7. error page: a handler that sent no response → 500
 * The route table is the application's (handlers/routes.c), given once by pipeline_init. */
#ifndef DAOID_PIPELINE_H
#define DAOID_PIPELINE_H

#include <stddef.h>

struct req;
struct route;

/* Uses table (n routes, static storage) for every request from now on. Call before
 * http_start. */
void pipeline_init(const struct route *table, size_t n);
/* Answers r through the steps above (an http_dispatch_fn). */
void pipeline_dispatch(struct req *r);
#endif
