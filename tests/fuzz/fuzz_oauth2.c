/* libFuzzer target: the OAuth2 client's parsers (token answers, the user and emails documents
 * of every preset) and the username suggestion on arbitrary bytes: no crash, and what they
 * accept has the documented shape. */
#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "arena.h"
#include "config.h"
#include "fuzz_env.h"
#include "oauth2.h"
#include "oauth_flow.h"

/* Names without a digit are taken, so the numbered suggestions run too. */
static int taken(void *ctx, const char *name)
{
    (void)ctx;
    return strpbrk(name, "0123456789") == NULL;
}

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        setup();
        ready = 1;
    }
    struct arena *a = arena_new();
    const char *body = (const char *)data;
    struct oauth2_token tok;
    char *err = NULL;
    if (oauth2_parse_token(a, body, size, &tok, &err) == OAUTH2_OK &&
        (!tok.access_token || !*tok.access_token || tok.expires_in < 0))
        abort();
    for (int i = 0; oauth2_provider_names[i]; i++) {
        const struct oauth2_provider *p = oauth2_provider_get(a, oauth2_provider_names[i]);
        struct oauth2_user u;
        if (!p) abort();
        if (oauth2_parse_user(a, p, body, size, &u) == OAUTH2_OK && (!u.id || !*u.id)) abort();
        if (p->emails_url && oauth2_parse_emails(a, p, body, size, &u) == OAUTH2_OK && u.email &&
            !*u.email)
            abort();
    }
    const char *name = oauth_flow_suggest_username(a, arena_strndup(a, body, size), taken, NULL);
    const char *canon = NULL;
    if (!name || account_username_normalize(a, name, &canon) != NAME_OK || strcmp(canon, name))
        abort();
    arena_free(a);
    return 0;
}
