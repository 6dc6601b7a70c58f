/* Unit tests of ways_in: which ways in the config offers (each test is its own process, so
 * each computes the answers from its own config). */
#include "oauth2.h"
#include "ways_in.h"

#include "testlib.h"

static void teardown(void)
{
    tl_teardown();
}

TestSuite(ways_in, .fini = teardown);

Test(ways_in, password_only_by_default)
{
    tl_setup_with(0, NULL);
    ways_in_init();
    cr_assert_eq(ways_in_offered(WAY_IN_PASSWORD), 1);
    for (int w = WAY_IN_GITHUB; w < WAY_IN_COUNT; w++) {
        cr_assert_eq(ways_in_offered((enum way_in)w), 0, "%s", ways_in_name((enum way_in)w));
        cr_assert_eq(ways_in_provider(ways_in_name((enum way_in)w)), 0);
    }
    cr_assert_eq(ways_in_provider("password"), 0, "the password is no outside provider");
    cr_assert_eq(ways_in_provider(NULL), 0);
    cr_assert_eq(ways_in_offered(WAY_IN_COUNT), 0);
    cr_assert_null(ways_in_name(WAY_IN_COUNT));
}

Test(ways_in, configured_providers)
{
    static const char *const env[] = {"DAOID_GITHUB_CLIENT_ID", "gh-id", "DAOID_CODING_CLIENT_ID",
                                      "cd-id",
                                      /* Coding needs its team URL too: without it, not offered */
                                      "DAOID_WECHAT_APP_ID", "wx-id", "DAOID_WECHAT_APP_SECRET",
                                      "wx-secret", "DAOID_WECHAT_TOKEN", "wx-token", NULL};
    tl_setup_with(0, env);
    cr_assert_eq(ways_in_offered(WAY_IN_PASSWORD), 1);
    cr_assert_eq(ways_in_offered(WAY_IN_GITHUB), 1);
    cr_assert_eq(ways_in_offered(WAY_IN_BITBUCKET), 0);
    cr_assert_eq(ways_in_offered(WAY_IN_CODING), 0);
    cr_assert_eq(ways_in_offered(WAY_IN_WECHAT), 1);
    cr_assert_eq(ways_in_provider("github"), 1);
    cr_assert_eq(ways_in_provider("wechat"), 1);
    cr_assert_eq(ways_in_provider("bitbucket"), 0);
    cr_assert_eq(ways_in_provider("gitlab"), 0, "an unknown provider");
}

Test(ways_in, computed_once)
{
    static const char *const env[] = {"DAOID_BITBUCKET_CLIENT_ID",
                                      "bb-id",
                                      "DAOID_CODING_CLIENT_ID",
                                      "cd-id",
                                      "DAOID_CODING_URL",
                                      "https://team.coding.example",
                                      NULL};
    tl_setup_with(0, env);
    ways_in_init();
    cr_assert_eq(ways_in_offered(WAY_IN_BITBUCKET), 1);
    cr_assert_eq(ways_in_offered(WAY_IN_CODING), 1);
    cr_assert_eq(ways_in_offered(WAY_IN_GITHUB), 0);
    /* the answers were taken from the config at the first question */
    setenv("DAOID_GITHUB_CLIENT_ID", "late", 1);
    config_free();
    cr_assert_eq(config_load(NULL), 0);
    cr_assert_eq(oauth2_provider_enabled("github"), 1, "the config did change");
    ways_in_init();
    cr_assert_eq(ways_in_offered(WAY_IN_GITHUB), 0);
}
