/* Unit tests of the OAuth2 client (oauth2.c, oauth2_providers.c) and the username suggestion
 * (oauth_flow.c): redirect URIs, authorize URLs with state and PKCE, the presets from the
 * config, the JSON of every preset with missing and odd fields (ids as numbers or strings,
 * null emails, no primary verified address, expires_in as a string, errors with HTTP 200),
 * and the client's failures without a network (refused connection, spent deadline). */
#include <curl/curl.h>

#include "arena.h"
#include "clock.h"
#include "oauth2.h"
#include "oauth_flow.h"

#include "testlib.h"

static struct arena *A;

static const char *const env[] = {
    "DAOID_PUBLIC_URL",
    "https://id.example.com",
    "DAOID_GITHUB_CLIENT_ID",
    "gh-id",
    "DAOID_GITHUB_CLIENT_SECRET",
    "gh-secret",
    "DAOID_GITHUB_URL",
    "https://ghe.example.com/",
    "DAOID_GITHUB_API_URL",
    "https://ghe.example.com/api/v3",
    "DAOID_BITBUCKET_CLIENT_ID",
    "bb-key",
    "DAOID_CODING_CLIENT_ID",
    "cd-id",
    NULL,
};

static void setup(void)
{
    tl_setup_with(0, env);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    A = arena_new();
}

static void teardown(void)
{
    arena_free(A);
    curl_global_cleanup();
    tl_teardown();
}

TestSuite(oauth2, .init = setup, .fini = teardown);

static const struct oauth2_provider *preset(const char *name)
{
    const struct oauth2_provider *p = oauth2_provider_get(A, name);
    cr_assert_not_null(p, "%s is not enabled", name);
    return p;
}

/* ---- URLs ---- */

Test(oauth2, redirect_uri_is_built_from_the_public_origin_only)
{
    cr_assert_str_eq(oauth2_redirect_uri(A, cfg->origin, "github"),
                     "https://id.example.com/auth/github/callback");
    cr_assert_str_eq(oauth2_redirect_uri(A, "http://127.0.0.1:8080/", "bitbucket"),
                     "http://127.0.0.1:8080/auth/bitbucket/callback");
}

