/* Unit tests of reading repositories from each provider's answer (oauth2_parse_repos with the
 * GitHub, Bitbucket and Coding presets): the fields the Code Build page shows, missing and odd
 * fields, the "more on the provider" signals (Link header, `next`, page count, over the
 * limit), errors inside 200 answers, links that are not http(s), provider times, and the API
 * call and the refresh failing cleanly without a network. */
#include <curl/curl.h>

#include "arena.h"
#include "clock.h"
#include "oauth2.h"
#include "repos.h"

#include "testlib.h"

static struct arena *A;

static const char *const env[] = {
    "DAOID_GITHUB_CLIENT_ID",
    "gh-id",
    "DAOID_BITBUCKET_CLIENT_ID",
    "bb-key",
    "DAOID_CODING_CLIENT_ID",
    "cd-id",
    "DAOID_CODING_URL",
    "https://team.coding.net",
    "DAOID_BITBUCKET_API_URL",
    "https://api.bitbucket.example/",
    NULL,
};

static void setup(void)
{
    tl_setup_with(0, env);
    A = arena_new();
}

static void teardown(void)
{
    arena_free(A);
    tl_teardown();
}

TestSuite(repos, .init = setup, .fini = teardown);

static enum oauth2_rc parse(const char *name, const char *json, const char *link, int max,
                            struct oauth2_repos *out)
{
    const struct oauth2_provider *p = oauth2_provider_get(A, name);
    cr_assert_not_null(p, "%s is not enabled", name);
    return oauth2_parse_repos(A, p, json, strlen(json), link, max, out);
}

Test(repos, presets_name_their_endpoints)
{
    const struct oauth2_provider *gh = oauth2_provider_get(A, "github");
    cr_assert_str_eq(gh->repos_url, "https://api.github.com/user/repos?per_page=100&sort=updated");
    cr_assert_str_eq(gh->repos_scope, "read:user user:email repo");
    const struct oauth2_provider *bb = oauth2_provider_get(A, "bitbucket");
    cr_assert_str_eq(bb->repos_url, "https://api.bitbucket.example/2.0/repositories/{login}"
                                    "?pagelen=100&sort=-updated_on");
    const struct oauth2_provider *cd = oauth2_provider_get(A, "coding");
    cr_assert_str_eq(cd->repos_url,
                     "https://team.coding.net/open-api?Action=DescribeTeamDepotInfoList");
    cr_assert_not_null(strstr(cd->repos_body, "\"PageSize\":100"));
    cr_assert_str_eq(repos_bind_href(A, "github"),
                     "/auth/github?intent=bind&access=repos&next=%2Fbuild%3Fp%3Dgithub");
}

Test(repos, github)
{
    struct oauth2_repos r;
    const char *json =
        "[{\"id\":1,\"full_name\":\"octo/hello\",\"private\":false,\"default_branch\":\"main\","
        "\"updated_at\":\"2024-05-01T12:00:00Z\",\"html_url\":\"https://github.com/octo/hello\"},"
        "{\"id\":2,\"full_name\":\"octo/secret\",\"private\":true,\"default_branch\":null,"
        "\"updated_at\":\"yesterday\",\"html_url\":\"javascript:alert(1)\"},"
        "{\"id\":3,\"private\":true},"
        "\"not an object\", 42, null,"
        "{\"full_name\":\"octo/odd\",\"private\":\"maybe\",\"html_url\":\"https://x/a b\"}]";
    cr_assert_eq(parse("github", json, NULL, 100, &r), OAUTH2_OK);
    cr_assert_eq(r.n, 3, "items without a name and non-objects are skipped");
    cr_assert_str_eq(r.v[0].name, "octo/hello");
    cr_assert_eq(r.v[0].private_, 0);
    cr_assert_str_eq(r.v[0].branch, "main");
    cr_assert_eq(r.v[0].updated, 1714564800);
    cr_assert_str_eq(r.v[0].link, "https://github.com/octo/hello");
    cr_assert_eq(r.v[1].private_, 1);
    cr_assert_null(r.v[1].branch);
    cr_assert_eq(r.v[1].updated, 0, "an unreadable time is no time");
    cr_assert_null(r.v[1].link, "only http(s) links");
    cr_assert_eq(r.v[2].private_, -1, "an odd flag is not guessed");
    cr_assert_null(r.v[2].link, "no spaces in links");
    cr_assert_eq(r.more, 0);

    cr_assert_eq(parse("github", "[]",
                       "<https://api.github.com/user/repos?page=2>; rel=\"next\", "
                       "<https://api.github.com/user/repos?page=5>; rel=\"last\"",
                       100, &r),
                 OAUTH2_OK);
    cr_assert_eq(r.n, 0);
    cr_assert_eq(r.more, 1, "the Link header says there is a next page");
    cr_assert_eq(parse("github", "[]", "<https://x/?page=1>; rel=\"prev\"", 100, &r), OAUTH2_OK);
    cr_assert_eq(r.more, 0);
}

