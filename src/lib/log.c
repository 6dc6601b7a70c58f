/* log: formats a line into a stack buffer and writes it with one write(2), so lines from
 * different threads never interleave; access lines are handed to logbuf, which keeps them whole
 * in per-thread buffers. Lines carry outside text (paths, stored names, remote error messages):
 * every character that could steer a terminal is escaped (term_safe.h), and in JSON lines that
 * escaped text is then quoted as a JSON string. */
#include "log.h"

#include "logbuf.h"
#include "term_safe.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static atomic_int log_lvl = LOG_LVL_INFO;
static int log_access_on = 1;
static int log_as_json;
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
    atomic_store_explicit(&log_lvl, l < 0 ? LOG_LVL_INFO : l, memory_order_relaxed);
}

void log_set_level(int level)
{
    if (level >= LOG_LVL_ERROR && level <= LOG_LVL_DEBUG)
        atomic_store_explicit(&log_lvl, level, memory_order_relaxed);
}

int log_level_now(void)
{
    return atomic_load_explicit(&log_lvl, memory_order_relaxed);
}

void log_json(int on)
{
    log_as_json = on;
}

void log_set_reqid(const char *id)
{
    log_reqid = id;
}

void log_access_enable(int on)
{
    log_access_on = on;
}

int log_access_enabled(void)
{
    return log_access_on;
}

/* s (n bytes, already terminal-safe) as the inside of a JSON string at dst; returns the
 * length written (cut to cap). term_safe leaves no control byte, so " and \ are all. */
static size_t log_json_str(char *dst, size_t cap, const char *s, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 2 < cap; i++) {
        if (s[i] == '"' || s[i] == '\\') dst[o++] = '\\';
        dst[o++] = s[i];
    }
    return o;
}

/* a string field "name":"value", the value made terminal-safe and quoted; returns its length */
static size_t log_json_field(char *dst, size_t cap, const char *name, const char *v)
{
    char safe[1024];
    size_t sn = term_safe_buf(safe, sizeof(safe), v ? v : "", strlen(v ? v : ""));
    int k = snprintf(dst, cap, ",\"%s\":\"", name);
    if (k <= 0 || (size_t)k + 2 >= cap) return 0;
    size_t o = (size_t)k;
    o += log_json_str(dst + o, cap - o - 1, safe, sn);
    dst[o++] = '"';
    return o;
}

static size_t log_stamp(char *buf, size_t n)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    return strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* {"time","level","msg"[,"req"]}\n from a text line "TIME LEVEL[ req=ID] MESSAGE" in buf */
static size_t log_json_line(char *line, size_t cap, const char *level, const char *buf, size_t n)
{
    char ts[32];
    size_t tn = strcspn(buf, " ");
    snprintf(ts, sizeof(ts), "%.*s", (int)(tn < sizeof(ts) ? tn : sizeof(ts) - 1), buf);
    const char *msg = buf + tn + 1 + strlen(level) + 1;
    if (log_reqid) msg += 5 + strlen(log_reqid);
    if (msg > buf + n) msg = buf + n;
    size_t mn = (size_t)(buf + n - msg);
    char safe[4096];
    size_t sn = term_safe_buf(safe, sizeof(safe), msg, mn);
    int k = snprintf(line, cap, "{\"time\":\"%s\",\"level\":\"%s\"", ts, level);
    size_t o = k > 0 ? (size_t)k : 0;
    if (log_reqid) o += log_json_field(line + o, cap - o - 8, "req", log_reqid);
    o += (size_t)snprintf(line + o, cap - o, ",\"msg\":\"");
    o += log_json_str(line + o, cap - o - 4, safe, sn);
    line[o++] = '"';
    line[o++] = '}';
    line[o++] = '\n';
    return o;
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
    if (log_as_json) {
        n = log_json_line(line, sizeof(line), tags[lvl], buf, n);
    } else {
        n = term_safe_buf(line, sizeof(line) - 1, buf, n);
        line[n++] = '\n';
    }
    ssize_t w = write(STDERR_FILENO, line, n);
    (void)w;
    errno = saved;
}

#define LOG_FN(name, lvl, e)                                                                       \
    void name(const char *fmt, ...)                                                                \
    {                                                                                              \
        if (log_level_now() < (lvl)) return;                                                       \
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

static void log_access_text(const struct log_access_rec *x, const char *ts)
{
    char buf[1024];
    int n = snprintf(buf, sizeof(buf), "%s access req=%s %s %s %.200s %d %.1fms\n", ts,
                     x->reqid ? x->reqid : "-", x->ip ? x->ip : "-", x->method ? x->method : "-",
                     x->path ? x->path : "-", x->status, x->ms);
    if (n <= 0) return;
    if ((size_t)n >= sizeof(buf)) n = sizeof(buf) - 1;
    char line[sizeof(buf) * 2];
    size_t len = term_safe_buf(line, sizeof(line) - 1, buf, (size_t)n - 1);
    line[len++] = '\n';
    logbuf_put(line, len);
}

static void log_access_json(const struct log_access_rec *x, const char *ts)
{
    char line[2048];
    size_t cap = sizeof(line) - 96; /* room for the numbers and the end */
    int k = snprintf(line, cap, "{\"time\":\"%s\",\"level\":\"info\",\"msg\":\"access\"", ts);
    size_t o = (size_t)k;
    o += log_json_field(line + o, cap - o, "req", x->reqid ? x->reqid : "-");
    o += log_json_field(line + o, cap - o, "client", x->ip ? x->ip : "-");
    o += log_json_field(line + o, cap - o, "method", x->method ? x->method : "-");
    o += log_json_field(line + o, cap - o, "path", x->path ? x->path : "-");
    if (x->route) o += log_json_field(line + o, cap - o, "route", x->route);
    k = snprintf(line + o, sizeof(line) - o, ",\"status\":%d,\"duration_ms\":%.3f", x->status,
                 x->ms);
    o += k > 0 ? (size_t)k : 0;
    if (x->account_id) {
        k = snprintf(line + o, sizeof(line) - o, ",\"account\":%lld", x->account_id);
        o += k > 0 ? (size_t)k : 0;
    }
    if (o + 2 >= sizeof(line)) return;
    line[o++] = '}';
    line[o++] = '\n';
    logbuf_put(line, o);
}

void log_access(const struct log_access_rec *x)
{
    if (!log_access_on) return;
    char ts[32];
    log_stamp(ts, sizeof(ts));
    if (log_as_json)
        log_access_json(x, ts);
    else
        log_access_text(x, ts);
}
