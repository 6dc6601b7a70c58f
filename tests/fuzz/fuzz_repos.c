/* libFuzzer target: reading repositories from each provider's answer, provider times, Link
 * headers, and sealed provider tokens on arbitrary bytes: no crash; what is accepted has the
 * documented shape; any input sealed opens to itself, and the input as a sealed value opens
 * to nothing that was not sealed. */
#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "config.h"
#include "fuzz_env.h"
#include "oauth2.h"
#include "seal.h"

static const unsigned char key[32] = {1, 2, 3};

static void setup(void)
{
    static const char *const env[] = {"DAOID_GITHUB_CLIENT_ID",
                                      "g",
                                      "DAOID_BITBUCKET_CLIENT_ID",
                                      "b",
                                      "DAOID_CODING_CLIENT_ID",
                                      "c",
                                      "DAOID_CODING_URL",
                                      "https://team.coding.net",
                                      NULL};
    fuzz_env_clear();
    for (int i = 0; env[i]; i += 2) setenv(env[i], env[i + 1], 1);
    if (sodium_init() < 0 || config_load(NULL) != 0) abort();
}

static void check_repos(const struct oauth2_repos *r, int max)
{
    if (r->n < 0 || r->n > max) abort();
    for (int i = 0; i < r->n; i++) {
        const struct oauth2_repo *p = &r->v[i];
        if (!p->name || !*p->name || p->private_ < -1 || p->private_ > 1 || p->updated < 0) abort();
        if (p->link && strncasecmp(p->link, "http://", 7) && strncasecmp(p->link, "https://", 8))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        setup();
        ready = 1;
    }
    struct arena *a = arena_new();
    const char *body = (const char *)data;
    char *text = arena_strndup(a, body, size);
    for (int i = 0; oauth2_provider_names[i]; i++) {
        const struct oauth2_provider *p = oauth2_provider_get(a, oauth2_provider_names[i]);
        struct oauth2_repos r;
        if (!p) abort();
        if (oauth2_parse_repos(a, p, body, size, text, 5, &r) == OAUTH2_OK) check_repos(&r, 5);
    }
    if (oauth2_parse_time(text) < 0) abort();
    (void)oauth2_link_has_next(text);
    char *opened = seal_open(a, key, 9, "github", "1", "access", text);
    if (opened && strlen(opened) > SEAL_MAX) abort();
    char *sealed = seal_text(a, key, 9, "github", "1", "access", text);
    if (sealed) {
        char *back = seal_open(a, key, 9, "github", "1", "access", sealed);
        if (!back || strcmp(back, text)) abort();
        if (seal_open(a, key, 9, "github", "2", "access", sealed)) abort();
    } else if (*text && strlen(text) <= SEAL_MAX) {
        abort();
    }
    arena_free(a);
    return 0;
}