Test(repos, over_the_limit_means_more)
{
    struct abuf b;
    abuf_init(&b, A, 4096);
    abuf_adds(&b, "[");
    for (int i = 0; i < 120; i++) abuf_printf(&b, "%s{\"full_name\":\"o/r%d\"}", i ? "," : "", i);
    abuf_adds(&b, "]");
    struct oauth2_repos r;
    cr_assert_eq(parse("github", abuf_str(&b), NULL, 100, &r), OAUTH2_OK);
    cr_assert_eq(r.n, 100);
    cr_assert_eq(r.more, 1);
    cr_assert_str_eq(r.v[99].name, "o/r99");
}

Test(repos, bitbucket)
{
    struct oauth2_repos r;
    const char *json =
        "{\"pagelen\":100,\"values\":[{\"full_name\":\"bob/app\",\"is_private\":true,"
        "\"mainbranch\":{\"type\":\"branch\",\"name\":\"trunk\"},"
        "\"updated_on\":\"2024-05-01T20:00:00.123456+08:00\","
        "\"links\":{\"html\":{\"href\":\"https://bitbucket.org/bob/app\"}}},"
        "{\"full_name\":\"bob/empty\",\"is_private\":false,\"mainbranch\":null,\"links\":{}}],"
        "\"next\":\"https://api.bitbucket.org/2.0/repositories/bob?page=2\"}";
    cr_assert_eq(parse("bitbucket", json, NULL, 100, &r), OAUTH2_OK);
    cr_assert_eq(r.n, 2);
    cr_assert_str_eq(r.v[0].name, "bob/app");
    cr_assert_eq(r.v[0].private_, 1);
    cr_assert_str_eq(r.v[0].branch, "trunk");
    cr_assert_eq(r.v[0].updated, 1714564800, "the offset is honoured");
    cr_assert_str_eq(r.v[0].link, "https://bitbucket.org/bob/app");
    cr_assert_null(r.v[1].branch, "an empty repository has no main branch");
    cr_assert_null(r.v[1].link);
    cr_assert_eq(r.more, 1, "`next` is there");
    cr_assert_eq(parse("bitbucket", "{\"values\":[],\"next\":null}", NULL, 100, &r), OAUTH2_OK);
    cr_assert_eq(r.more, 0);
    cr_assert_eq(
        parse("bitbucket", "{\"type\":\"error\",\"error\":{\"message\":\"x\"}}", NULL, 100, &r),
        OAUTH2_BAD_RESPONSE, "no list");
    cr_assert_eq(parse("bitbucket", "{\"values\":{}}", NULL, 100, &r), OAUTH2_BAD_RESPONSE);
}

Test(repos, coding)
{
    struct oauth2_repos r;
    const char *json =
        "{\"Response\":{\"RequestId\":\"x\",\"DepotData\":{\"Depots\":["
        "{\"Id\":1,\"Name\":\"web\",\"ProjectName\":\"shop\",\"DefaultBranch\":\"master\","
        "\"LastPushAt\":1714564800000,\"WebUrl\":\"https://team.coding.net/p/shop/d/web/git\"},"
        "{\"Id\":2,\"Name\":\"lonely\",\"LastPushAt\":\"1714564800\"}],"
        "\"Page\":{\"PageNumber\":1,\"PageSize\":100,\"TotalPage\":3,\"TotalRow\":250}}}}";
    cr_assert_eq(parse("coding", json, NULL, 100, &r), OAUTH2_OK);
    cr_assert_eq(r.n, 2);
    cr_assert_str_eq(r.v[0].name, "shop/web", "project/repository");
    cr_assert_eq(r.v[0].private_, -1, "Coding's listing does not say");
    cr_assert_str_eq(r.v[0].branch, "master");
    cr_assert_eq(r.v[0].updated, 1714564800, "milliseconds");
    cr_assert_str_eq(r.v[1].name, "lonely", "no project: the name alone");
    cr_assert_eq(r.v[1].updated, 1714564800, "seconds as a string");
    cr_assert_eq(r.more, 1, "three pages");

    cr_assert_eq(parse("coding",
                       "{\"Response\":{\"Error\":{\"Code\":\"AuthFailure.TokenExpired\","
                       "\"Message\":\"x\"},\"RequestId\":\"r\"}}",
                       NULL, 100, &r),
                 OAUTH2_UNAUTHORIZED, "a refused token, with HTTP 200");
    cr_assert_eq(
        parse("coding",
              "{\"Response\":{\"Error\":{\"Code\":\"InternalError\"},\"RequestId\":\"r\"}}", NULL,
              100, &r),
        OAUTH2_HTTP_ERROR);
    cr_assert_eq(parse("coding", "{\"Response\":{\"DepotData\":{}}}", NULL, 100, &r),
                 OAUTH2_BAD_RESPONSE);
}

