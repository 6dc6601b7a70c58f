/* registry_repos: see registry_repos.h. */
#include "registry_repos.h"

#include <jansson.h>
#include <sodium.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "config.h"
#include "httpc.h"
#include "log.h"
#include "registry_token.h"
#include "text.h"

#define MANIFEST_TYPES                                                                             \
    "Accept: application/vnd.oci.image.manifest.v1+json, "                                         \
    "application/vnd.docker.distribution.manifest.v2+json"

/* method (NULL: GET) path on the registry with a token for scope: the status (resp filled), or
 * -1 when there is no token or no answer. */
static long call(struct arena *a, const char *method, const char *path, const char *scope,
                 int64_t deadline, const char *accept, struct httpc_resp *resp)
{
    const char *scopes[1] = {scope};
    char *token = registry_token_self(a, scopes, 1);
    if (!token) return -1;
    const char *hdrs[3] = {arena_printf(a, "Authorization: Bearer %s", token), accept, NULL};
    struct httpc_req req = {
        .name = "registry: api",
        .url = *cfg->registry_api_url
                   ? arena_printf(a, "%s%s", cfg->registry_api_url, path)
                   : arena_printf(a, "https://%s%s", cfg->registry_address, path),
        .method = method,
        .headers = hdrs,
        .deadline_us = deadline,
    };
    return httpc_call(a, &req, resp) == HTTPC_OK ? resp->status : -1;
}

/* GET path with a token for scope; the JSON answer (new reference) or NULL. */
static json_t *get(struct arena *a, const char *path, const char *scope, int64_t deadline,
                   const char *accept)
{
    struct httpc_resp resp;
    if (call(a, NULL, path, scope, deadline, accept, &resp) != 200) return NULL;
    return httpc_json(resp.body, resp.len);
}

/* "2026-12-07T07:00:00.123Z" → Unix time; 0 when it does not parse. */
static int64_t rfc3339(const char *s)
{
    struct tm tm = {0};
    const char *end = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
    return end ? (int64_t)timegm(&tm) : 0;
}

/* A tag's size and creation time: -1 when the registry failed. */
static int tag_read(struct arena *a, const char *repo, struct reg_tag *t, int64_t deadline)
{
    const char *scope = arena_printf(a, "repository:%s:pull", repo);
    json_t *m = get(a, arena_printf(a, "/v2/%s/manifests/%s", repo, t->name), scope, deadline,
                    MANIFEST_TYPES);
    if (!m) return -1;
    json_t *cfgj = json_object_get(m, "config");
    t->size = json_integer_value(json_object_get(cfgj, "size"));
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(m, "layers"), i, l) t->size +=
        json_integer_value(json_object_get(l, "size"));
    const char *digest = json_string_value(json_object_get(cfgj, "digest"));
    json_t *c =
        digest && strlen(digest) < 100
            ? get(a, arena_printf(a, "/v2/%s/blobs/%s", repo, digest), scope, deadline, NULL)
            : NULL;
    t->created = c ? rfc3339(json_string_value(json_object_get(c, "created"))) : 0;
    if (!t->created) /* an OCI image may carry it as an annotation instead */
        t->created = rfc3339(json_string_value(json_object_get(
            json_object_get(m, "annotations"), "org.opencontainers.image.created")));
    json_decref(c);
    json_decref(m);
    return 0;
}

static int repo_read(struct arena *a, struct reg_repo *r, int64_t deadline)
{
    json_t *tl = get(a, arena_printf(a, "/v2/%s/tags/list", r->name),
                     arena_printf(a, "repository:%s:pull", r->name), deadline, NULL);
    if (!tl) return -1;
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(tl, "tags"), i, t)
    {
        if (!json_is_string(t)) continue;
        if (r->ntags == REG_TAGS_MAX) {
            r->more_tags = 1;
            break;
        }
        struct reg_tag *tag = &r->tags[r->ntags];
        tag->name = arena_strdup(a, json_string_value(t));
        if (tag_read(a, r->name, tag, deadline) != 0) {
            json_decref(tl);
            return -1;
        }
        if (tag->created > r->latest) r->latest = tag->created;
        r->ntags++;
    }
    json_decref(tl);
    return 0;
}

