/* Unit tests of ratelimit: windows, counting to the limit, peek, reset, racing threads. */
#include "config.h"
#include "ratelimit.h"

#include <pthread.h>

#include "testlib.h"

static void setup(void)
{
    tl_setup_with(TL_STORE, NULL);
}

static void teardown(void)
{
    tl_teardown();
}

TestSuite(ratelimit, .init = setup, .fini = teardown);

Test(ratelimit, window_start)
{
    cr_assert_eq(ratelimit_window(0, 60), 0);
    cr_assert_eq(ratelimit_window(59, 60), 0);
    cr_assert_eq(ratelimit_window(60, 60), 60);
    cr_assert_eq(ratelimit_window(7250, 60), 7200);
    cr_assert_eq(ratelimit_window(3599, 3600), 0);
    cr_assert_eq(ratelimit_window(3600, 3600), 3600);
    cr_assert_eq(ratelimit_window(1700000123, 86400), 1699920000);
    cr_assert_eq(ratelimit_window(12345, 1), 12345);
    cr_assert_eq(ratelimit_window(12345, 0), 12345);
}

#define T0 1700000080 /* 40 s into a minute */

Test(ratelimit, counts_to_limit_then_denies)
{
    struct st_conn *c = tl_conn();
    const struct rate r = {3, 60};
    for (int i = 0; i < 3; i++)
        cr_assert_eq(ratelimit_hit(c, "k", &r, T0 + i), RL_ALLOW, "hit %d", i);
    cr_assert_eq(ratelimit_hit(c, "k", &r, T0 + 5), RL_DENY);
    cr_assert_eq(ratelimit_hit(c, "k", &r, T0 + 19), RL_DENY);
    /* denied events count too */
    cr_assert_eq(ratelimit_peek(c, "k", 60, T0 + 19), 5);
}

Test(ratelimit, new_window_resets)
{
    struct st_conn *c = tl_conn();
    const struct rate r = {2, 60};
    cr_assert_eq(ratelimit_hit(c, "k", &r, T0), RL_ALLOW);
    cr_assert_eq(ratelimit_hit(c, "k", &r, T0), RL_ALLOW);
    cr_assert_eq(ratelimit_hit(c, "k", &r, T0), RL_DENY);
    /* T0 + 20 starts the next minute */
    cr_assert_eq(ratelimit_hit(c, "k", &r, T0 + 20), RL_ALLOW);
    cr_assert_eq(ratelimit_peek(c, "k", 60, T0 + 20), 1);
    cr_assert_eq(ratelimit_hit(c, "k", &r, T0 + 79), RL_ALLOW);
    cr_assert_eq(ratelimit_hit(c, "k", &r, T0 + 79), RL_DENY);
    /* a window later than the next one starts from zero as well */
    cr_assert_eq(ratelimit_hit(c, "k", &r, T0 + 3600), RL_ALLOW);
    cr_assert_eq(ratelimit_peek(c, "k", 60, T0 + 3600), 1);
}

Test(ratelimit, peek_does_not_count)
{
    struct st_conn *c = tl_conn();
    const struct rate r = {3, 60};
    for (int i = 0; i < 5; i++) cr_assert_eq(ratelimit_peek(c, "p", 60, T0), 0);
    cr_assert_eq(ratelimit_hit(c, "p", &r, T0), RL_ALLOW);
    for (int i = 0; i < 5; i++) cr_assert_eq(ratelimit_peek(c, "p", 60, T0), 1);
    cr_assert_eq(ratelimit_hit(c, "p", &r, T0), RL_ALLOW);
    cr_assert_eq(ratelimit_hit(c, "p", &r, T0), RL_ALLOW);
    cr_assert_eq(ratelimit_hit(c, "p", &r, T0), RL_DENY);
    /* the count belongs to its window */
    cr_assert_eq(ratelimit_peek(c, "p", 60, T0 + 60), 0);
    cr_assert_eq(ratelimit_peek(c, "other", 60, T0), 0);
}

