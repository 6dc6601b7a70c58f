/* logbuf: per-thread access log buffers and the thread that flushes the quiet ones (logbuf.h).
 * Lock order: lb.mu (the list of buffers, the flusher's state) → a buffer's mu → lb.wmu (the
 * write lock). A request thread takes its own buffer's mu, which no other request thread ever
 * takes (only the flusher, for a buffer whose thread let a line grow old, and logbuf_flush),
 * and lb.wmu only when it writes its buffer out: once per buffer-full or flush period. */
#include "logbuf.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct lb_buf {
    pthread_mutex_t mu;    /* len and data */
    atomic_llong since_ms; /* monotonic ms of the oldest line in data; 0: empty */
    size_t len, cap;
    struct lb_buf *prev, *next; /* in lb.bufs, under lb.mu */
    char data[];
};

enum lb_flusher { LB_NONE, LB_RUNNING, LB_FAILED };

static struct {
    pthread_mutex_t mu;  /* bufs, flusher, stopping */
    pthread_cond_t cv;   /* the flusher's wait (CLOCK_MONOTONIC); signalled on stop */
    pthread_mutex_t wmu; /* one write of buffered lines at a time */
    struct lb_buf *bufs;
    pthread_t thread;
    atomic_int flusher; /* enum lb_flusher */
    int stopping;
    atomic_int fd, flush_ms;
    atomic_size_t bytes;
    pthread_once_t once;
    pthread_key_t key; /* this thread's struct lb_buf */
} lb = {.mu = PTHREAD_MUTEX_INITIALIZER,
        .wmu = PTHREAD_MUTEX_INITIALIZER,
        .fd = STDOUT_FILENO,
        .flush_ms = 1000,
        .once = PTHREAD_ONCE_INIT};

static int64_t lb_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    return ms > 0 ? ms : 1; /* 0 means "empty" */
}

/* n bytes of whole lines, under the write lock, on through short writes and EINTR; a stdout
 * that takes nothing (closed, or full and non-blocking) loses them, as an unbuffered line. */
static void lb_write(const char *p, size_t n)
{
    int saved = errno, fd = atomic_load_explicit(&lb.fd, memory_order_relaxed);
    pthread_mutex_lock(&lb.wmu);
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        p += w;
        n -= (size_t)w;
    }
    pthread_mutex_unlock(&lb.wmu);
    errno = saved;
}

/* writes b's lines out and empties it; the caller holds b->mu */
static void lb_drain(struct lb_buf *b)
{
    if (b->len) lb_write(b->data, b->len);
    b->len = 0;
    atomic_store_explicit(&b->since_ms, 0, memory_order_relaxed);
}

/* the thread ends: its lines are written and its buffer freed */
static void lb_release(void *p)
{
    struct lb_buf *b = p;
    pthread_mutex_lock(&lb.mu);
    pthread_mutex_lock(&b->mu);
    lb_drain(b);
    pthread_mutex_unlock(&b->mu);
    if (b->prev)
        b->prev->next = b->next;
    else
        lb.bufs = b->next;
    if (b->next) b->next->prev = b->prev;
    pthread_mutex_unlock(&lb.mu);
    pthread_mutex_destroy(&b->mu);
    free(b);
}

static void lb_init(void)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&lb.cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_key_create(&lb.key, lb_release);
    atexit(logbuf_stop); /* exit() and fatal() too */
}

/* Every flush_ms at most: writes the buffers whose oldest line is due, then waits until the
 * next one is (or a flush period, when all are empty). */
static void *lb_flusher(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lb.mu);
    while (!lb.stopping) {
        int64_t ms = atomic_load_explicit(&lb.flush_ms, memory_order_relaxed);
        int64_t now = lb_now_ms(), next = now + ms;
        for (struct lb_buf *b = lb.bufs; b; b = b->next) {
            int64_t since = atomic_load_explicit(&b->since_ms, memory_order_relaxed);
            if (since && now - since >= ms) {
                pthread_mutex_lock(&b->mu);
                since = atomic_load_explicit(&b->since_ms, memory_order_relaxed);
                if (since && now - since >= ms) lb_drain(b);
                pthread_mutex_unlock(&b->mu);
                since = atomic_load_explicit(&b->since_ms, memory_order_relaxed);
            }
            if (since && since + ms < next) next = since + ms;
        }
        struct timespec until = {.tv_sec = next / 1000, .tv_nsec = (next % 1000) * 1000000};
        pthread_cond_timedwait(&lb.cv, &lb.mu, &until);
    }
    pthread_mutex_unlock(&lb.mu);
    return NULL;
}

