/* pipeline: see pipeline.h for the steps. Each step is a function that answers and returns 0
 * when the request stops there, 1 when it goes on; pipeline_dispatch runs them in order. */
#include "pipeline.h"

#include <string.h>

#include "arena.h"
#include "config.h"
#include "text.h"
#include "csrf.h"
#include "http.h"
#include "input.h"
#include "log.h"
#include "mfa.h"
#include "page.h"
#include "router.h"
#include "session.h"
#include "websession.h"

static const struct route *table;
static size_t table_n;

void pipeline_init(const struct route *t, size_t n)
{
    table = t;
    table_n = n;
}

static const struct route *step_route(struct req *r)
{
    int wrong_method = 0;
    const struct route *rt = router_match(table, table_n, r->method, r->path, &wrong_method);
    if (!rt) {
        page_error(r, wrong_method ? 405 : 404, wrong_method ? "error.method" : "error.notfound");
        return NULL;
    }
    r->cacheable = (rt->flags & R_NOSTORE_OFF) != 0;
    r->route = rt->path;
    return rt;
}

static int step_csrf(struct req *r, unsigned fl)
{
    if (strcmp(r->method, "POST") || (fl & R_NOCSRF) || csrf_check(r)) return 1;
    log_info("pipeline: CSRF check failed for %s", r->path);
    page_error(r, 403, "error.csrf");
    return 0;
}

static int step_session(struct req *r, unsigned fl)
{
    if (!(fl & (R_PAGE_AUTH | R_API_AUTH | R_SESSION | R_RECENT))) return 1;
    if (websession_load(r) != 0) {
        page_error(r, 503, "error.unavailable");
        return 0;
    }
    if (r->sess) return 1;
    if (fl & R_API_AUTH) {
        resp_json(r, 401, "{\"error\":\"unauthenticated\"}");
        return 0;
    }
    if (!(fl & (R_PAGE_AUTH | R_RECENT))) return 1;
    resp_redirect(r, !strcmp(r->method, "GET")
                         ? arena_printf(r->a, "/login?next=%s", text_urlencode(r->a, r->path))
                         : "/login");
    return 0;
}

/* require_2fa: a session of an account without a second factor reaches only the set-up and
 * what it needs (R_SETUP routes) until it has one; pages go to the set-up, APIs answer 403. */
static int step_setup(struct req *r, unsigned fl)
{
    if (!cfg->require_2fa || !r->sess || (fl & R_SETUP) ||
        !(fl & (R_PAGE_AUTH | R_API_AUTH | R_RECENT)))
        return 1;
    if (!mfa_session_setup_due(r->sess)) return 1;
    if (fl & R_API_AUTH)
        resp_json(r, 403, "{\"error\":\"mfa_setup_required\"}");
    else
        resp_redirect(r, "/settings/security?setup=1");
    return 0;
}

/* The page a refused request leads back to: the form's own page (the nearest GET route at
 * or above the path: /settings/email → /settings), or home. */
static const char *back_to(struct req *r)
{
    char *p = arena_strdup(r->a, r->path);
    int wrong = 0;
    for (char *slash; *p; *slash = 0) {
        if (router_match(table, table_n, "GET", p, &wrong)) return p;
        slash = strrchr(p, '/');
        if (!slash || slash == p) break;
    }
    return "/";
}

/* Recent: within reauth_window, and with a factor when the account has one (mfa.h). A form
 * posted too late comes back to its page after the confirmation (a POST route has no GET). */
static int step_recent(struct req *r, unsigned fl)
{
    if (!(fl & R_RECENT)) return 1;
    int ok = mfa_recent_enough(r->sess);
    if (ok > 0) return 1;
    if (ok < 0)
        page_error(r, 503, "error.unavailable");
    else
        page_reauth(r, strcmp(r->method, "GET") ? back_to(r) : r->path);
    return 0;
}

/* Bad bytes or an ambiguous length: 400 with the field's message, before any handler. */
static int step_input(struct req *r)
{
    struct input_fault f;
    if ((r->head ? input_check_head(r, &f) : input_check_body(r, &f)) == INPUT_OK) return 1;
    if (f.part == INPUT_PATH) r->path = text_clean_line(r->a, r->path, 512); /* for the logs */
    log_info("pipeline: %s %s refused: bad input (%d) in \"%s\"", r->method, r->path, (int)f.part,
             f.name);
    input_refuse(r, &f, f.part == INPUT_FORM || f.part == INPUT_BODY ? back_to(r) : "/");
    return 0;
}

void pipeline_dispatch(struct req *r)
{
    if (r->head) {
        /* the headers only: refuse now what the body cannot change */
        if (!r->too_large)
            step_input(r);
        else
            page_error(r, 413, "error.too_large");
        return;
    }
    if (r->too_large) {
        page_error(r, 413, "error.too_large");
        return;
    }
    if (!step_input(r)) return;
    const struct route *rt = step_route(r);
    if (!rt || !step_csrf(r, rt->flags) || !step_session(r, rt->flags) ||
        !step_setup(r, rt->flags) || !step_recent(r, rt->flags))
        return;
    rt->fn(r);
    if (!r->responded) {
        log_warnx("pipeline: handler for %s %s gave no response", r->method, r->path);
        page_error(r, 500, "error.internal");
    }
}
