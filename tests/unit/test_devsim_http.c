/* Unit tests of devsim_route_find, how the simulator picks a route from the parts' tables:
 * literal, "*" and "**" segments, the most specific match first, method lists, and the answer
 * 405 for a path known only for other methods. */
#include <criterion/criterion.h>
#include <string.h>

#include "devsim_http.h"

static void nop(const struct devsim_req *req, struct devsim_resp *resp)
{
    (void)req;
    (void)resp;
}

/* Each route's arg is its number, so that a test can tell which one was chosen; the order puts
 * the general routes first on purpose (specificity, not order, decides). */
static const struct devsim_route routes[] = {
    {NULL, "/mail/**", nop, 1},
    {"GET HEAD", "/mail/*", nop, 2},
    {"GET HEAD", "/mail/*/raw", nop, 3},
    {"GET HEAD", "/mail", nop, 4},
    {"GET HEAD", "/mail/", nop, 5},
    {"GET", "/mail/api/messages", nop, 6},
    {"DELETE", "/mail/api/messages", nop, 7},
    {NULL, "/cgi-bin/**", nop, 8},
    {"POST", "/cgi-bin/stable_token", nop, 9},
    {"POST", "/_ctl/oauth", nop, 10},
    {"GET", "/_ctl/oauth", nop, 11},
    {NULL, "/healthz", nop, 12},
};

/* A request and what must come of it: the arg of the route chosen (0: none), the wildcard's
 * match (NULL: not checked) and whether the path is known for other methods (405). */
struct pick_case {
    const char *method, *path;
    int arg;
    const char *wild;
    int other;
};

static void expect_picks(const struct pick_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++, c++) {
        struct devsim_req req = {.method = c->method, .path = c->path, .body = "", .wild = ""};
        int other = -1;
        const struct devsim_route *r =
            devsim_route_find(routes, sizeof(routes) / sizeof(routes[0]), &req, &other);
        cr_expect_eq(r ? r->arg : 0, c->arg, "%s %s: route %d", c->method, c->path, c->arg);
        if (c->wild)
            cr_expect(strlen(c->wild) == req.wild_len && !strncmp(req.wild, c->wild, req.wild_len),
                      "%s %s: wildcard %s", c->method, c->path, c->wild);
        if (!r) cr_expect_eq(other, c->other, "%s %s: 405 %d", c->method, c->path, c->other);
    }
}

Test(devsim_route, literal_beats_star_beats_double_star)
{
    static const struct pick_case cases[] = {
        {"GET", "/mail", 4, NULL, 0},
        {"GET", "/mail/", 5, NULL, 0},
        {"GET", "/mail/42", 2, "42", 0},
        {"GET", "/mail/42/raw", 3, "42", 0},
        {"GET", "/mail/api/messages", 6, NULL, 0},
        {"GET", "/mail/42/other", 1, "42/other", 0},
    };
    expect_picks(cases, sizeof(cases) / sizeof(cases[0]));
}

Test(devsim_route, double_star_takes_zero_or_more_segments)
{
    static const struct pick_case cases[] = {
        {"GET", "/cgi-bin", 8, "", 0},
        {"GET", "/cgi-bin/", 8, "", 0},
        {"PUT", "/cgi-bin/a/b/c", 8, "a/b/c", 0},
        {"GET", "/cgi-binx", 0, NULL, 0},
    };
    expect_picks(cases, sizeof(cases) / sizeof(cases[0]));
}

Test(devsim_route, method_lists_and_other_methods)
{
    static const struct pick_case cases[] = {
        {"HEAD", "/mail/7", 2, "7", 0},
        {"DELETE", "/mail/api/messages", 7, NULL, 0},
        {"POST", "/_ctl/oauth", 10, NULL, 0},
        {"GET", "/_ctl/oauth", 11, NULL, 0},
        /* a method the path has no route for: none, but the path is known (405) */
        {"PUT", "/_ctl/oauth", 0, NULL, 1},
        /* a route for any method under a more specific one for another method: it answers */
        {"GET", "/cgi-bin/stable_token", 8, "stable_token", 0},
        {"POST", "/cgi-bin/stable_token", 9, NULL, 0},
        /* no route has the path at all */
        {"GET", "/nowhere", 0, NULL, 0},
        {"GET", "/healthz/x", 0, NULL, 0},
        {"GET", "/", 0, NULL, 0},
        {"GET", "//", 0, NULL, 0},
    };
    expect_picks(cases, sizeof(cases) / sizeof(cases[0]));
}

Test(devsim_route, star_needs_a_non_empty_segment)
{
    /* "/mail/" has a literal route of its own; without one, "*" does not take "" */
    static const struct devsim_route only_star[] = {{NULL, "/q/*", nop, 1}};
    struct devsim_req req = {.method = "GET", .path = "/q/", .body = "", .wild = ""};
    int other;
    cr_expect_null(devsim_route_find(only_star, 1, &req, &other));
    req.path = "/q/abc";
    cr_expect_not_null(devsim_route_find(only_star, 1, &req, &other));
}
