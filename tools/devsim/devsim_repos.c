/* devsim_repos: the repositories of the fake GitHub, Bitbucket and Coding's test users, on the
 * endpoints daoid's Code Build page reads: GitHub GET /user/repos (per_page ≤ 100, page, a Link
 * header with rel="next"; private repositories only with the `repo` scope), Bitbucket GET
 * /2.0/repositories/{workspace} (pagelen ≤ 100, page, `next`; the workspace is the user's
 * username) and Coding's open-api DescribeTeamDepotInfoList (PageNumber, PageSize ≤ 100,
 * Page.TotalPage; needs the vcs:repository scope). Tokens are checked by devsim_oauth.c
 * (expiry, the fault modes included).
 *
 * Every user has three repositories unless /_ctl/repos sets a number for it
 * ({"provider","login","count"}): then repo-001 … repo-N, every third one private. */
#include "devsim_repos.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "devsim_oauth.h"

#define DR_MAX_COUNT 1000
#define DR_DAY       86400LL
#define DR_BASE_TIME 1714564800LL /* 2024-05-01T12:00:00Z: the newest repository's update */

struct dcount {
    char prov[16];
    char login[128];
    int count;
};

static struct {
    pthread_mutex_t mu;
    struct dcount *counts;
    size_t n;
} R = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* One repository of a user, as the fakes describe it. */
struct drepo {
    char name[160];
    int private_;
    const char *branch;
    long long updated;
};

static const struct drepo builtin[] = {
    {"hello-world", 0, "main", DR_BASE_TIME},
    {"api-server", 1, "develop", DR_BASE_TIME - 3 * DR_DAY},
    {"docs", 0, "gh-pages", DR_BASE_TIME - 40 * DR_DAY},
};

/* The number of repositories of login at prov (-1: the built-in three). */
static int count_of(const char *prov, const char *login)
{
    int n = -1;
    pthread_mutex_lock(&R.mu);
    for (size_t i = 0; i < R.n; i++)
        if (!strcmp(R.counts[i].prov, prov) && !strcmp(R.counts[i].login, login))
            n = R.counts[i].count;
    pthread_mutex_unlock(&R.mu);
    return n;
}

/* The i-th repository (newest first) of login; *total gets how many there are. */
static void repo_at(const char *prov, const char *login, int i, struct drepo *out, int *total)
{
    int n = count_of(prov, login);
    *total = n < 0 ? 3 : n;
    if (n < 0) {
        *out = builtin[i];
        return;
    }
    snprintf(out->name, sizeof(out->name), "repo-%03d", i + 1);
    out->private_ = i % 3 == 2;
    out->branch = "main";
    out->updated = DR_BASE_TIME - i * 3600LL;
}

/* t as GitHub writes times, or (micro) as Bitbucket does: with microseconds and an offset. */
static void iso8601(long long t, char *out, size_t cap, int micro)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    if (micro)
        strftime(out, cap, "%Y-%m-%dT%H:%M:%S.123456+00:00", &tm);
    else
        strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int has_word(const char *scope, const char *word)
{
    size_t wn = strlen(word);
    for (const char *p = scope; p && *p;) {
        p += strspn(p, " ,");
        size_t n = strcspn(p, " ,");
        if (n == wn && !strncmp(p, word, n)) return 1;
        p += n;
    }
    return 0;
}

/* A positive integer query argument, def when absent, clamped to max; -1 when malformed. */
static int int_arg(const struct devsim_req *req, const char *key, int def, int max)
{
    const char *v = devsim_query(req, key);
    if (!v) return def;
    char *end;
    long n = strtol(v, &end, 10);
    if (end == v || *end || n < 1) return -1;
    return n > max ? max : (int)n;
}

/* The base URL of this simulator as the request reached it. */
static void self_url(const struct devsim_req *req, char *out, size_t cap)
{
    const char *host = devsim_header(req, "Host");
    snprintf(out, cap, "http://%s", host ? host : "127.0.0.1");
}

/* How a provider writes repository r of login (i: its index, newest first; base: this
 * simulator's URL). */
typedef json_t *(*drepo_json_fn)(const char *login, const struct drepo *r, const char *base, int i);

/* The repositories of login at prov on page `page` (from 1) of `per`, written by fmt, private
 * ones left out unless all; *shown gets how many there are on all pages. */
static json_t *repos_page(const struct devsim_req *req, const char *prov, const char *login,
                          int all, long page, long per, drepo_json_fn fmt, int *shown)
{
    char base[300];
    self_url(req, base, sizeof(base));
    json_t *list = json_array();
    struct drepo r;
    int total = 0, seen = 0;
    repo_at(prov, login, 0, &r, &total);
    for (int i = 0; i < total; i++) {
        repo_at(prov, login, i, &r, &total);
        if (r.private_ && !all) continue;
        if (seen >= (page - 1) * per && seen < page * per)
            json_array_append_new(list, fmt(login, &r, base, i));
        seen++;
    }
    *shown = seen;
    return list;
}

