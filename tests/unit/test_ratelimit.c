/* Unit tests of ratelimit: windows, the sliding estimate (bursts across a window edge), counting
 * to the limit, peek, reset, racing threads. */
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

Test(ratelimit, estimate_weighs_the_previous_window)
{
    const int64_t s0 = 1700000040; /* a minute's start */
    cr_assert_eq(ratelimit_estimate(0, 0, s0, 60, s0 + 10), 0);
    cr_assert_eq(ratelimit_estimate(3, 0, s0, 60, s0 + 10), 3);
    cr_assert_eq(ratelimit_estimate(1, 3, s0, 60, s0), 4,
                 "at the edge the previous minute is whole");
    cr_assert_eq(ratelimit_estimate(1, 3, s0, 60, s0 + 30), 3, "1 + 1.5, rounded up");
    cr_assert_eq(ratelimit_estimate(1, 3, s0, 60, s0 + 59), 2, "1 + 0.05, rounded up");
    cr_assert_eq(ratelimit_estimate(1, 3, s0, 60, s0 + 60), 1, "the previous minute is out");
    cr_assert_eq(ratelimit_estimate(1, 3, s0 + 10, 60, s0), 4, "a window ahead of this clock");
    cr_assert_eq(ratelimit_estimate(2, 5, s0, 0, s0), 7, "no window: both count");
}

/* The failure seen under load: a few events straddling a window edge. A fixed window split
 * them (2 + 2, each under 3) and let all 4 through; the estimate counts them whole. */
Test(ratelimit, a_burst_across_a_window_edge_is_counted_whole)
{
    struct st_conn *c = tl_conn();
    const struct rate r = {3, 60};
    cr_assert_eq(ratelimit_hit(c, "edge", &r, T0 + 18), RL_ALLOW);
    cr_assert_eq(ratelimit_hit(c, "edge", &r, T0 + 19), RL_ALLOW);
    /* T0 + 20 starts the next minute */
    cr_assert_eq(ratelimit_hit(c, "edge", &r, T0 + 20), RL_ALLOW);
    cr_assert_eq(ratelimit_hit(c, "edge", &r, T0 + 21), RL_DENY, "4 in 4 s are over 3/min");
    cr_assert_eq(ratelimit_peek(c, "edge", 60, T0 + 21), 4);
}

/* A fixed window let twice the limit through around an edge: the limit at the end of one
 * window and again at the start of the next. */
Test(ratelimit, no_double_burst_at_a_window_edge)
{
    struct st_conn *c = tl_conn();
    const struct rate r = {5, 60};
    for (int i = 0; i < 5; i++) cr_assert_eq(ratelimit_hit(c, "twice", &r, T0 + 19), RL_ALLOW);
    for (int i = 0; i < 5; i++)
        cr_assert_eq(ratelimit_hit(c, "twice", &r, T0 + 20), RL_DENY, "hit %d after the edge", i);
}

Test(ratelimit, the_limit_frees_up_as_the_window_slides)
{
    struct st_conn *c = tl_conn();
    const struct rate r = {2, 60};
    cr_assert_eq(ratelimit_hit(c, "k", &r, T0), RL_ALLOW);
    cr_assert_eq(ratelimit_hit(c, "k", &r, T0), RL_ALLOW);
    cr_assert_eq(ratelimit_hit(c, "k", &r, T0), RL_DENY);
    /* the next minute (from T0 + 20): the 3 weigh less and less */
    cr_assert_eq(ratelimit_peek(c, "k", 60, T0 + 20), 3);
    cr_assert_eq(ratelimit_peek(c, "k", 60, T0 + 50), 2, "3 × 30/60, rounded up");
    cr_assert_eq(ratelimit_peek(c, "k", 60, T0 + 79), 1);
    cr_assert_eq(ratelimit_hit(c, "k", &r, T0 + 70), RL_ALLOW, "1 + 3 × 10/60 → 2");
    cr_assert_eq(ratelimit_hit(c, "k", &r, T0 + 70), RL_DENY);
    /* two minutes on, only the minute before counts (2 events, 1 left at its end) */
    cr_assert_eq(ratelimit_peek(c, "k", 60, T0 + 80), 2);
    cr_assert_eq(ratelimit_peek(c, "k", 60, T0 + 139), 1);
    cr_assert_eq(ratelimit_peek(c, "k", 60, T0 + 140), 0);
    /* a window later than the next one starts from zero */
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
    /* the count weighs on the next window, not on later ones */
    cr_assert_eq(ratelimit_peek(c, "p", 60, T0 + 60), 2, "4 × 20/60, rounded up");
    cr_assert_eq(ratelimit_peek(c, "p", 60, T0 + 80), 0);
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
    cr_assert_eq(ratelimit_hit_each(c, 2, keys, rates, 1060, &over), RL_DENY);
    cr_assert_eq(over, 2u, "the minute before still weighs on the account");
    cr_assert_eq(ratelimit_hit_each(c, 2, keys, rates, 1140, &over), RL_ALLOW, "minutes later");
    cr_assert_eq(over, 0);
}
