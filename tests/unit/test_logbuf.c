/* Unit tests of logbuf, the access log's buffer: lines from many threads arrive whole, each
 * once, through a pipe (buffers of 32 KiB: writes far above PIPE_BUF); a line is held, then
 * written by the flusher within the flush period with no further line; a buffer that would
 * overflow is written; SIGHUP's flush and stop write what is held; a size of 0 writes at once.
 * Every wait is for an event (poll on the pipe, 30 s at most), never a sleep. */
#include <poll.h>
#include <pthread.h>
#include <time.h>

#include "log.h"
#include "logbuf.h"

#include "testlib.h"

static int rfd = -1, wfd = -1;

static void setup(void)
{
    int p[2];
    cr_assert_eq(pipe(p), 0);
    rfd = p[0];
    wfd = p[1];
    log_json(0);
    log_access_enable(1);
}

static void teardown(void)
{
    logbuf_stop();
    if (wfd >= 0) close(wfd);
    close(rfd);
}

TestSuite(logbuf, .init = setup, .fini = teardown, .timeout = 120);

/* one access line, path /p/T/I/ and pad x's (the path is cut at 200 by log.c) */
static void access_line(int t, int i, int pad)
{
    char path[256], req[32];
    int n = snprintf(path, sizeof(path), "/p/%d/%d/", t, i);
    memset(path + n, 'x', (size_t)pad);
    path[n + pad] = 0;
    snprintf(req, sizeof(req), "r%d-%d", t, i);
    struct log_access_rec rec = {
        .ip = "127.0.0.1", .method = "GET", .path = path, .reqid = req, .status = 200, .ms = 1.5};
    log_access(&rec);
}

/* 1 when the pipe has something to read within ms */
static int readable(int ms)
{
    struct pollfd p = {.fd = rfd, .events = POLLIN};
    return poll(&p, 1, ms) == 1;
}