/* ---- GitHub ---- */

static json_t *github_repo(const char *login, const struct drepo *r, const char *base, int i)
{
    json_int_t id = 100000 + i;
    char full[300], when[32], html[1024];
    snprintf(full, sizeof(full), "%s/%s", login, r->name);
    snprintf(html, sizeof(html), "%s/github/%s", base, full);
    iso8601(r->updated, when, sizeof(when), 0);
    return json_pack("{s:I, s:s, s:s, s:{s:s}, s:b, s:s, s:s, s:s, s:s, s:s}", "id", id, "name",
                     r->name, "full_name", full, "owner", "login", login, "private", r->private_,
                     "visibility", r->private_ ? "private" : "public", "html_url", html,
                     "default_branch", r->branch, "updated_at", when, "pushed_at", when);
}

static void github_repos(const struct devsim_req *req, struct devsim_resp *resp)
{
    char *login = NULL, *scope = NULL;
    if (doauth_api_user(req, "github", resp, &login, &scope) != 0) return;
    int per = int_arg(req, "per_page", 30, 100), page = int_arg(req, "page", 1, 1000000);
    if (per < 0 || page < 0) {
        devsim_reply_json(resp, 422, json_pack("{s:s}", "message", "Validation Failed"));
        goto out;
    }
    int seen = 0;
    char base[300];
    self_url(req, base, sizeof(base));
    json_t *list =
        repos_page(req, "github", login, has_word(scope, "repo"), page, per, github_repo, &seen);
    if ((long)page * per < seen) {
        char link[1024];
        snprintf(link, sizeof(link),
                 "<%s/github/api/user/repos?per_page=%d&page=%d>; rel=\"next\", "
                 "<%s/github/api/user/repos?per_page=%d&page=%d>; rel=\"last\"",
                 base, per, page + 1, base, per, (seen + per - 1) / per);
        resp->link = strdup(link);
    }
    devsim_reply_json(resp, 200, list);
out:
    free(login);
    free(scope);
}

/* ---- Bitbucket ---- */

static json_t *bitbucket_repo(const char *ws, const struct drepo *r, const char *base, int i)
{
    (void)i;
    char full[300], when[40], html[1024];
    snprintf(full, sizeof(full), "%s/%s", ws, r->name);
    snprintf(html, sizeof(html), "%s/bitbucket/%s", base, full);
    iso8601(r->updated, when, sizeof(when), 1);
    return json_pack("{s:s, s:s, s:s, s:b, s:{s:s, s:s}, s:s, s:{s:{s:s}}, s:s}", "type",
                     "repository", "name", r->name, "full_name", full, "is_private", r->private_,
                     "mainbranch", "type", "branch", "name", r->branch, "updated_on", when, "links",
                     "html", "href", html, "scm", "git");
}

static void bitbucket_repos(const struct devsim_req *req, struct devsim_resp *resp)
{
    char *login = NULL, *scope = NULL;
    if (doauth_api_user(req, "bitbucket", resp, &login, &scope) != 0) return;
    const char *ws = req->wild; /* the rest of the path: one segment, the workspace */
    int per = int_arg(req, "pagelen", 10, 100), page = int_arg(req, "page", 1, 1000000);
    if (!*ws || strchr(ws, '/') || strcmp(ws, login)) {
        devsim_reply_json(resp, 404,
                          json_pack("{s:s, s:{s:s}}", "type", "error", "error", "message",
                                    "No workspace with identifier found"));
    } else if (per < 0 || page < 0) {
        devsim_reply_json(
            resp, 400,
            json_pack("{s:s, s:{s:s}}", "type", "error", "error", "message", "Invalid pagination"));
    } else {
        char base[300];
        self_url(req, base, sizeof(base));
        int total = 0;
        json_t *values = repos_page(req, "bitbucket", login, 1, page, per, bitbucket_repo, &total);
        json_t *j = json_pack("{s:i, s:i, s:i, s:o}", "pagelen", per, "size", total, "page", page,
                              "values", values);
        if (page * per < total) {
            char next[1024];
            snprintf(next, sizeof(next), "%s/bitbucket/api/2.0/repositories/%s?pagelen=%d&page=%d",
                     base, ws, per, page + 1);
            json_object_set_new(j, "next", json_string(next));
        }
        devsim_reply_json(resp, 200, j);
    }
    free(login);
    free(scope);
}

/* ---- Coding ---- */

static json_t *coding_error(const char *code, const char *msg)
{
    return json_pack("{s:{s:{s:s, s:s}, s:s}}", "Response", "Error", "Code", code, "Message", msg,
                     "RequestId", "devsim");
}

