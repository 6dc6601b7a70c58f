/* metrics: see metrics.h. Each family owns an open-addressed table of series pointers; a
 * reader probes it without a lock (pointers are published with release stores and never
 * removed until metrics_reset), a writer that finds no series takes the family's mutex, probes
 * again and inserts. Values are relaxed atomics; histogram sums are kept in nanoseconds. */
#include "metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

#define MET_SLOTS   1024 /* per family: a power of two, well above routes × status classes */
#define MET_BUCKETS 13
#define MET_GAUGES  16

static const double bucket_le[MET_BUCKETS] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                              0.25,  0.5,    1,     2.5,  5,     10};

struct series {
    char *v1, *v2;
    atomic_uint_fast64_t count; /* counter value, or observations */
    atomic_uint_fast64_t sum_ns;
    atomic_uint_fast64_t bucket[MET_BUCKETS]; /* not cumulative; rendered cumulative */
};

struct family {
    const char *name, *help, *l1, *l2;
    int histogram;
    pthread_mutex_t mu;
    _Atomic(struct series *) slot[MET_SLOTS];
};

#define FAM(id, name, help, l1, l2, h)                                                             \
    [id] = {name, help, l1, l2, h, PTHREAD_MUTEX_INITIALIZER, {0}}
static struct family fams[MET__COUNT] = {
    FAM(MET_HTTP_REQUESTS, "daoid_http_requests_total", "HTTP requests by route and status class",
        "route", "code", 0),
    FAM(MET_HTTP_SECONDS, "daoid_http_request_duration_seconds",
        "HTTP request latency by route group", "group", NULL, 1),
    FAM(MET_SIGNUPS, "daoid_signups_total", "Sign-ups by method and result", "method", "result", 0),
    FAM(MET_SIGNINS, "daoid_signins_total", "Sign-ins by method and result", "method", "result", 0),
    FAM(MET_CAPTCHA, "daoid_captcha_total", "Captchas shown and failed", "event", NULL, 0),
    FAM(MET_RATELIMIT, "daoid_ratelimit_refusals_total", "Requests refused by a rate limit",
        "limit", NULL, 0),
    FAM(MET_MAILS, "daoid_mails_total", "Mails by state reached", "state", NULL, 0),
    FAM(MET_HASH_WAITS, "daoid_hash_slot_waits_total",
        "Password hashes that waited for a slot, by outcome", "result", NULL, 0),
    FAM(MET_DB_STATEMENTS, "daoid_db_statements_total", "Database statements by result", "result",
        NULL, 0),
    FAM(MET_DB_SECONDS, "daoid_db_statement_duration_seconds", "Database statement latency", NULL,
        NULL, 1),
    FAM(MET_DB_RECONNECTS, "daoid_db_reconnects_total", "Database connections opened again", NULL,
        NULL, 0),
    FAM(MET_WECHAT_TOKEN, "daoid_wechat_token_fetches_total",
        "WeChat access token fetches by result", "result", NULL, 0),
    FAM(MET_PROVIDER_CALLS, "daoid_provider_calls_total",
        "Calls to providers (OAuth, WeChat, registry) by call and result", "call", "result", 0),
    FAM(MET_PROVIDER_SECONDS, "daoid_provider_call_duration_seconds",
        "Provider call latency by call", "call", NULL, 1),
    FAM(MET_SESSION_CACHE, "daoid_session_cache_total",
        "Session checks by how the node's session cache answered", "result", NULL, 0),
};

struct gauge {
    const char *name, *help;
    metrics_gauge_fn fn;
};
static struct gauge gauges[MET_GAUGES];
static atomic_int n_gauges;

static pthread_mutex_t info_mu = PTHREAD_MUTEX_INITIALIZER;
static char *info_version, *info_commit, *info_backend;

static int met_on = 1;

void metrics_enable(int on)
{
    met_on = on;
}

int metrics_enabled(void)
{
    return met_on;
}

