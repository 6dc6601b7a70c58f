/* Unit tests of router_match over its own table: exact, prefix, HEAD, wrong method, unknown. */
#include "router.h"

#include <criterion/criterion.h>
#include <stddef.h>

static void h_root(struct req *r)
{
    (void)r;
}
static void h_login_get(struct req *r)
{
    (void)r;
}
static void h_login_post(struct req *r)
{
    (void)r;
}
static void h_static(struct req *r)
{
    (void)r;
}
static void h_static_img(struct req *r)
{
    (void)r;
}
static void h_static_exact(struct req *r)
{
    (void)r;
}
static void h_api_post(struct req *r)
{
    (void)r;
}
static void h_api_me(struct req *r)
{
    (void)r;
}

/* the shorter prefix and an exact path under it come after the longer prefix on purpose */
static const struct route table[] = {
    {"GET", "/", h_root, 0},
    {"GET", "/login", h_login_get, R_SESSION},
    {"POST", "/login", h_login_post, 0},
    {"GET", "/static/img/", h_static_img, R_PREFIX},
    {"GET", "/static/", h_static, R_PREFIX | R_NOSTORE_OFF},
    {"GET", "/static/exact.txt", h_static_exact, 0},
    {"POST", "/api/", h_api_post, R_PREFIX | R_NOCSRF},
    {"GET", "/api/me", h_api_me, R_API_AUTH},
};
static const size_t n_table = sizeof(table) / sizeof(table[0]);

static const struct route *match(const char *method, const char *path, int *wrong)
{
    *wrong = -1;
    return router_match(table, n_table, method, path, wrong);
}

static handler_fn fn_of(const char *method, const char *path)
{
    int wrong;
    const struct route *r = match(method, path, &wrong);
    cr_assert_not_null(r, "%s %s: no route", method, path);
    return r->fn;
}

Test(router, exact_match)
{
    cr_assert_eq(fn_of("GET", "/"), h_root);
    cr_assert_eq(fn_of("GET", "/login"), h_login_get);
    cr_assert_eq(fn_of("POST", "/login"), h_login_post);
    int wrong;
    const struct route *r = match("GET", "/login", &wrong);
    cr_assert_eq(r, &table[1]);
    cr_assert_eq(r->flags, R_SESSION);
    cr_assert_eq(wrong, 0);
    r = match("GET", "/", &wrong);
    cr_assert_eq(r, &table[0]);
    cr_assert_eq(wrong, 0);
    /* exact paths match exactly */
    cr_assert_null(match("GET", "/loginx", &wrong));
    cr_assert_eq(wrong, 0);
    cr_assert_null(match("GET", "/login/", &wrong));
    cr_assert_null(match("GET", "/Login", &wrong));
    cr_assert_null(match("GET", "", &wrong));
}

Test(router, prefix_match)
{
    cr_assert_eq(fn_of("GET", "/static/app.css"), h_static);
    cr_assert_eq(fn_of("GET", "/static/"), h_static);
    cr_assert_eq(fn_of("GET", "/static/js/deep/file.js"), h_static);
    cr_assert_eq(fn_of("POST", "/api/anything"), h_api_post);
    int wrong;
    cr_assert_eq(match("GET", "/static/img/a.png", &wrong), &table[3]);
    cr_assert_eq(wrong, 0);
    /* the prefix includes its trailing slash */
    cr_assert_null(match("GET", "/static", &wrong));
    cr_assert_eq(wrong, 0);
    cr_assert_null(match("GET", "/staticfile", &wrong));
}

Test(router, longest_prefix_wins)
{
    cr_assert_eq(fn_of("GET", "/static/img/logo.svg"), h_static_img);
    cr_assert_eq(fn_of("GET", "/static/img/"), h_static_img);
    cr_assert_eq(fn_of("GET", "/static/imgx"), h_static);

    /* whatever the order of the table */
    const struct route rev[] = {
        {"GET", "/a/", h_static, R_PREFIX},
        {"GET", "/a/b/", h_static_img, R_PREFIX},
        {"GET", "/a/b/c/", h_root, R_PREFIX},
    };
    int wrong;
    cr_assert_eq(router_match(rev, 3, "GET", "/a/b/c/d", &wrong)->fn, h_root);
    cr_assert_eq(router_match(rev, 3, "GET", "/a/b/x", &wrong)->fn, h_static_img);
    cr_assert_eq(router_match(rev, 3, "GET", "/a/x", &wrong)->fn, h_static);
}

Test(router, exact_beats_prefix)
{
    cr_assert_eq(fn_of("GET", "/static/exact.txt"), h_static_exact);
    cr_assert_eq(fn_of("GET", "/static/exact.txt2"), h_static);
    cr_assert_eq(fn_of("GET", "/api/me"), h_api_me);
}

Test(router, head_served_by_get)
{
    cr_assert_eq(fn_of("HEAD", "/"), h_root);
    cr_assert_eq(fn_of("HEAD", "/login"), h_login_get);
    cr_assert_eq(fn_of("HEAD", "/static/img/x.png"), h_static_img);
    /* but never by POST */
    int wrong;
    cr_assert_null(match("HEAD", "/api/x", &wrong));
    cr_assert_eq(wrong, 1);
}

Test(router, wrong_method_flag)
{
    int wrong;
    cr_assert_null(match("PUT", "/login", &wrong));
    cr_assert_eq(wrong, 1);
    cr_assert_null(match("DELETE", "/", &wrong));
    cr_assert_eq(wrong, 1);
    cr_assert_null(match("POST", "/static/app.css", &wrong));
    cr_assert_eq(wrong, 1);
    cr_assert_null(match("GET", "/api/other", &wrong));
    cr_assert_eq(wrong, 1);
    /* methods are case-sensitive */
    cr_assert_null(match("get", "/", &wrong));
    cr_assert_eq(wrong, 1);
    /* another route serving the method clears the flag */
    const struct route *r = match("POST", "/api/me", &wrong);
    cr_assert_not_null(r);
    cr_assert_eq(r->fn, h_api_post);
    cr_assert_eq(wrong, 0);
}

Test(router, unknown_path)
{
    int wrong;
    cr_assert_null(match("GET", "/nope", &wrong));
    cr_assert_eq(wrong, 0);
    cr_assert_null(match("POST", "/nope", &wrong));
    cr_assert_eq(wrong, 0);
    cr_assert_null(router_match(table, 0, "GET", "/", &wrong));
    cr_assert_eq(wrong, 0);
}

/* regression: an exact match after a same-path route of another method reports no mismatch */
Test(router, exact_match_clears_wrong_method)
{
    static const struct route t[] = {{"GET", "/login", h_login_get, 0},
                                     {"POST", "/login", h_login_post, 0}};
    int wrong = -1;
    const struct route *r = router_match(t, 2, "POST", "/login", &wrong);
    cr_assert_not_null(r);
    cr_assert_eq(r->fn, h_login_post);
    cr_assert_eq(wrong, 0);
}
