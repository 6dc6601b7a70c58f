/* worker: a background thread that runs one function every few seconds, at once when kicked,
 * and stops promptly when asked (the waits are on a condition variable, never a sleep).
 *
 * A worker is a static object declared with WORKER(); its owner starts and stops it:
 *   stopped ──worker_start──▶ running: round, wait (every_s, or a kick, or stop), round, …
 *   running ──worker_stop──▶ stopped (the round under way ends first; done() runs on the
 *                            thread; worker_stop returns once it has)
 *
 * Invariants:
 *  1. Rounds never overlap: one thread runs them one after the other.
 *  2. A kick is never lost: a kick during a round makes the next round start without a wait.
 *  3. A round that returns > 0 (more is due) is followed by the next at once.
 *  4. worker_kick and worker_stopping may be called from any thread, on a worker that was never
 *     started too (then they do nothing, and say 0). */
#ifndef DAOID_WORKER_H
#define DAOID_WORKER_H

#include <pthread.h>

struct worker {
    const char *name;   /* for logs */
    int every_s;        /* seconds from the end of one round to the next */
    int (*run)(void);   /* one round: > 0 when more is due at once */
    void (*done)(void); /* on the thread before it ends (e.g. st_drop), or NULL */
    /* the rest is the worker's own */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    int running, stopping, kicked;
};

#define WORKER(name_, every_s_, run_, done_)                                                       \
    {                                                                                              \
        .name = (name_), .every_s = (every_s_), .run = (run_), .done = (done_),                    \
        .mu = PTHREAD_MUTEX_INITIALIZER                                                            \
    }

/* Starts the thread (its first round at once). 0, or -1 when it is running already or the
 * thread cannot be made (logged). */
int worker_start(struct worker *w);
/* Asks the thread to stop and waits for it (the round under way ends first). Nothing when the
 * worker is not running. */
void worker_stop(struct worker *w);
/* Makes the next round start now (or right after the one under way). */
void worker_kick(struct worker *w);
/* 1 once worker_stop was called on a running worker: a long round should return early. */
int worker_stopping(struct worker *w);

#endif
