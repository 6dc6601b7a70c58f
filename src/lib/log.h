/* log: OpenBSD-style logging to stderr with the current request id on every line.
 * Never pass passwords, tokens, cookies or mail bodies to these functions. */
#ifndef DAOID_LOG_H
#define DAOID_LOG_H

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_init(const char *level);   /* "error", "warn", "info" or "debug" */
int log_level_parse(const char *s); /* -1 when unknown */
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

/* Access log: one line per request, written with a single write(2). */
void log_access_enable(int on);
void log_access(const char *ip, const char *method, const char *path, int status, double ms,
                const char *reqid);

#endif
