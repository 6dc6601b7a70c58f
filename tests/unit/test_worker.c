/* Unit tests of worker.c: the first round at once, a kick runs another (also one that comes
 * during a round), a round with more to do is followed at once, stop is prompt and runs done
 * on the thread, and a worker never started ignores kicks. Every wait here is for an event
 * (a condition variable); the period is an hour, so nothing passes by waiting it out. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <time.h>

#include "worker.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int rounds, dones, more_left, hold_round, held, stopping_in_round, stopping_in_done;
static pthread_t round_thread, done_thread;

static struct worker w;

static int round_fn(void)
{
    pthread_mutex_lock(&mu);
    rounds++;
    round_thread = pthread_self();
    stopping_in_round |= worker_stopping(&w);
    pthread_cond_broadcast(&cv);
    while (hold_round) { /* the test kicks while this round is under way */
        held = 1;
        pthread_cond_broadcast(&cv);
        pthread_cond_wait(&cv, &mu);
    }
    int more = more_left > 0 ? more_left-- : 0;
    pthread_mutex_unlock(&mu);
    return more;
}

static void done_fn(void)
{
    pthread_mutex_lock(&mu);
    dones++;
    done_thread = pthread_self();
    stopping_in_done = worker_stopping(&w);
    pthread_mutex_unlock(&mu);
}

/* Waits until *v reaches n (30 s at most, then fails: the event did not come). */
static void wait_until(int *v, int n)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 30;
    pthread_mutex_lock(&mu);
    while (*v < n)
        if (pthread_cond_timedwait(&cv, &mu, &until) != 0) break;
    int got = *v;
    pthread_mutex_unlock(&mu);
    cr_assert_geq(got, n, "waited for %d, got %d", n, got);
}

static int value(int *v)
{
    pthread_mutex_lock(&mu);
    int n = *v;
    pthread_mutex_unlock(&mu);
    return n;
}

static void setup(void)
{
    rounds = dones = more_left = hold_round = held = 0;
    stopping_in_round = stopping_in_done = 0;
    w = (struct worker)WORKER("test", 3600, round_fn, done_fn);
}

TestSuite(worker, .init = setup, .timeout = 60);

Test(worker, first_round_at_once_and_a_round_per_kick)
{
    cr_assert_eq(worker_start(&w), 0);
    cr_assert_eq(worker_start(&w), -1, "already running");
    wait_until(&rounds, 1);
    worker_kick(&w);
    wait_until(&rounds, 2);
    worker_kick(&w);
    wait_until(&rounds, 3);
    worker_stop(&w);
    cr_assert_eq(value(&rounds), 3, "no round without a kick within the hour");
    cr_assert_eq(value(&dones), 1);
    cr_assert_eq(stopping_in_round, 0);
    cr_assert_eq(stopping_in_done, 1, "a long round can see the stop coming");
    cr_assert(pthread_equal(round_thread, done_thread), "done runs on the worker's thread");
    cr_assert_not(pthread_equal(round_thread, pthread_self()));
}

Test(worker, a_kick_during_a_round_is_not_lost)
{
    hold_round = 1;
    cr_assert_eq(worker_start(&w), 0);
    wait_until(&held, 1);
    worker_kick(&w);
    pthread_mutex_lock(&mu);
    hold_round = 0;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    wait_until(&rounds, 2);
    worker_stop(&w);
    cr_assert_eq(value(&rounds), 2);
}

Test(worker, a_round_with_more_to_do_is_followed_at_once)
{
    more_left = 4;
    cr_assert_eq(worker_start(&w), 0);
    wait_until(&rounds, 5);
    worker_stop(&w);
    cr_assert_eq(value(&rounds), 5, "four rounds said more, the fifth did not");
}

Test(worker, stop_is_prompt_and_the_worker_starts_again)
{
    cr_assert_eq(worker_start(&w), 0);
    wait_until(&rounds, 1);
    worker_stop(&w); /* an hour's wait under way: stop must not wait it out */
    cr_assert_eq(value(&dones), 1);
    worker_stop(&w);
    cr_assert_eq(value(&dones), 1, "a second stop does nothing");
    cr_assert_eq(worker_start(&w), 0);
    wait_until(&rounds, 2);
    worker_stop(&w);
    cr_assert_eq(value(&dones), 2);
}

Test(worker, a_worker_never_started_ignores_kicks)
{
    worker_kick(&w);
    cr_assert_eq(worker_stopping(&w), 0);
    worker_stop(&w);
    cr_assert_eq(value(&rounds), 0);
    cr_assert_eq(value(&dones), 0);
}