static uint32_t met_hash(const char *s, uint32_t h)
{
    for (; s && *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static int same(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

static struct series *series_new(const char *v1, const char *v2)
{
    struct series *s = calloc(1, sizeof(*s));
    if (!s) return NULL;
    s->v1 = v1 ? strdup(v1) : NULL;
    s->v2 = v2 ? strdup(v2) : NULL;
    return s;
}

/* The series (v1, v2) of f, created when new; NULL when the table is full. */
static struct series *series_get(struct family *f, const char *v1, const char *v2)
{
    uint32_t h = met_hash(v2, met_hash(v1, 2166136261u) * 31u);
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t i = 0; i < MET_SLOTS; i++) {
            _Atomic(struct series *) *slot = &f->slot[(h + i) & (MET_SLOTS - 1)];
            struct series *s = atomic_load_explicit(slot, memory_order_acquire);
            if (!s) {
                if (pass == 0) break;
                s = series_new(v1, v2);
                if (s) atomic_store_explicit(slot, s, memory_order_release);
                pthread_mutex_unlock(&f->mu);
                return s;
            }
            if (same(s->v1, v1) && same(s->v2, v2)) {
                if (pass == 1) pthread_mutex_unlock(&f->mu);
                return s;
            }
        }
        if (pass == 0) pthread_mutex_lock(&f->mu);
    }
    pthread_mutex_unlock(&f->mu);
    return NULL;
}

void metrics_inc(enum metric m, const char *v1, const char *v2)
{
    if (!met_on) return;
    struct series *s = series_get(&fams[m], v1, v2);
    if (s) atomic_fetch_add_explicit(&s->count, 1, memory_order_relaxed);
}

void metrics_inc_key(enum metric m, const char *key)
{
    if (!met_on) return;
    static const char *scopes[] = {"ip", "acct", "acctday", "addr", "id", "nomail"};
    char label[48];
    size_t n = strcspn(key, ":");
    if (n >= 24) n = 23;
    memcpy(label, key, n);
    label[n] = 0;
    if (key[n] == ':') {
        const char *rest = key + n + 1;
        size_t k = strcspn(rest, ":");
        for (size_t i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++)
            if (rest[k] == ':' && strlen(scopes[i]) == k && !strncmp(rest, scopes[i], k)) {
                snprintf(label + n, sizeof(label) - n, ":%s", scopes[i]);
                break;
            }
    }
    metrics_inc(m, label, NULL);
}

void metrics_observe(enum metric m, const char *v1, const char *v2, double seconds)
{
    if (!met_on) return;
    struct series *s = series_get(&fams[m], v1, v2);
    if (!s) return;
    if (!(seconds >= 0)) seconds = 0;
    int b = 0;
    while (b < MET_BUCKETS && seconds > bucket_le[b]) b++;
    if (b < MET_BUCKETS) atomic_fetch_add_explicit(&s->bucket[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->sum_ns, (uint_fast64_t)(seconds * 1e9), memory_order_relaxed);
    atomic_fetch_add_explicit(&s->count, 1, memory_order_relaxed);
}

void metrics_gauge(const char *name, const char *help, metrics_gauge_fn fn)
{
    int i = atomic_load(&n_gauges);
    if (i >= MET_GAUGES) return;
    gauges[i] = (struct gauge){name, help, fn};
    atomic_store(&n_gauges, i + 1);
}

void metrics_build_info(const char *version, const char *commit, const char *backend)
{
    pthread_mutex_lock(&info_mu);
    free(info_version), free(info_commit), free(info_backend);
    info_version = strdup(version ? version : "");
    info_commit = strdup(commit ? commit : "");
    info_backend = strdup(backend ? backend : "");
    pthread_mutex_unlock(&info_mu);
}

const char *metrics_status_class(int status)
{
    static const char *cls[] = {"0xx", "1xx", "2xx", "3xx", "4xx", "5xx"};
    return status >= 100 && status < 600 ? cls[status / 100] : cls[0];
}

/* a label value escaped as the text format wants: \\, \" and \n */
static void add_value(struct abuf *b, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            abuf_addc(b, '\\'), abuf_addc(b, *v);
        else if (*v == '\n')
            abuf_adds(b, "\\n");
        else
            abuf_addc(b, *v);
    }
}

/* {l1="v1",l2="v2"[,le="x"]}, or nothing when there is no label at all */
static void add_labels(struct abuf *b, const struct family *f, const struct series *s,
                       const char *le)
{
    const char *names[3] = {f->l1, f->l2, le ? "le" : NULL};
    const char *vals[3] = {s->v1, s->v2, le};
    int any = 0;
    for (int i = 0; i < 3; i++) {
        if (!names[i] || !vals[i]) continue;
        abuf_adds(b, any ? "," : "{");
        abuf_adds(b, names[i]);
        abuf_adds(b, "=\"");
        add_value(b, vals[i]);
        abuf_addc(b, '"');
        any = 1;
    }
    if (any) abuf_addc(b, '}');
}

static void render_series(struct abuf *b, const struct family *f, const struct series *s)
{
    uint64_t count = atomic_load_explicit(&s->count, memory_order_relaxed);
    if (!f->histogram) {
        abuf_adds(b, f->name);
        add_labels(b, f, s, NULL);
        abuf_printf(b, " %llu\n", (unsigned long long)count);
        return;
    }
    uint64_t cum = 0;
    char le[32];
    for (int i = 0; i < MET_BUCKETS; i++) {
        cum += atomic_load_explicit(&s->bucket[i], memory_order_relaxed);
        snprintf(le, sizeof(le), "%g", bucket_le[i]);
        abuf_printf(b, "%s_bucket", f->name);
        add_labels(b, f, s, le);
        abuf_printf(b, " %llu\n", (unsigned long long)cum);
    }
    /* the +Inf bucket is the count: read once, so it is never below a finite bucket */
    if (count < cum) count = cum;
    abuf_printf(b, "%s_bucket", f->name);
    add_labels(b, f, s, "+Inf");
    abuf_printf(b, " %llu\n%s_sum", (unsigned long long)count, f->name);
    add_labels(b, f, s, NULL);
    abuf_printf(b, " %.9f\n%s_count", (double)atomic_load(&s->sum_ns) / 1e9, f->name);
    add_labels(b, f, s, NULL);
    abuf_printf(b, " %llu\n", (unsigned long long)count);
}

char *metrics_render(struct arena *a, size_t *len)
{
    struct abuf b;
    abuf_init(&b, a, 16384);
    for (int m = 0; m < MET__COUNT; m++) {
        struct family *f = &fams[m];
        abuf_printf(&b, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name,
                    f->histogram ? "histogram" : "counter");
        for (int i = 0; i < MET_SLOTS; i++) {
            struct series *s = atomic_load_explicit(&f->slot[i], memory_order_acquire);
            if (s) render_series(&b, f, s);
        }
    }
    int ng = atomic_load(&n_gauges);
    for (int i = 0; i < ng; i++) {
        double v = gauges[i].fn();
        abuf_printf(&b, "# HELP %s %s\n# TYPE %s gauge\n", gauges[i].name, gauges[i].help,
                    gauges[i].name);
        if (v >= 0 && isfinite(v)) abuf_printf(&b, "%s %.17g\n", gauges[i].name, v);
    }
    pthread_mutex_lock(&info_mu);
    if (info_version) {
        abuf_adds(&b, "# HELP daoid_build_info The running build\n# TYPE daoid_build_info gauge\n"
                      "daoid_build_info{version=\"");
        add_value(&b, info_version);
        abuf_adds(&b, "\",commit=\"");
        add_value(&b, info_commit);
        abuf_adds(&b, "\",backend=\"");
        add_value(&b, info_backend);
        abuf_adds(&b, "\"} 1\n");
    }
    pthread_mutex_unlock(&info_mu);
    char *out = abuf_str(&b);
    if (len) *len = b.len;
    return out;
}

void metrics_reset(void)
{
    for (int m = 0; m < MET__COUNT; m++) {
        struct family *f = &fams[m];
        pthread_mutex_lock(&f->mu);
        for (int i = 0; i < MET_SLOTS; i++) {
            struct series *s = atomic_exchange(&f->slot[i], NULL);
            if (!s) continue;
            free(s->v1), free(s->v2), free(s);
        }
        pthread_mutex_unlock(&f->mu);
    }
    atomic_store(&n_gauges, 0);
    pthread_mutex_lock(&info_mu);
    free(info_version), free(info_commit), free(info_backend);
    info_version = info_commit = info_backend = NULL;
    pthread_mutex_unlock(&info_mu);
}