#define CATALOG_PAGE  1000
#define CATALOG_PAGES 10

/* The catalog's names under prefix ("alice/"), in order, at most max into names[] (in a):
 * the catalog is sorted, so the listing starts just before the prefix (?last=) and stops past
 * it. The count (*more set when there were more), or -1 when the registry failed. */
static int catalog_under(struct arena *a, const char *prefix, int64_t deadline, char **names,
                         int max, int *more)
{
    size_t pn = strlen(prefix);
    const char *last = arena_strndup(a, prefix, pn - 1);
    int n = 0;
    *more = 0;
    for (int page = 0; page < CATALOG_PAGES; page++) {
        json_t *cat = get(
            a, arena_printf(a, "/v2/_catalog?n=%d&last=%s", CATALOG_PAGE, text_urlencode(a, last)),
            "registry:catalog:*", deadline, NULL);
        if (!cat) return -1;
        json_t *list = json_object_get(cat, "repositories");
        size_t i, count = json_array_size(list);
        int past = 0;
        json_t *name;
        json_array_foreach(list, i, name)
        {
            const char *s = json_string_value(name);
            if (!s) continue;
            last = arena_strdup(a, s);
            if (strncmp(s, prefix, pn) < 0) continue;
            if (strncmp(s, prefix, pn) > 0) {
                past = 1;
                break;
            }
            if (n == max) {
                *more = past = 1;
                break;
            }
            names[n++] = arena_strdup(a, s);
        }
        json_decref(cat);
        if (past || count < CATALOG_PAGE) return n;
    }
    *more = 1;
    return n;
}

void registry_repos_list(struct arena *a, const char *ns, struct reg_list *out)
{
    memset(out, 0, sizeof(*out));
    if (!*cfg->registry_address) return;
    int64_t deadline = httpc_deadline(REG_LIST_SECONDS);
    char **names = arena_alloc(a, REG_REPOS_MAX * sizeof(*names));
    int n =
        catalog_under(a, arena_printf(a, "%s/", ns), deadline, names, REG_REPOS_MAX, &out->more);
    if (n < 0) {
        out->state = registry_token_self(a, NULL, 0) ? RL_DOWN : RL_OFF;
        return;
    }
    out->state = RL_LIST;
    out->repos = arena_alloc(a, REG_REPOS_MAX * sizeof(*out->repos));
    for (int i = 0; i < n; i++) {
        struct reg_repo *r = &out->repos[out->n];
        memset(r, 0, sizeof(*r));
        r->name = names[i];
        if (repo_read(a, r, deadline) != 0) {
            out->state = RL_DOWN;
            return;
        }
        if (r->ntags) out->n++; /* a tagless one is what a deletion left (purge_repo) */
    }
}

#define PURGE_TYPES                                                                                \
    MANIFEST_TYPES ", application/vnd.oci.image.index.v1+json, "                                   \
                   "application/vnd.docker.distribution.manifest.list.v2+json"
#define PURGE_REPOS_MAX 1000

/* Deletes the manifest tag of repo points at (by digest: the SHA-256 of the manifest as
 * stored; Distribution drops the tags pointing at it). 0 (gone, or already: an earlier delete
 * of the same digest), -1 failed. purge_repo checks afterwards that no tag is left. */