static void lb_start_flusher(void)
{
    pthread_mutex_lock(&lb.mu);
    if (atomic_load(&lb.flusher) == LB_NONE && !lb.stopping)
        atomic_store(&lb.flusher, pthread_create(&lb.thread, NULL, lb_flusher, NULL) == 0
                                      ? LB_RUNNING
                                      : LB_FAILED);
    pthread_mutex_unlock(&lb.mu);
}

/* this thread's buffer, made on its first line; NULL when out of memory. lb_init has run
 * (bytes is not 0 before logbuf_setup). */
static struct lb_buf *lb_mine(size_t bytes)
{
    struct lb_buf *b = pthread_getspecific(lb.key);
    if (b) return b;
    b = malloc(sizeof(*b) + bytes);
    if (!b) return NULL;
    pthread_mutex_init(&b->mu, NULL);
    atomic_init(&b->since_ms, 0);
    b->len = 0;
    b->cap = bytes;
    b->prev = NULL;
    pthread_mutex_lock(&lb.mu);
    b->next = lb.bufs;
    if (lb.bufs) lb.bufs->prev = b;
    lb.bufs = b;
    pthread_mutex_unlock(&lb.mu);
    pthread_setspecific(lb.key, b);
    return b;
}

void logbuf_setup(int fd, size_t bytes, int flush_ms)
{
    pthread_once(&lb.once, lb_init);
    pthread_mutex_lock(&lb.mu);
    lb.stopping = 0;
    pthread_mutex_unlock(&lb.mu);
    atomic_store(&lb.fd, fd);
    atomic_store(&lb.flush_ms, flush_ms > 0 ? flush_ms : 1000);
    atomic_store(&lb.bytes, bytes);
}

void logbuf_put(const char *line, size_t n)
{
    size_t bytes = atomic_load_explicit(&lb.bytes, memory_order_relaxed);
    struct lb_buf *b = bytes ? lb_mine(bytes) : NULL;
    if (!b) { /* unbuffered: one write(2), whole for a line under PIPE_BUF */
        int saved = errno;
        ssize_t w = write(atomic_load_explicit(&lb.fd, memory_order_relaxed), line, n);
        (void)w;
        errno = saved;
        return;
    }
    if (atomic_load_explicit(&lb.flusher, memory_order_relaxed) == LB_NONE) lb_start_flusher();
    int64_t ms = atomic_load_explicit(&lb.flush_ms, memory_order_relaxed);
    pthread_mutex_lock(&b->mu);
    int64_t now = lb_now_ms();
    if (b->len + n > b->cap) lb_drain(b);
    if (n > b->cap) {
        lb_write(line, n);
    } else {
        memcpy(b->data + b->len, line, n);
        b->len += n;
        int64_t since = atomic_load_explicit(&b->since_ms, memory_order_relaxed);
        if (!since)
            atomic_store_explicit(&b->since_ms, now, memory_order_relaxed);
        else if (now - since >= ms)
            lb_drain(b);
    }
    pthread_mutex_unlock(&b->mu);
}

void logbuf_flush(void)
{
    pthread_mutex_lock(&lb.mu);
    for (struct lb_buf *b = lb.bufs; b; b = b->next) {
        pthread_mutex_lock(&b->mu);
        lb_drain(b);
        pthread_mutex_unlock(&b->mu);
    }
    pthread_mutex_unlock(&lb.mu);
}

void logbuf_stop(void)
{
    pthread_mutex_lock(&lb.mu);
    int running = atomic_load(&lb.flusher) == LB_RUNNING;
    lb.stopping = 1;
    atomic_store(&lb.flusher, LB_NONE);
    if (running) pthread_cond_broadcast(&lb.cv);
    pthread_mutex_unlock(&lb.mu);
    if (running) pthread_join(lb.thread, NULL);
    atomic_store(&lb.bytes, 0);
    logbuf_flush();
}
