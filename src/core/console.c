/* console: see console.h. One write each for the tour and a dismissed offer (accounts.c); reads of
 * the dismissed offers and of the identities. */
#include "console.h"

#include <string.h>

#include "accounts.h"
#include "arena.h"
#include "config.h"
#include "identity.h"
#include "store.h"

static const char *const names[CP_COUNT] = {"github", "bitbucket", "coding", "wechat"};

const char *console_provider_name(enum console_provider p)
{
    return p < CP_COUNT ? names[p] : "";
}

enum console_provider console_provider_find(const char *name)
{
    int p = 0;
    while (p < CP_COUNT && !(name && !strcmp(name, names[p]))) p++;
    return (enum console_provider)p;
}

int console_offer_dismiss(int64_t account_id, enum console_provider p)
{
    struct st_conn *c = st_get();
    if (!c || p >= CP_COUNT) return -1;
    return accounts_dismiss_offer(c, account_id, (int64_t)1 << p);
}

int console_tour_set(int64_t account_id, int done, int64_t now)
{
    struct st_conn *c = st_get();
    if (!c) return -1;
    return accounts_set_tour_done(c, account_id, done, now);
}

static int offered(enum console_provider p)
{
    const char *id = p == CP_GITHUB      ? cfg->github_client_id
                     : p == CP_BITBUCKET ? cfg->bitbucket_client_id
                     : p == CP_CODING    ? cfg->coding_client_id
                                         : cfg->wechat_app_id;
    return id && *id;
}

int console_view(int64_t account_id, struct console_view *v)
{
    memset(v, 0, sizeof(*v));
    for (int p = 0; p < CP_COUNT; p++) v->offered[p] = offered((enum console_provider)p);
    struct st_conn *c = st_get();
    if (!c) return -1;
    int64_t dismissed = 0;
    if (accounts_offers_dismissed(c, account_id, &dismissed) != 0) return -1;
    for (int p = 0; p < CP_COUNT; p++) v->dismissed[p] = (dismissed >> p) & 1;
    struct arena *a = arena_new();
    struct identity *ids = NULL;
    int n = 0, rc = identity_list(c, a, account_id, &ids, &n);
    for (int i = 0; rc == 0 && i < n; i++)
        for (int p = 0; p < CP_COUNT; p++)
            if (ids[i].provider && !strcmp(ids[i].provider, names[p])) v->bound[p] = 1;
    arena_free(a);
    return rc;
}
