/* log: OpenBSD-style logging to stderr with the current request id on every line, as text or
 * as JSON lines (log_format). Never pass passwords, tokens, cookies or mail bodies to these
 * functions. */
#ifndef DAOID_LOG_H
#define DAOID_LOG_H

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_init(const char *level);   /* "error", "warn", "info" or "debug" */
int log_level_parse(const char *s); /* -1 when unknown */
void log_set_level(int level);      /* a log_level_parse number (SIGHUP) */
/* The level now in force (SIGHUP may change it while threads log). */
int log_level_now(void);
/* 1: JSON lines ({"time","level","msg","req"}), 0: text. Set before threads start. */
void log_json(int on);
/* Request id shown on lines logged by this thread; NULL clears it. The string must
 * outlive its use (it lives in the request's arena). */
void log_set_reqid(const char *id);

void log_warn(const char *fmt, ...)
    __attribute__((format(printf, 1, 2))); /* adds strerror(errno) */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Access log on stdout: one line per request, kept whole in a per-thread buffer and written
 * with the buffer (logbuf.h: access_log_buffer, access_log_flush_ms), or at once. Text:
 *   TIME access req=ID CLIENT METHOD PATH STATUS MSms
 * JSON: {"time","level":"info","msg":"access","req","client","method","path","route",
 *        "status","duration_ms","account"} (route and account only when known). The path is
 * without its query (which may carry a token). */
struct log_access_rec {
    const char *ip, *method, *path, *route, *reqid; /* route: the route's pattern, or NULL */
    int status;
    double ms;
    long long account_id; /* 0: none */
};
void log_access_enable(int on);
int log_access_enabled(void);
void log_access(const struct log_access_rec *rec);

#endif