Test(oauth2, pkce_challenge_is_base64url_sha256_of_the_verifier)
{
    /* RFC 7636 appendix B */
    cr_assert_str_eq(oauth2_pkce_challenge(A, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
                     "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

Test(oauth2, github_authorize_url_carries_state_scope_and_s256_challenge)
{
    const struct oauth2_provider *p = preset("github");
    const char *url =
        oauth2_authorize_url(A, p, "https://id.example.com/auth/github/callback", "st&ate=1",
                             "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    cr_assert_str_eq(url, "https://ghe.example.com/login/oauth/authorize?response_type=code"
                          "&client_id=gh-id"
                          "&redirect_uri=https%3A%2F%2Fid.example.com%2Fauth%2Fgithub%2Fcallback"
                          "&scope=read%3Auser%20user%3Aemail&state=st%26ate%3D1"
                          "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
                          "&code_challenge_method=S256");
}

Test(oauth2, bitbucket_authorize_url_has_no_pkce_and_no_scope)
{
    const struct oauth2_provider *p = preset("bitbucket");
    const char *url = oauth2_authorize_url(A, p, "https://x/cb", "S", "verifier-not-sent");
    cr_assert_str_eq(url, "https://bitbucket.org/site/oauth2/authorize?response_type=code"
                          "&client_id=bb-key&redirect_uri=https%3A%2F%2Fx%2Fcb&state=S");
    struct oauth2_provider q = *p;
    q.authorize_url = "https://example.com/authorize?team=a";
    cr_assert(
        strstr(oauth2_authorize_url(A, &q, "r", "s", NULL), "authorize?team=a&response_type"));
}

/* ---- presets ---- */

Test(oauth2, presets_follow_the_config)
{
    const struct oauth2_provider *gh = preset("github");
    cr_assert_str_eq(gh->token_url, "https://ghe.example.com/login/oauth/access_token");
    cr_assert_str_eq(gh->user_url, "https://ghe.example.com/api/v3/user");
    cr_assert_str_eq(gh->emails_url, "https://ghe.example.com/api/v3/user/emails");
    cr_assert_str_eq(gh->client_secret, "gh-secret");
    cr_assert(gh->pkce);
    cr_assert_eq(gh->auth, OAUTH2_AUTH_FORM);
    const struct oauth2_provider *bb = preset("bitbucket");
    cr_assert_eq(bb->auth, OAUTH2_AUTH_BASIC);
    cr_assert_str_eq(bb->emails_url, "https://api.bitbucket.org/2.0/user/emails");
    cr_assert(!bb->pkce);
    /* Coding has a client id but no team URL: not offered */
    cr_assert_eq(oauth2_provider_enabled("coding"), 0);
    cr_assert_null(oauth2_provider_get(A, "coding"));
    cr_assert_null(oauth2_provider_get(A, "gitlab"));
    cr_assert_null(oauth2_provider_get(A, NULL));
    cr_assert_str_eq(oauth2_provider_label("bitbucket"), "Bitbucket");
}

Test(oauth2, a_provider_without_a_client_id_is_not_offered)
{
    const char *const off[] = {"DAOID_GITHUB_CLIENT_ID", "", "DAOID_CODING_URL",
                               "https://team.coding.net", NULL};
    config_free();
    tl_env_defaults(env);
    for (int i = 0; off[i]; i += 2) setenv(off[i], off[i + 1], 1);
    tl_config();
    cr_assert_eq(oauth2_provider_enabled("github"), 0);
    cr_assert_null(oauth2_provider_get(A, "github"));
    const struct oauth2_provider *cd = preset("coding");
    cr_assert_str_eq(cd->authorize_url, "https://team.coding.net/oauth_authorize.html");
    cr_assert_str_eq(cd->token_url, "https://team.coding.net/api/oauth/access_token");
    cr_assert_str_eq(cd->user_url, "https://team.coding.net/open-api");
    cr_assert_not_null(cd->user_body);
}

/* ---- token answers ---- */

static enum oauth2_rc token(const char *json, struct oauth2_token *t, char **err)
{
    return oauth2_parse_token(A, json, strlen(json), t, err);
}

Test(oauth2, token_answers)
{
    struct oauth2_token t;
    char *err;
    cr_assert_eq(token("{\"access_token\":\"gho_1\",\"token_type\":\"bearer\",\"scope\":"
                       "\"read:user,user:email\"}",
                       &t, &err),
                 OAUTH2_OK);
    cr_assert_str_eq(t.access_token, "gho_1");
    cr_assert_str_eq(t.scope, "read:user,user:email");
    cr_assert_eq(t.expires_in, 0);
    cr_assert_null(err);
    /* Coding: expires_in as a string; Bitbucket: a number and "scopes" */
    cr_assert_eq(token("{\"access_token\":\"c\",\"expires_in\":\"863999\"}", &t, &err), OAUTH2_OK);
    cr_assert_eq(t.expires_in, 863999);
    cr_assert_eq(token("{\"access_token\":\"b\",\"expires_in\":7200,\"scopes\":\"account email\","
                       "\"refresh_token\":\"r\"}",
                       &t, &err),
                 OAUTH2_OK);
    cr_assert_eq(t.expires_in, 7200);
    cr_assert_str_eq(t.scope, "account email");
    cr_assert_str_eq(t.refresh_token, "r");
    cr_assert_eq(token("{\"access_token\":\"b\",\"expires_in\":\"soon\"}", &t, &err), OAUTH2_OK);
    cr_assert_eq(t.expires_in, 0, "a non-numeric expires_in counts as not given");
    cr_assert_eq(token("{\"access_token\":\"b\",\"expires_in\":-5}", &t, &err), OAUTH2_OK);
    cr_assert_eq(t.expires_in, 0);
}

Test(oauth2, token_errors_including_githubs_http_200_errors)
{
    struct oauth2_token t;
    char *err;
    cr_assert_eq(token("{\"error\":\"bad_verification_code\",\"error_description\":\"The code "
                       "passed is incorrect or expired.\"}",
                       &t, &err),
                 OAUTH2_REJECTED);
    cr_assert_str_eq(err, "bad_verification_code");
    cr_assert_null(t.access_token);
    cr_assert_eq(token("{\"error\":{\"code\":1},\"access_token\":\"x\"}", &t, &err),
                 OAUTH2_REJECTED, "an error wins over a token");
    cr_assert_eq(token("{\"error\":null,\"access_token\":\"x\"}", &t, &err), OAUTH2_OK);
    cr_assert_eq(token("{\"token_type\":\"bearer\"}", &t, &err), OAUTH2_BAD_RESPONSE);
    cr_assert_eq(token("{\"access_token\":\"\"}", &t, &err), OAUTH2_BAD_RESPONSE);
    cr_assert_eq(token("{\"access_token\":42}", &t, &err), OAUTH2_BAD_RESPONSE);
    cr_assert_eq(token("[\"access_token\"]", &t, &err), OAUTH2_BAD_RESPONSE);
    cr_assert_eq(token("access_token=gho_1&scope=user", &t, &err), OAUTH2_BAD_RESPONSE);
    cr_assert_eq(token("{\"access_token\": \"gho_trunc", &t, &err), OAUTH2_BAD_RESPONSE);
    cr_assert_eq(token("", &t, &err), OAUTH2_BAD_RESPONSE);
    cr_assert_eq(oauth2_parse_token(A, NULL, 0, &t, &err), OAUTH2_BAD_RESPONSE);
}

/* ---- users ---- */

static enum oauth2_rc user(const char *name, const char *json, struct oauth2_user *u)
{
    return oauth2_parse_user(A, preset(name), json, strlen(json), u);
}

static enum oauth2_rc emails(const char *name, const char *json, struct oauth2_user *u)
{
    return oauth2_parse_emails(A, preset(name), json, strlen(json), u);
}

Test(oauth2, github_user_ids_as_numbers_or_strings)
{
    struct oauth2_user u;
    cr_assert_eq(
        user("github", "{\"login\":\"octocat\",\"id\":583231,\"name\":null,\"email\":null}", &u),
        OAUTH2_OK);
    cr_assert_str_eq(u.id, "583231");
    cr_assert_str_eq(u.login, "octocat");
    cr_assert_null(u.name);
    cr_assert_null(u.email, "GitHub's address comes from /user/emails only");
    cr_assert_eq(user("github", "{\"login\":\"o\",\"id\":\"583231\"}", &u), OAUTH2_OK);
    cr_assert_str_eq(u.id, "583231");
    cr_assert_eq(user("github", "{\"login\":\"o\",\"id\":9007199254740993}", &u), OAUTH2_OK);
    cr_assert_str_eq(u.id, "9007199254740993", "64-bit ids keep every digit");
    cr_assert_eq(user("github", "{\"login\":\"o\",\"id\":583231.0}", &u), OAUTH2_OK);
    cr_assert_str_eq(u.id, "583231");
    cr_assert_eq(user("github", "{\"login\":\"o\",\"id\":1.5}", &u), OAUTH2_BAD_RESPONSE);
    cr_assert_eq(user("github", "{\"login\":\"o\"}", &u), OAUTH2_BAD_RESPONSE);
    cr_assert_eq(user("github", "{\"login\":\"o\",\"id\":null}", &u), OAUTH2_BAD_RESPONSE);
    cr_assert_eq(user("github", "{\"login\":\"o\",\"id\":\"\"}", &u), OAUTH2_BAD_RESPONSE);
    cr_assert_eq(user("github", "{\"login\":\"o\",\"id\":true}", &u), OAUTH2_BAD_RESPONSE);
    cr_assert_eq(user("github", "{\"id\":7,\"login\":{\"x\":1}}", &u), OAUTH2_OK);
    cr_assert_null(u.login, "an odd login is dropped, the id is enough");
    cr_assert_eq(user("github", "not json", &u), OAUTH2_BAD_RESPONSE);
}

Test(oauth2, github_emails_pick_the_primary_verified_address)
{
    struct oauth2_user u = {0};
    cr_assert_eq(emails("github",
                        "[{\"email\":\"alt@x.com\",\"primary\":false,\"verified\":true},"
                        "{\"email\":\"me@x.com\",\"primary\":true,\"verified\":true,"
                        "\"visibility\":null}]",
                        &u),
                 OAUTH2_OK);
    cr_assert_str_eq(u.email, "me@x.com");
    cr_assert_eq(emails("github",
                        "[{\"email\":\"me@x.com\",\"primary\":true,\"verified\":false},"
                        "{\"email\":\"alt@x.com\",\"primary\":false,\"verified\":true}]",
                        &u),
                 OAUTH2_OK);
    cr_assert_null(u.email, "no primary verified address: none");
    cr_assert_eq(emails("github", "[]", &u), OAUTH2_OK);
    cr_assert_null(u.email);
    cr_assert_eq(emails("github",
                        "[{\"email\":null,\"primary\":true,\"verified\":true},"
                        "{\"primary\":true,\"verified\":true},7,"
                        "{\"email\":\"late@x.com\",\"primary\":true,\"verified\":true}]",
                        &u),
                 OAUTH2_OK);
    cr_assert_str_eq(u.email, "late@x.com", "odd items are skipped");
    cr_assert_eq(emails("github", "{\"message\":\"Not Found\"}", &u), OAUTH2_BAD_RESPONSE);
}

Test(oauth2, bitbucket_uuid_and_values_emails)
{
    struct oauth2_user u;
    cr_assert_eq(user("bitbucket",
                      "{\"uuid\":\"{2a1f-77}\",\"username\":\"bob\",\"display_name\":"
                      "\"Bob B\",\"account_id\":\"557058:x\"}",
                      &u),
                 OAUTH2_OK);
    cr_assert_str_eq(u.id, "{2a1f-77}");
    cr_assert_str_eq(u.login, "bob");
    cr_assert_str_eq(u.name, "Bob B");
    cr_assert_eq(user("bitbucket", "{\"username\":\"bob\"}", &u), OAUTH2_BAD_RESPONSE);
    cr_assert_eq(emails("bitbucket",
                        "{\"pagelen\":10,\"values\":[{\"email\":\"b@x.com\",\"is_primary\":true,"
                        "\"is_confirmed\":true,\"type\":\"email\"}],\"page\":1,\"size\":1}",
                        &u),
                 OAUTH2_OK);
    cr_assert_str_eq(u.email, "b@x.com");
    cr_assert_eq(emails("bitbucket",
                        "{\"values\":[{\"email\":\"b@x.com\",\"is_primary\":true,"
                        "\"is_confirmed\":false}]}",
                        &u),
                 OAUTH2_OK);
    cr_assert_null(u.email);
    cr_assert_eq(emails("bitbucket", "{\"size\":0}", &u), OAUTH2_BAD_RESPONSE);
    cr_assert_eq(emails("bitbucket",
                        "[{\"email\":\"b@x.com\",\"is_primary\":true,"
                        "\"is_confirmed\":true}]",
                        &u),
                 OAUTH2_BAD_RESPONSE, "the list is under values");
}

Test(oauth2, coding_open_api_user)
{
    config_free();
    tl_env_defaults(env);
    setenv("DAOID_CODING_URL", "https://team.coding.net", 1);
    tl_config();
    struct oauth2_user u;
    cr_assert_eq(user("coding",
                      "{\"Response\":{\"User\":{\"Id\":7001,\"GlobalKey\":\"coder\","
                      "\"Name\":\"\xe7\xa0\x81\xe5\x86\x9c\",\"Email\":\"c@x.com\","
                      "\"EmailValidation\":1},\"RequestId\":\"r\"}}",
                      &u),
                 OAUTH2_OK);
    cr_assert_str_eq(u.id, "7001");
    cr_assert_str_eq(u.login, "coder");
    cr_assert_str_eq(u.email, "c@x.com");
    cr_assert_eq(user("coding",
                      "{\"Response\":{\"User\":{\"Id\":\"7002\",\"GlobalKey\":\"c2\","
                      "\"Email\":\"c2@x.com\",\"EmailValidation\":0}}}",
                      &u),
                 OAUTH2_OK);
    cr_assert_str_eq(u.id, "7002");
    cr_assert_null(u.email, "an address Coding has not validated is not taken");
    cr_assert_eq(user("coding",
                      "{\"Response\":{\"User\":{\"Id\":7003,\"Email\":null,"
                      "\"EmailValidation\":1}}}",
                      &u),
                 OAUTH2_OK);
    cr_assert_null(u.email);
    cr_assert_eq(user("coding",
                      "{\"Response\":{\"User\":{\"Id\":7004,\"Email\":\"v@x.com\","
                      "\"EmailValidation\":\"true\"}}}",
                      &u),
                 OAUTH2_OK);
    cr_assert_str_eq(u.email, "v@x.com");
    cr_assert_eq(user("coding",
                      "{\"Response\":{\"Error\":{\"Code\":\"AuthFailure\",\"Message\":"
                      "\"invalid access token\"},\"RequestId\":\"r\"}}",
                      &u),
                 OAUTH2_HTTP_ERROR, "Coding's errors come with HTTP 200");
    cr_assert_eq(user("coding", "{\"Response\":{\"RequestId\":\"r\"}}", &u), OAUTH2_BAD_RESPONSE);
    cr_assert_eq(user("coding", "{\"Response\":[1]}", &u), OAUTH2_BAD_RESPONSE);
}

/* ---- the client without a network ---- */

Test(oauth2, a_refused_connection_and_a_spent_deadline)
{
    struct oauth2_provider p = *preset("github");
    p.token_url = "http://127.0.0.1:1/login/oauth/access_token";
    struct oauth2_result res;
    cr_assert_eq(oauth2_complete(A, &p, "code", "https://x/cb", "v", clock_mono_us() + 5000000, &res),
                 OAUTH2_UNREACHABLE);
    cr_assert_eq(oauth2_complete(A, &p, "code", "https://x/cb", "v", clock_mono_us() - 1, &res),
                 OAUTH2_TIMEOUT);
    p.token_url = "ftp://127.0.0.1/x";
    cr_assert_eq(oauth2_complete(A, &p, "code", "https://x/cb", "v", clock_mono_us() + 5000000, &res),
                 OAUTH2_UNREACHABLE, "only http and https");
}

/* ---- username suggestion ---- */

static const char *const *taken_names;

static int taken(void *ctx, const char *name)
{
    (void)ctx;
    for (int i = 0; taken_names && taken_names[i]; i++)
        if (!strcmp(taken_names[i], name)) return 1;
    return 0;
}

static int failing(void *ctx, const char *name)
{
    (void)ctx;
    (void)name;
    return -1;
}

static const char *suggest(const char *login, const char *const *names)
{
    taken_names = names;
    return oauth_flow_suggest_username(A, login, taken, NULL);
}

Test(oauth2, username_suggestion)
{
    cr_assert_str_eq(suggest("Octo.Cat", NULL), "octo-cat");
    const char *const one[] = {"octo-cat", NULL};
    cr_assert_str_eq(suggest("Octo.Cat", one), "octo-cat-2");
    const char *const two[] = {"octo-cat", "octo-cat-2", NULL};
    cr_assert_str_eq(suggest("Octo.Cat", two), "octo-cat-3");
    cr_assert_str_eq(suggest("octo_cat", NULL), "octo_cat");
    cr_assert_str_eq(suggest("--Octo..__Cat--", NULL), "octo-cat");
    cr_assert_str_eq(suggest("Admin", NULL), "admin-2", "reserved names are skipped");
    cr_assert_str_eq(suggest("DaoCloud", NULL), "daocloud-2", "so is the site name");
    cr_assert_str_eq(suggest("ab", NULL), "ab-2", "too short alone");
    cr_assert_str_eq(suggest("\xef\xbc\xa1lice", NULL), "alice", "fullwidth letters fold");
    cr_assert_str_eq(suggest("\xe5\xbc\xa0\xe4\xb8\x89", NULL), "user-2",
                     "nothing usable left: user (reserved), then user-2");
    cr_assert_str_eq(suggest(NULL, NULL), "user-2");
    const char *longer = suggest("a-very-long-github-login-name-that-goes-on-and-on", NULL);
    cr_assert_leq(strlen(longer), 26);
    cr_assert_str_eq(longer, "a-very-long-github-login-n");
    const char *const lng[] = {"a-very-long-github-login-n", NULL};
    cr_assert_str_eq(suggest("a-very-long-github-login-name-that-goes-on-and-on", lng),
                     "a-very-long-github-login-n-2");
    cr_assert_str_eq(suggest("abcdefghijklmnopqrstuvwxy-zzz", NULL), "abcdefghijklmnopqrstuvwxy",
                     "no separator left at the cut");
    taken_names = NULL;
    cr_assert_null(oauth_flow_suggest_username(A, "octocat", failing, NULL),
                   "a store error gives no suggestion");
}
