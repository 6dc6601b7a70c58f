/* metrics: counters, gauges and fixed-bucket histograms for Prometheus. Families are fixed
 * at compile time (enum metric); a series is a family plus at most two label values, found
 * lock-free in an open-addressed table (a mutex only when a series is seen the first time),
 * counted with relaxed atomics: no lock per request. Label values must be few and known in
 * advance (route patterns, result names), never user input. Gauges that need a query (outbox
 * depth, sessions) are read by callbacks at scrape time. */
#ifndef DAOID_METRICS_H
#define DAOID_METRICS_H

#include <stddef.h>

struct arena;

enum metric {
    MET_HTTP_REQUESTS,    /* counter {route, code}: code is the status class "2xx" … */
    MET_HTTP_SECONDS,     /* histogram {group} */
    MET_SIGNUPS,          /* counter {method, result} */
    MET_SIGNINS,          /* counter {method, result} */
    MET_CAPTCHA,          /* counter {event}: shown, failed */
    MET_RATELIMIT,        /* counter {limit}: refusals */
    MET_MAILS,            /* counter {state}: queued, sent, retried, dead */
    MET_HASH_WAITS,       /* counter {result}: a request waited for a hash slot: got, timeout */
    MET_DB_STATEMENTS,    /* counter {result}: ok, error, busy */
    MET_DB_SECONDS,       /* histogram {} */
    MET_DB_RECONNECTS,    /* counter {} */
    MET_WECHAT_TOKEN,     /* counter {result} */
    MET_PROVIDER_CALLS,   /* counter {call, result} */
    MET_PROVIDER_SECONDS, /* histogram {call} */
    MET_SESSION_CACHE,    /* counter {result}: hit, miss, bypass (session_cache.h) */
    MET__COUNT
};

/* 0 turns counting off (config metrics = 0: every call below returns at once). */
void metrics_enable(int on);
int metrics_enabled(void);
/* +1 on the series (v1, v2); NULL for a label the family does not have. */
void metrics_inc(enum metric m, const char *v1, const char *v2);
/* +1 on the series named by a rate-limit key ("login:ip:1.2.3.4" → "login:ip"): its first
 * segment, and the second when it names a scope (ip, acct, acctday, addr, id, nomail); never
 * the address, account or email that follows. */
void metrics_inc_key(enum metric m, const char *key);
/* One observation of seconds in a histogram family. */
void metrics_observe(enum metric m, const char *v1, const char *v2, double seconds);

/* A gauge read at scrape time: fn returns its value, or a negative number when it cannot be
 * read now (the line is left out). name and help are static strings. At most 16. */
typedef double (*metrics_gauge_fn)(void);
void metrics_gauge(const char *name, const char *help, metrics_gauge_fn fn);

/* daoid_build_info{version, commit, backend} 1. Strings are copied. */
void metrics_build_info(const char *version, const char *commit, const char *backend);

/* The whole exposition in the Prometheus text format 0.0.4, in a. */
char *metrics_render(struct arena *a, size_t *len);

/* "2xx" … "5xx" for a status (static). */
const char *metrics_status_class(int status);

/* Forgets every series (unit tests). */
void metrics_reset(void);

#endif