/* A positive integer field of the body (a number or a numeric string), def when absent. */
static int body_int(json_t *body, const char *key, int def)
{
    json_t *v = json_object_get(body, key);
    if (json_is_integer(v)) return (int)json_integer_value(v);
    if (json_is_string(v)) return atoi(json_string_value(v));
    return def;
}

static json_t *coding_depot(const char *login, const struct drepo *r, const char *base, int i)
{
    char web[1024], https[1024], project[160];
    snprintf(web, sizeof(web), "%s/coding/p/%s-project/d/%s/git", base, login, r->name);
    snprintf(https, sizeof(https), "%s/coding/%s-project/%s.git", base, login, r->name);
    snprintf(project, sizeof(project), "%s-project", login);
    return json_pack(
        "{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:s}", "Id", 1000 + i, "Name", r->name,
        "ProjectName", project, "HttpsUrl", https, "WebUrl", web, "VcsType", "git", "DefaultBranch",
        r->branch, "LastPushAt", (json_int_t)(r->updated * 1000), "CreatedAt",
        (json_int_t)((r->updated - 90 * DR_DAY) * 1000), "RepoType", "CODING", "Description", "");
}

void drepos_coding_depots(const struct devsim_req *req, json_t *body, struct devsim_resp *resp)
{
    char *login = NULL, *scope = NULL;
    if (doauth_api_user(req, "coding", resp, &login, &scope) != 0) return;
    int page = body_int(body, "PageNumber", 1), per = body_int(body, "PageSize", 20);
    if (!has_word(scope, "vcs:repository:ro") && !has_word(scope, "vcs:repository:rw")) {
        devsim_reply_json(resp, 200,
                          coding_error("AuthFailure.TokenScopeNotAllowed",
                                       "the token has no vcs:repository scope"));
    } else if (page < 1 || per < 1 || per > 100) {
        devsim_reply_json(resp, 200,
                          coding_error("InvalidParameter", "PageNumber or PageSize is invalid"));
    } else {
        int total = 0;
        json_t *depots = repos_page(req, "coding", login, 1, page, per, coding_depot, &total);
        int pages = (total + per - 1) / per;
        devsim_reply_json(resp, 200,
                          json_pack("{s:{s:s, s:{s:o, s:{s:i, s:i, s:i, s:i}}}}", "Response",
                                    "RequestId", "devsim", "DepotData", "Depots", depots, "Page",
                                    "PageNumber", page, "PageSize", per, "TotalPage",
                                    pages ? pages : 1, "TotalRow", total));
    }
    free(login);
    free(scope);
}

/* ---- control ---- */

/* POST /_ctl/repos {"provider","login","count"}: how many repositories login has. */
static void ctl(const struct devsim_req *req, struct devsim_resp *resp)
{
    json_error_t err;
    json_t *j = strcmp(req->method, "POST") ? NULL : json_loadb(req->body, req->body_len, 0, &err);
    const char *prov = json_string_value(json_object_get(j, "provider"));
    const char *login = json_string_value(json_object_get(j, "login"));
    json_t *count = json_object_get(j, "count");
    if (!prov || !login || !json_is_integer(count) || json_integer_value(count) < 0 ||
        json_integer_value(count) > DR_MAX_COUNT || strlen(prov) >= sizeof(R.counts->prov) ||
        strlen(login) >= sizeof(R.counts->login)) {
        devsim_reply_error(resp, 400, "POST {\"provider\",\"login\",\"count\":0..1000}");
        json_decref(j);
        return;
    }
    pthread_mutex_lock(&R.mu);
    R.counts = realloc(R.counts, sizeof(*R.counts) * (R.n + 1));
    if (!R.counts) abort();
    struct dcount *c = &R.counts[R.n++];
    snprintf(c->prov, sizeof(c->prov), "%s", prov);
    snprintf(c->login, sizeof(c->login), "%s", login);
    c->count = (int)json_integer_value(count);
    pthread_mutex_unlock(&R.mu);
    devsim_reply_json(resp, 200, json_pack("{s:i}", "count", (int)json_integer_value(count)));
    json_decref(j);
}

/* Another method, or a path below GitHub's /user/repos: GitHub answers 404. */
static void github_not_found(const struct devsim_req *req, struct devsim_resp *resp)
{
    (void)req;
    devsim_reply_json(resp, 404, json_pack("{s:s}", "message", "Not Found"));
}

const struct devsim_route drepos_routes[] = {
    {"GET", "/github/api/user/repos", github_repos},
    {NULL, "/github/api/user/repos/**", github_not_found},
    {"GET", "/bitbucket/api/2.0/repositories/**", bitbucket_repos},
    {NULL, "/_ctl/repos/**", ctl},
    {NULL},
};

void drepos_free(void)
{
    pthread_mutex_lock(&R.mu);
    free(R.counts);
    R.counts = NULL;
    R.n = 0;
    pthread_mutex_unlock(&R.mu);
}