/* what is in the pipe now (at most cap - 1 bytes), as a string */
static size_t drain(char *buf, size_t cap)
{
    size_t n = 0;
    while (n + 1 < cap && readable(0)) {
        ssize_t r = read(rfd, buf + n, cap - 1 - n);
        if (r <= 0) break;
        n += (size_t)r;
    }
    buf[n] = 0;
    return n;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define THREADS 8
#define LINES   1500

static void *writer(void *arg)
{
    int t = (int)(intptr_t)arg;
    for (int i = 0; i < LINES; i++) access_line(t, i, (t * 31 + i * 17) % 180);
    return NULL; /* the thread's end writes its buffer */
}

/* a few lines (less than the pipe holds: nobody reads while the thread runs) */
static void *writer_few(void *arg)
{
    for (int i = 0; i < 20; i++) access_line((int)(intptr_t)arg, i, 5);
    return NULL;
}

struct collected {
    char *s;
    size_t n, cap;
};

static void *reader(void *arg)
{
    struct collected *c = arg;
    for (;;) {
        if (c->n + 65536 > c->cap) {
            c->cap = c->cap * 2 + 65536;
            c->s = realloc(c->s, c->cap + 1);
        }
        ssize_t r = read(rfd, c->s + c->n, c->cap - c->n);
        if (r <= 0) break;
        c->n += (size_t)r;
    }
    c->s[c->n] = 0;
    return NULL;
}

Test(logbuf, lines_from_threads_arrive_whole_and_once)
{
    logbuf_setup(wfd, 32768, 1000);
    struct collected c = {0};
    pthread_t rd, w[THREADS];
    cr_assert_eq(pthread_create(&rd, NULL, reader, &c), 0);
    for (int t = 0; t < THREADS; t++)
        cr_assert_eq(pthread_create(&w[t], NULL, writer, (void *)(intptr_t)t), 0);
    for (int t = 0; t < THREADS; t++) pthread_join(w[t], NULL);
    logbuf_stop();
    close(wfd);
    wfd = -1;
    pthread_join(rd, NULL);

    static unsigned char seen[THREADS][LINES];
    int lines = 0;
    for (char *line = c.s, *end; *line; line = end + 1) {
        end = strchr(line, '\n');
        cr_assert_not_null(end, "a line without its end: %.200s", line);
        *end = 0;
        /* TIME access req=rT-I 127.0.0.1 GET /p/T/I/xxx 200 1.5ms */
        int t = -1, i = -1, k = 0;
        sscanf(line, "%*4d-%*2d-%*2dT%*2d:%*2d:%*2dZ%n", &k);
        cr_assert_eq(k, 20, "no time at the start: %.300s", line);
        cr_assert_eq(sscanf(line + k, " access req=r%d-%d ", &t, &i), 2, "%.300s", line);
        cr_assert(t >= 0 && t < THREADS && i >= 0 && i < LINES, "%.300s", line);
        char want[512];
        int n =
            snprintf(want, sizeof(want), " access req=r%d-%d 127.0.0.1 GET /p/%d/%d/", t, i, t, i);
        int pad = (t * 31 + i * 17) % 180;
        memset(want + n, 'x', (size_t)pad);
        snprintf(want + n + pad, sizeof(want) - (size_t)(n + pad), " 200 1.5ms");
        cr_assert_str_eq(line + k, want, "a broken line");
        cr_assert_eq(seen[t][i], 0, "a line twice: %.300s", line);
        seen[t][i] = 1;
        lines++;
    }
    cr_assert_eq(lines, THREADS * LINES, "%d of %d lines arrived", lines, THREADS * LINES);
    free(c.s);
}

Test(logbuf, a_held_line_is_written_within_the_flush_period_without_another)
{
    logbuf_setup(wfd, 32768, 1000);
    double t0 = now_s();
    access_line(1, 1, 10);
    /* held: written with one write(2) later, not now (unless a second passed already) */
    cr_assert(!readable(0) || now_s() - t0 >= 1.0, "the line was written at once");
    cr_assert(readable(30000), "the held line was never written");
    double waited = now_s() - t0;
    char buf[4096];
    drain(buf, sizeof(buf));
    cr_assert_eq(count_lines(buf), 1, "%s", buf);
    cr_assert(strstr(buf, " access req=r1-1 127.0.0.1 GET /p/1/1/xxxxxxxxxx 200 1.5ms\n"), "%s",
              buf);
    /* the flusher waits for the line's age: not long before it */
    cr_assert_geq(waited, 0.9, "written after %.3f s, before the flush period", waited);
    /* it comes again for a line logged after it went quiet */
    access_line(1, 2, 0);
    cr_assert(readable(30000), "the second held line was never written");
    drain(buf, sizeof(buf));
    cr_assert_eq(count_lines(buf), 1, "%s", buf);
}

Test(logbuf, a_buffer_that_would_overflow_is_written)
{
    logbuf_setup(wfd, 4096, 60000);
    /* lines of 100 + 150 bytes, about 250 in all: 16 fit in 4096 */
    int fit = 0, len = 0;
    char buf[8192];
    for (;;) {
        access_line(2, fit, 150);
        if (readable(0)) break;
        fit++;
        cr_assert_lt(fit, 100, "nothing written after %d lines", fit);
    }
    len = (int)drain(buf, sizeof(buf));
    cr_assert_eq(count_lines(buf), fit, "the lines before the one that did not fit: %s", buf);
    cr_assert_leq(len, 4096);
    cr_assert_gt(len + 250, 4096, "written before the buffer was full (%d bytes)", len);
    cr_assert_eq(buf[len - 1], '\n');
    logbuf_flush();
    drain(buf, sizeof(buf));
    cr_assert_eq(count_lines(buf), 1, "the line that did not fit, on flush: %s", buf);
}

Test(logbuf, flush_and_stop_write_what_is_held)
{
    logbuf_setup(wfd, 32768, 60000);
    char buf[8192];
    access_line(3, 1, 5);
    access_line(3, 2, 5);
    cr_assert_not(readable(0), "held for a minute");
    logbuf_flush(); /* SIGHUP */
    cr_assert(readable(0));
    drain(buf, sizeof(buf));
    cr_assert_eq(count_lines(buf), 2, "%s", buf);

    /* a thread that ends leaves nothing behind */
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, writer_few, (void *)(intptr_t)5), 0);
    pthread_join(th, NULL);
    drain(buf, sizeof(buf));
    cr_assert_eq(count_lines(buf), 20, "%s", buf);

    access_line(3, 3, 5);
    cr_assert_not(readable(0), "held for a minute");
    logbuf_stop(); /* SIGTERM's path and exit */
    cr_assert(readable(0));
    drain(buf, sizeof(buf));
    cr_assert_eq(count_lines(buf), 1, "%s", buf);
    cr_assert(strstr(buf, "req=r3-3 "), "%s", buf);
    /* after stop, each line is written at once */
    access_line(3, 4, 5);
    cr_assert(readable(0));
    drain(buf, sizeof(buf));
    cr_assert(strstr(buf, "req=r3-4 "), "%s", buf);
}

Test(logbuf, size_0_writes_each_line_at_once)
{
    logbuf_setup(wfd, 0, 1000);
    char buf[4096];
    for (int i = 0; i < 3; i++) {
        access_line(4, i, 20);
        cr_assert(readable(0), "line %d not written at once", i);
        drain(buf, sizeof(buf));
        cr_assert_eq(count_lines(buf), 1, "%s", buf);
    }
}