Test(ratelimit, reset_forgets)
{
    struct st_conn *c = tl_conn();
    const struct rate r = {1, 3600};
    cr_assert_eq(ratelimit_hit(c, "login:ip:192.0.2.1", &r, T0), RL_ALLOW);
    cr_assert_eq(ratelimit_hit(c, "login:ip:192.0.2.1", &r, T0), RL_DENY);
    cr_assert_eq(ratelimit_hit(c, "login:ip:192.0.2.2", &r, T0), RL_ALLOW);
    ratelimit_reset(c, "login:ip:192.0.2.1");
    cr_assert_eq(ratelimit_peek(c, "login:ip:192.0.2.1", 3600, T0), 0);
    cr_assert_eq(ratelimit_hit(c, "login:ip:192.0.2.1", &r, T0), RL_ALLOW);
    /* only that key */
    cr_assert_eq(ratelimit_peek(c, "login:ip:192.0.2.2", 3600, T0), 1);
    ratelimit_reset(c, "never-seen");
}

enum { THREADS = 8, HITS = 25, LIMIT = 50 };

struct hammer {
    pthread_barrier_t *go;
    int allowed, denied, errors;
};

static void *hammer_main(void *arg)
{
    struct hammer *h = arg;
    const struct rate r = {LIMIT, 3600};
    struct st_conn *c = st_get();
    pthread_barrier_wait(h->go);
    for (int i = 0; i < HITS; i++) {
        switch (c ? ratelimit_hit(c, "hot", &r, T0) : RL_ERR) {
        case RL_ALLOW:
            h->allowed++;
            break;
        case RL_DENY:
            h->denied++;
            break;
        default:
            h->errors++;
            break;
        }
    }
    st_drop();
    return NULL;
}

Test(ratelimit, racing_threads_exactly_n_allowed)
{
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, THREADS);
    struct hammer h[THREADS];
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        h[i] = (struct hammer){.go = &go};
        cr_assert_eq(pthread_create(&t[i], NULL, hammer_main, &h[i]), 0);
    }
    int allowed = 0, denied = 0, errors = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        allowed += h[i].allowed;
        denied += h[i].denied;
        errors += h[i].errors;
    }
    pthread_barrier_destroy(&go);
    cr_assert_eq(errors, 0);
    cr_assert_eq(allowed, LIMIT);
    cr_assert_eq(denied, THREADS * HITS - LIMIT);
    cr_assert_eq(ratelimit_peek(tl_conn(), "hot", 3600, T0), THREADS * HITS);
}

/* several keys in one statement: each counted, and one over its limit denies the whole */
Test(ratelimit, hit_all_counts_each_and_denies_on_any)
{
    struct st_conn *c = tl_conn();
    const struct rate tight = {2, 60}, loose = {100, 3600};
    const char *keys[3] = {"all:a", "all:b", "all:c"};
    const struct rate *rates[3] = {&loose, &tight, &loose};
    cr_assert_eq(ratelimit_hit_all(c, 3, keys, rates, 1000), RL_ALLOW);
    cr_assert_eq(ratelimit_hit_all(c, 3, keys, rates, 1001), RL_ALLOW);
    cr_assert_eq(ratelimit_hit_all(c, 3, keys, rates, 1002), RL_DENY, "b is over its 2/60s");
    cr_assert_eq(ratelimit_peek(c, "all:a", 3600, 1002), 3);
    cr_assert_eq(ratelimit_peek(c, "all:b", 60, 1002), 3);
    cr_assert_eq(ratelimit_hit_all(c, 0, keys, rates, 1003), RL_ERR);
    cr_assert_eq(ratelimit_hit_all(c, 4, keys, rates, 1003), RL_ERR);
}

/* which of the keys is over its limit */
Test(ratelimit, hit_each_names_the_keys_over_their_limit)
{
    struct st_conn *c = tl_conn();
    const struct rate one = {1, 60}, two = {2, 60};
    const char *keys[2] = {"each:ip", "each:account"};
    const struct rate *rates[2] = {&two, &one};
    unsigned over = 99;
    cr_assert_eq(ratelimit_hit_each(c, 2, keys, rates, 1000, &over), RL_ALLOW);
    cr_assert_eq(over, 0);
    cr_assert_eq(ratelimit_hit_each(c, 2, keys, rates, 1001, &over), RL_DENY);
    cr_assert_eq(over, 2u, "only the account key is over");
    cr_assert_eq(ratelimit_hit_each(c, 2, keys, rates, 1002, &over), RL_DENY);
    cr_assert_eq(over, 3u, "both are over now");
    cr_assert_eq(ratelimit_hit_each(c, 2, keys, rates, 1060, &over), RL_ALLOW, "a new window");
    cr_assert_eq(over, 0);
}
