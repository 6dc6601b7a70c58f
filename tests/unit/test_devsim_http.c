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

/* The arg of the route chosen for method and path (0: none), with the wildcard's match in
 * wild[64] and the 405 flag in *other. */
static int pick(const char *method, const char *path, char *wild, int *other)
{
    struct devsim_req req = {.method = method, .path = path, .body = "", .wild = ""};
    const struct devsim_route *r =
        devsim_route_find(routes, sizeof(routes) / sizeof(routes[0]), &req, other);
    snprintf(wild, 64, "%.*s", (int)req.wild_len, req.wild);
    return r ? r->arg : 0;
}

Test(devsim_route, literal_beats_star_beats_double_star)
{
    char w[64];
    int other;
    cr_expect_eq(pick("GET", "/mail", w, &other), 4);
    cr_expect_eq(pick("GET", "/mail/", w, &other), 5);
    cr_expect_eq(pick("GET", "/mail/42", w, &other), 2);
    cr_expect_str_eq(w, "42");
    cr_expect_eq(pick("GET", "/mail/42/raw", w, &other), 3);
    cr_expect_str_eq(w, "42");
    cr_expect_eq(pick("GET", "/mail/api/messages", w, &other), 6);
    cr_expect_eq(pick("GET", "/mail/42/other", w, &other), 1);
    cr_expect_str_eq(w, "42/other");
}

Test(devsim_route, double_star_takes_zero_or_more_segments)
{
    char w[64];
    int other;
    cr_expect_eq(pick("GET", "/cgi-bin", w, &other), 8);
    cr_expect_str_eq(w, "");
    cr_expect_eq(pick("GET", "/cgi-bin/", w, &other), 8);
    cr_expect_eq(pick("PUT", "/cgi-bin/a/b/c", w, &other), 8);
    cr_expect_str_eq(w, "a/b/c");
    cr_expect_eq(pick("GET", "/cgi-binx", w, &other), 0);
}

Test(devsim_route, method_lists_and_other_methods)
{
    char w[64];
    int other;
    cr_expect_eq(pick("HEAD", "/mail/7", w, &other), 2);
    cr_expect_eq(pick("DELETE", "/mail/api/messages", w, &other), 7);
    cr_expect_eq(pick("POST", "/_ctl/oauth", w, &other), 10);
    cr_expect_eq(pick("GET", "/_ctl/oauth", w, &other), 11);
    /* a method the path has no route for: none, but the path is known (405) */
    cr_expect_eq(pick("PUT", "/_ctl/oauth", w, &other), 0);
    cr_expect_eq(other, 1);
    /* a route for any method under a more specific one for another method: it answers */
    cr_expect_eq(pick("GET", "/cgi-bin/stable_token", w, &other), 8);
    cr_expect_eq(pick("POST", "/cgi-bin/stable_token", w, &other), 9);
    /* no route has the path at all */
    cr_expect_eq(pick("GET", "/nowhere", w, &other), 0);
    cr_expect_eq(other, 0);
    cr_expect_eq(pick("GET", "/healthz/x", w, &other), 0);
    cr_expect_eq(pick("GET", "/", w, &other), 0);
}

Test(devsim_route, star_needs_a_non_empty_segment)
{
    char w[64];
    int other;
    /* "/mail/" is a literal route of its own; without it "*" would not take "" */
    static const struct devsim_route only_star[] = {{NULL, "/q/*", nop, 1}};
    struct devsim_req req = {.method = "GET", .path = "/q/", .body = "", .wild = ""};
    cr_expect_null(devsim_route_find(only_star, 1, &req, &other));
    req.path = "/q/abc";
    cr_expect_not_null(devsim_route_find(only_star, 1, &req, &other));
    cr_expect_eq(pick("GET", "//", w, &other), 0);
}
