/* log: formats a line into a stack buffer and writes it with one write(2), so lines from
 * different threads never interleave. Lines carry outside text (paths, stored names, remote
 * error messages): every character that could steer a terminal is escaped (term_safe.h). */
#include "log.h"

#include "term_safe.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int log_lvl = LOG_LVL_INFO;
static int log_access_on = 1;
static __thread const char *log_reqid;

int log_level_parse(const char *s)
{
    static const char *names[] = {"error", "warn", "info", "debug"};
    for (int i = 0; i < 4; i++)
        if (s && strcmp(s, names[i]) == 0) return i;
    return -1;
}

void log_init(const char *level)
{
    int l = log_level_parse(level);
    log_lvl = l < 0 ? LOG_LVL_INFO : l;
}

void log_set_reqid(const char *id)
{
    log_reqid = id;
}

void log_access_enable(int on)
{
    log_access_on = on;
}

static size_t log_stamp(char *buf, size_t n)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    return strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void log_emit(int lvl, int with_errno, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static void log_emit(int lvl, int with_errno, const char *fmt, va_list ap)
{
    static const char *tags[] = {"error", "warn", "info", "debug"};
    int saved = errno;
    char buf[2048];
    size_t n = log_stamp(buf, sizeof(buf));
    int k = snprintf(buf + n, sizeof(buf) - n, " %s%s%s ", tags[lvl], log_reqid ? " req=" : "",
                     log_reqid ? log_reqid : "");
    n += k > 0 ? (size_t)k : 0;
    k = vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
    n = k > 0 && (size_t)k < sizeof(buf) - n ? n + (size_t)k : sizeof(buf) - 64;
    if (with_errno) {
        k = snprintf(buf + n, sizeof(buf) - n, ": %s", strerror(saved));
        n += k > 0 ? (size_t)k : 0;
    }
    char line[sizeof(buf) * 2];
    n = term_safe_buf(line, sizeof(line) - 1, buf, n);
    line[n++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, n);
    (void)w;
    errno = saved;
}

#define LOG_FN(name, lvl, e)                                                                       \
    void name(const char *fmt, ...)                                                                \
    {                                                                                              \
        if (log_lvl < (lvl)) return;                                                               \
        va_list ap;                                                                                \
        va_start(ap, fmt);                                                                         \
        log_emit(lvl, e, fmt, ap);                                                                 \
        va_end(ap);                                                                                \
    }
LOG_FN(log_warn, LOG_LVL_WARN, 1)
LOG_FN(log_warnx, LOG_LVL_WARN, 0)
LOG_FN(log_info, LOG_LVL_INFO, 0)
LOG_FN(log_debug, LOG_LVL_DEBUG, 0)

void fatal(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_emit(LOG_LVL_ERROR, 1, fmt, ap);
    va_end(ap);
    exit(1);
}

void fatalx(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_emit(LOG_LVL_ERROR, 0, fmt, ap);
    va_end(ap);
    exit(1);
}

void log_access(const char *ip, const char *method, const char *path, int status, double ms,
                const char *reqid)
{
    if (!log_access_on) return;
    char buf[1024], ts[32];
    log_stamp(ts, sizeof(ts));
    int n = snprintf(buf, sizeof(buf), "%s access req=%s %s %s %.200s %d %.1fms\n", ts,
                     reqid ? reqid : "-", ip ? ip : "-", method ? method : "-", path ? path : "-",
                     status, ms);
    if (n <= 0) return;
    if ((size_t)n >= sizeof(buf)) n = sizeof(buf) - 1;
    char line[sizeof(buf) * 2];
    size_t len = term_safe_buf(line, sizeof(line) - 1, buf, (size_t)n - 1);
    line[len++] = '\n';
    ssize_t w = write(STDOUT_FILENO, line, len);
    (void)w;
}
