/* ways_in: see ways_in.h. The answers are a table filled once under pthread_once, from the
 * presets' own tests of the config (oauth2_providers.c, wechat_api.c). */
#include "ways_in.h"

#include <pthread.h>
#include <string.h>

#include "oauth2.h"
#include "wechat_api.h"

static const char *const names[WAY_IN_COUNT] = {"password", "github", "bitbucket", "coding",
                                                "wechat"};
static int offered[WAY_IN_COUNT];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void compute(void)
{
    offered[WAY_IN_PASSWORD] = 1;
    for (int w = WAY_IN_GITHUB; w <= WAY_IN_CODING; w++)
        offered[w] = oauth2_provider_enabled(names[w]);
    offered[WAY_IN_WECHAT] = wechat_api_enabled();
}

void ways_in_init(void)
{
    pthread_once(&once, compute);
}

void ways_in_reload(void)
{
    ways_in_init();
    compute();
}

int ways_in_offered(enum way_in w)
{
    ways_in_init();
    return (unsigned)w < WAY_IN_COUNT && offered[w];
}

const char *ways_in_name(enum way_in w)
{
    return (unsigned)w < WAY_IN_COUNT ? names[w] : NULL;
}

int ways_in_provider(const char *provider)
{
    if (!provider) return 0;
    for (int w = WAY_IN_GITHUB; w < WAY_IN_COUNT; w++)
        if (!strcmp(provider, names[w])) return ways_in_offered((enum way_in)w);
    return 0;
}
