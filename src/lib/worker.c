/* worker: see worker.h for the states and invariants. The wait is a pthread_cond_timedwait on
 * the monotonic clock, so setting the wall clock neither stalls nor hurries a worker. */
#include "worker.h"

#include <errno.h>
#include <time.h>

#include "clock.h"
#include "log.h"

/* The monotonic time every_s seconds from now, as the condition variable's clock reads it. */
static struct timespec wake_at(int every_s)
{
    int64_t us = clock_mono_us() + (int64_t)(every_s > 0 ? every_s : 1) * 1000000;
    struct timespec ts = {.tv_sec = (time_t)(us / 1000000), .tv_nsec = (long)(us % 1000000) * 1000};
    return ts;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    pthread_mutex_lock(&w->mu);
    while (!w->stopping) {
        w->kicked = 0;
        pthread_mutex_unlock(&w->mu);
        int more = w->run();
        pthread_mutex_lock(&w->mu);
        if (more > 0) continue;
        struct timespec until = wake_at(w->every_s);
        while (!w->stopping && !w->kicked &&
               pthread_cond_timedwait(&w->cv, &w->mu, &until) != ETIMEDOUT) {
        }
    }
    pthread_mutex_unlock(&w->mu);
    if (w->done) w->done();
    return NULL;
}

int worker_start(struct worker *w)
{
    pthread_mutex_lock(&w->mu);
    int rc = -1;
    if (w->running) goto out;
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cv, &attr);
    pthread_condattr_destroy(&attr);
    w->stopping = w->kicked = 0;
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
        log_warnx("worker %s: cannot start a thread", w->name);
        pthread_cond_destroy(&w->cv);
        goto out;
    }
    w->running = 1;
    rc = 0;
out:
    pthread_mutex_unlock(&w->mu);
    return rc;
}

void worker_stop(struct worker *w)
{
    pthread_mutex_lock(&w->mu);
    int running = w->running && !w->stopping;
    if (running) {
        w->stopping = 1;
        pthread_cond_signal(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    if (!running) return;
    pthread_join(w->thread, NULL);
    pthread_mutex_lock(&w->mu);
    w->running = 0;
    pthread_mutex_unlock(&w->mu);
    pthread_cond_destroy(&w->cv);
}

void worker_kick(struct worker *w)
{
    pthread_mutex_lock(&w->mu);
    if (w->running) {
        w->kicked = 1;
        pthread_cond_signal(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
}

int worker_stopping(struct worker *w)
{
    pthread_mutex_lock(&w->mu);
    int s = w->stopping;
    pthread_mutex_unlock(&w->mu);
    return s;
}
