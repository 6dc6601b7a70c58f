/* registry_repos: the Image Registry page's listing — an account's repositories with their
 * tags, sizes and build times, read from the registry's API (registry_api_url) with a
 * short-lived token daoid issues to itself (registry_token_self: the catalog, then pulls). The
 * catalog is filtered to the namespace "USERNAME/"; each repository's tags are listed, and each
 * tag's manifest (size: config + layers) and image config (created) read.
 *
 * A repository's last push is shown as its newest tag's build time: the image config's
 * "created" (what docker build and buildah write), else the manifest's
 * org.opencontainers.image.created annotation. Distribution 2.8 keeps no push time that its
 * API returns (manifests and blobs are served without Last-Modified; the tag list holds names
 * only), so the build time is the nearest the registry knows; an image re-pushed long after
 * its build shows the build. Everything happens
 * before one deadline (REG_LIST_SECONDS from the start): a registry that is down, slow or
 * answers nonsense gives RL_DOWN, never an error page. */
#ifndef DAOID_REGISTRY_REPOS_H
#define DAOID_REGISTRY_REPOS_H

#include <stdint.h>

struct arena;

#define REG_LIST_SECONDS 5
#define REG_REPOS_MAX    30 /* repositories shown */
#define REG_TAGS_MAX     10 /* tags shown per repository (the page says when there are more) */

struct reg_tag {
    char *name;
    int64_t size;    /* bytes: config + layers (compressed, as stored) */
    int64_t created; /* the image config's "created" (Unix time), 0 when absent */
};

struct reg_repo {
    char *name; /* "alice/app" */
    struct reg_tag tags[REG_TAGS_MAX];
    int ntags, more_tags;
    int64_t latest; /* the newest tag's created: the repository's last push as far as known */
};

enum reg_list_state {
    RL_OFF,  /* no registry configured (registry_address empty or no key) */
    RL_LIST, /* repos holds the list (maybe empty) */
    RL_DOWN, /* the registry did not answer, in time or sensibly */
};

struct reg_list {
    enum reg_list_state state;
    struct reg_repo *repos; /* in a */
    int n, more;
};

/* Whether namespace ns holds images: a repository with a tag (a repository whose manifests
 * were deleted stays in the catalog, tagless). 1 yes (or too many repositories to look into),
 * 0 no (or no registry configured), -1 the registry did not answer. A rename is refused while
 * it holds any (settings.c), and so is releasing a held username (admin.c): images stay under
 * the name they were pushed to, and the name must never pass to someone else with them. */
int registry_repos_any(struct arena *a, const char *ns);
/* Deletes every manifest of namespace ns (an account being deleted, closure.c): for each
 * repository under "ns/", each tag's manifest by digest, with a token granting daoid `delete`
 * (the registry's storage.delete must be enabled: `daoid registry init` writes it).
 * Untagged manifests (a tag moved to a newer image, a push by digest) are not reached:
 * Distribution 2.8's API lists tags, never manifests, and a manifest is deleted only by a
 * digest daoid never sees. They stay pullable by digest until the operator's
 * `docker-registry garbage-collect --delete-untagged` removes them (README: run it at least
 * once within username_hold, so they are gone before the name can pass on). Within
 * REG_PURGE_SECONDS. 0: nothing is left (or no registry configured); -1: the registry did not
 * answer or refused a delete (logged) — the caller then holds the username for good. */
#define REG_PURGE_SECONDS 5
int registry_repos_purge(struct arena *a, const char *ns);
/* The repositories of namespace ns (a canonical username). */
void registry_repos_list(struct arena *a, const char *ns, struct reg_list *out);

#endif