static int purge_tag(struct arena *a, const char *repo, const char *tag, int64_t deadline)
{
    const char *scope = arena_printf(a, "repository:%s:pull,delete", repo);
    struct httpc_resp m;
    long st = call(a, NULL, arena_printf(a, "/v2/%s/manifests/%s", repo, text_urlencode(a, tag)),
                   scope, deadline, PURGE_TYPES, &m);
    if (st == 404) return 0;
    if (st != 200) return -1;
    unsigned char h[crypto_hash_sha256_BYTES];
    char hex[2 * sizeof(h) + 1];
    crypto_hash_sha256(h, (const unsigned char *)m.body, m.len);
    sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
    struct httpc_resp d;
    st = call(a, "DELETE", arena_printf(a, "/v2/%s/manifests/sha256:%s", repo, hex), scope,
              deadline, NULL, &d);
    return st == 202 || st == 404 ? 0 : -1;
}

/* repo's tags (new reference; an empty array when the repository has none), or NULL. */
static json_t *tags_of(struct arena *a, const char *repo, int64_t deadline)
{
    struct httpc_resp r;
    long st = call(a, NULL, arena_printf(a, "/v2/%s/tags/list", repo),
                   arena_printf(a, "repository:%s:pull", repo), deadline, NULL, &r);
    if (st == 404) return json_array();
    json_t *tl = st == 200 ? httpc_json(r.body, r.len) : NULL;
    json_t *tags = json_incref(json_object_get(tl, "tags"));
    json_decref(tl);
    if (!tl || json_is_null(tags) || !tags) {
        json_decref(tags);
        return tl ? json_array() : NULL;
    }
    return tags;
}

int registry_repos_any(struct arena *a, const char *ns)
{
    if (!*cfg->registry_address || !registry_token_self(a, NULL, 0)) return 0;
    int64_t deadline = httpc_deadline(REG_LIST_SECONDS);
    char **names = arena_alloc(a, PURGE_REPOS_MAX * sizeof(*names));
    int more = 0;
    int n = catalog_under(a, arena_printf(a, "%s/", ns), deadline, names, PURGE_REPOS_MAX, &more);
    if (n < 0) return -1;
    if (more) return 1; /* too many to look into: counted as holding images */
    /* a repository stays in the catalog once its manifests are deleted: its tags tell */
    for (int i = 0; i < n; i++) {
        json_t *tags = tags_of(a, names[i], deadline);
        if (!tags) return -1;
        size_t k = json_array_size(tags);
        json_decref(tags);
        if (k) return 1;
    }
    return 0;
}

/* Every tag's manifest deleted, then the tags listed again: 0 when none is left. */
static int purge_repo(struct arena *a, const char *repo, int64_t deadline)
{
    json_t *tags = tags_of(a, repo, deadline);
    if (!tags) return -1;
    int rc = 0;
    size_t i;
    json_t *t;
    json_array_foreach(tags, i, t)
    {
        if (json_is_string(t) && purge_tag(a, repo, json_string_value(t), deadline) != 0) {
            rc = -1;
            break;
        }
    }
    json_decref(tags);
    if (rc != 0 || !(tags = tags_of(a, repo, deadline))) return -1;
    rc = json_array_size(tags) == 0 ? 0 : -1;
    json_decref(tags);
    return rc;
}

int registry_repos_purge(struct arena *a, const char *ns)
{
    if (!*cfg->registry_address) return 0;
    int64_t deadline = httpc_deadline(REG_PURGE_SECONDS);
    char **names = arena_alloc(a, PURGE_REPOS_MAX * sizeof(*names));
    int more = 0;
    int n = catalog_under(a, arena_printf(a, "%s/", ns), deadline, names, PURGE_REPOS_MAX, &more);
    if (n < 0 || more) {
        log_warnx("registry: namespace %s not purged: %s", ns,
                  n < 0 ? "the catalog did not answer" : "too many repositories");
        return -1;
    }
    for (int i = 0; i < n; i++)
        if (purge_repo(a, names[i], deadline) != 0) {
            log_warnx("registry: namespace %s not purged: %s did not answer a delete", ns,
                      names[i]);
            return -1;
        }
    if (n) log_info("registry: namespace %s purged (%d repositories)", ns, n);
    return 0;
}