Test(repos, not_json)
{
    struct oauth2_repos r;
    cr_assert_eq(parse("github", "<html>rate limited</html>", NULL, 100, &r), OAUTH2_BAD_RESPONSE);
    cr_assert_eq(parse("github", "[{\"full_name\":\"a\"", NULL, 100, &r), OAUTH2_BAD_RESPONSE);
    cr_assert_eq(parse("github", "", NULL, 100, &r), OAUTH2_BAD_RESPONSE);
    cr_assert_eq(parse("github", "{}", NULL, 100, &r), OAUTH2_BAD_RESPONSE,
                 "GitHub's list is the answer itself");
}

Test(repos, times)
{
    cr_assert_eq(oauth2_parse_time("2024-05-01T12:00:00Z"), 1714564800);
    cr_assert_eq(oauth2_parse_time("2024-05-01T12:00:00.5Z"), 1714564800);
    cr_assert_eq(oauth2_parse_time("2024-05-01T14:00:00+02:00"), 1714564800);
    cr_assert_eq(oauth2_parse_time("2024-05-01T07:30:00-0430"), 1714564800);
    cr_assert_eq(oauth2_parse_time("2024-05-01 12:00:00"), 1714564800, "no zone: UTC");
    cr_assert_eq(oauth2_parse_time("1714564800"), 1714564800);
    cr_assert_eq(oauth2_parse_time("1714564800000"), 1714564800);
    const char *bad[] = {NULL,
                         "",
                         "2024-05-01",
                         "2024-13-01T00:00:00Z",
                         "2024-05-01T12:00:00Zjunk",
                         "2024-05-01T25:00:00Z",
                         "12abc",
                         "-5",
                         "1969-12-31T23:59:59Z",
                         "9999999999999999999"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert_eq(oauth2_parse_time(bad[i]), 0, "%s", bad[i] ? bad[i] : "NULL");
    cr_assert(oauth2_link_has_next("<u>; rel=\"next\""));
    cr_assert(oauth2_link_has_next("<u>; rel=next"));
    cr_assert(!oauth2_link_has_next("<u>; rel=\"last\""));
    cr_assert(!oauth2_link_has_next(NULL));
}

/* ---- the API call and the refresh without a network ---- */

Test(repos, api_and_refresh_fail_cleanly_without_a_network)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct oauth2_provider p = *oauth2_provider_get(A, "bitbucket");
    p.token_url = "http://127.0.0.1:1/site/oauth2/access_token";
    struct oauth2_answer ans;
    struct oauth2_token tok;
    char *err = NULL;
    cr_assert_eq(oauth2_api(A, &p, "http://127.0.0.1:1/2.0/repositories/bob", NULL, "t",
                            clock_mono_us() + 5000000, &ans),
                 OAUTH2_UNREACHABLE);
    cr_assert_eq(oauth2_api(A, &p, "http://127.0.0.1:1/2.0/repositories/bob", NULL, "t",
                            clock_mono_us() - 1, &ans),
                 OAUTH2_TIMEOUT, "a spent deadline asks nobody");
    cr_assert_eq(oauth2_refresh(A, &p, "bbr_x", clock_mono_us() + 5000000, &tok, &err),
                 OAUTH2_UNREACHABLE);
    cr_assert_null(err);
    cr_assert_eq(oauth2_refresh(A, &p, "bbr_x", clock_mono_us() - 1, &tok, &err), OAUTH2_TIMEOUT);
    curl_global_cleanup();
}
