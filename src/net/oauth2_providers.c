/* oauth2_providers: the GitHub, Bitbucket and Coding presets of the generic client, their
 * base URLs from the config (GitHub Enterprise, the simulator). A provider without a client
 * id is not offered. The descriptions are built per request in its arena: they are a few
 * string joins, and the config stays the only source. */
#include <string.h>

#include "arena.h"
#include "config.h"
#include "oauth2.h"

const char *const oauth2_provider_names[] = {"github", "bitbucket", "coding", NULL};

int oauth2_provider_enabled(const char *name)
{
    if (!name) return 0;
    if (!strcmp(name, "github")) return *cfg->github_client_id != 0;
    if (!strcmp(name, "bitbucket")) return *cfg->bitbucket_client_id != 0;
    if (!strcmp(name, "coding")) return *cfg->coding_client_id && *cfg->coding_url;
    return 0;
}

const char *oauth2_provider_label(const char *name)
{
    if (!name) return NULL;
    if (!strcmp(name, "github")) return "GitHub";
    if (!strcmp(name, "bitbucket")) return "Bitbucket";
    if (!strcmp(name, "coding")) return "Coding";
    return NULL;
}

/* base (without trailing slashes) + path, in a. */
static char *join(struct arena *a, const char *base, const char *path)
{
    size_t n = strlen(base);
    while (n && base[n - 1] == '/') n--;
    return arena_printf(a, "%.*s%s", (int)n, base, path);
}

/* PKCE S256, `read:user user:email`, errors with HTTP 200, `id` numeric, emails endpoint. */
static void github(struct arena *a, struct oauth2_provider *p)
{
    p->client_id = cfg->github_client_id;
    p->client_secret = cfg->github_client_secret;
    p->authorize_url = join(a, cfg->github_url, "/login/oauth/authorize");
    p->token_url = join(a, cfg->github_url, "/login/oauth/access_token");
    p->user_url = join(a, cfg->github_api_url, "/user");
    p->emails_url = join(a, cfg->github_api_url, "/user/emails");
    p->scope = "read:user user:email";
    p->pkce = 1;
    p->auth = OAUTH2_AUTH_FORM;
    p->api_accept = "application/vnd.github+json";
    p->api_header = "X-GitHub-Api-Version: 2022-11-28";
    p->id_path = "id";
    p->login_path = "login";
    p->name_path = "name";
    p->emails_addr = "email";
    p->emails_primary = "primary";
    p->emails_verified = "verified";
    /* the first 100, most recently updated first; more pages in the Link header. Private
     * repositories need the `repo` scope (asked for by binds from Code Build only) */
    p->repos_url = join(a, cfg->github_api_url, "/user/repos?per_page=100&sort=updated");
    p->repos_scope = "read:user user:email repo";
    p->repos_grant = "repo";
    p->repos_list = "";
    p->repo_name = "full_name";
    p->repo_private = "private";
    p->repo_branch = "default_branch";
    p->repo_updated = "updated_at";
    p->repo_link = "html_url";
}

/* HTTP Basic client authentication, `uuid`, emails in `values[]`. Scopes live on the
 * consumer, so none are sent. */
static void bitbucket(struct arena *a, struct oauth2_provider *p)
{
    p->client_id = cfg->bitbucket_client_id;
    p->client_secret = cfg->bitbucket_client_secret;
    p->authorize_url = join(a, cfg->bitbucket_url, "/site/oauth2/authorize");
    p->token_url = join(a, cfg->bitbucket_url, "/site/oauth2/access_token");
    p->user_url = join(a, cfg->bitbucket_api_url, "/2.0/user");
    p->emails_url = join(a, cfg->bitbucket_api_url, "/2.0/user/emails");
    p->auth = OAUTH2_AUTH_BASIC;
    p->id_path = "uuid";
    p->login_path = "username";
    p->name_path = "display_name";
    p->emails_list = "values";
    p->emails_addr = "email";
    p->emails_primary = "is_primary";
    p->emails_verified = "is_confirmed";
    /* the person's own workspace (its slug is the username), 100 a page, `next` for more */
    p->repos_url =
        join(a, cfg->bitbucket_api_url, "/2.0/repositories/{login}?pagelen=100&sort=-updated_on");
    p->repos_list = "values";
    p->repo_name = "full_name";
    p->repo_private = "is_private";
    p->repo_branch = "mainbranch.name";
    p->repo_updated = "updated_on";
    p->repo_link = "links.html.href";
    p->repos_next = "next";
}

/* Team-scoped URLs, `expires_in` as a string, the user from the open-api (errors in
 * Response.Error with HTTP 200). */
static void coding(struct arena *a, struct oauth2_provider *p)
{
    p->client_id = cfg->coding_client_id;
    p->client_secret = cfg->coding_client_secret;
    p->authorize_url = join(a, cfg->coding_url, "/oauth_authorize.html");
    p->token_url = join(a, cfg->coding_url, "/api/oauth/access_token");
    p->user_url = join(a, cfg->coding_url, "/open-api");
    p->user_body = "{\"Action\":\"DescribeCodingCurrentUser\"}";
    p->scope = "user:profile:ro";
    p->auth = OAUTH2_AUTH_FORM;
    p->id_path = "Response.User.Id";
    p->login_path = "Response.User.GlobalKey";
    p->name_path = "Response.User.Name";
    p->email_path = "Response.User.Email";
    p->email_verified_path = "Response.User.EmailValidation";
    p->error_path = "Response.Error";
    /* the team's code repositories (depots) the token may read, 100 a page; they need the
     * vcs:repository scope (Coding's scopes are comma-separated) */
    p->repos_url = join(a, cfg->coding_url, "/open-api?Action=DescribeTeamDepotInfoList");
    p->repos_body = "{\"Action\":\"DescribeTeamDepotInfoList\",\"PageNumber\":1,\"PageSize\":100}";
    p->repos_scope = "user:profile:ro,vcs:repository:ro";
    p->repos_grant = "vcs:repository:ro";
    p->repos_list = "Response.DepotData.Depots";
    p->repo_owner = "ProjectName";
    p->repo_name = "Name";
    p->repo_branch = "DefaultBranch";
    p->repo_updated = "LastPushAt";
    p->repo_link = "WebUrl";
    p->repos_pages = "Response.DepotData.Page.TotalPage";
    p->error_code_path = "Response.Error.Code";
    p->auth_error = "AuthFailure";
}

const struct oauth2_provider *oauth2_provider_get(struct arena *a, const char *name)
{
    if (!oauth2_provider_enabled(name)) return NULL;
    struct oauth2_provider *p = arena_alloc(a, sizeof(*p));
    p->name = arena_strdup(a, name);
    p->label = oauth2_provider_label(name);
    if (!strcmp(name, "github"))
        github(a, p);
    else if (!strcmp(name, "bitbucket"))
        bitbucket(a, p);
    else
        coding(a, p);
    return p;
}
