/* metrics: series by labels, the rate-limit key's label, histogram buckets, the text format,
 * and counts from many threads at once (no increment lost without a lock). */
#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>

#include "arena.h"
#include "metrics.h"

static char *render(struct arena *a)
{
    size_t len = 0;
    char *s = metrics_render(a, &len);
    cr_assert_eq(strlen(s), len);
    return s;
}

Test(metrics, counters_by_labels)
{
    metrics_reset();
    struct arena *a = arena_new();
    metrics_inc(MET_SIGNINS, "password", "ok");
    metrics_inc(MET_SIGNINS, "password", "ok");
    char method[] = "password"; /* another pointer, the same text: the same series */
    metrics_inc(MET_SIGNINS, method, "bad_credentials");
    metrics_inc(MET_SIGNINS, method, "ok");
    char *s = render(a);
    cr_assert(strstr(s, "daoid_signins_total{method=\"password\",result=\"ok\"} 3\n"), "%s", s);
    cr_assert(strstr(s, "daoid_signins_total{method=\"password\",result=\"bad_credentials\"} 1\n"));
    cr_assert(strstr(s, "# TYPE daoid_signins_total counter\n"));
    metrics_inc(MET_DB_RECONNECTS, NULL, NULL);
    s = render(a);
    cr_assert(strstr(s, "\ndaoid_db_reconnects_total 1\n"), "%s", s);
    arena_free(a);
    metrics_reset();
}

Test(metrics, ratelimit_key_label_never_holds_the_subject)
{
    metrics_reset();
    struct arena *a = arena_new();
    metrics_inc_key(MET_RATELIMIT, "login:ip:10.0.0.7");
    metrics_inc_key(MET_RATELIMIT, "login:ip:::1");
    metrics_inc_key(MET_RATELIMIT, "addrused:alice@example.com");
    metrics_inc_key(MET_RATELIMIT, "reset:addr:bob@example.com");
    metrics_inc_key(MET_RATELIMIT, "loginfail:id:carol");
    char *s = render(a);
    cr_assert(strstr(s, "daoid_ratelimit_refusals_total{limit=\"login:ip\"} 2\n"), "%s", s);
    cr_assert(strstr(s, "{limit=\"addrused\"} 1\n"), "%s", s);
    cr_assert(strstr(s, "{limit=\"reset:addr\"} 1\n"), "%s", s);
    cr_assert(strstr(s, "{limit=\"loginfail:id\"} 1\n"), "%s", s);
    cr_assert_null(strstr(s, "example.com"));
    cr_assert_null(strstr(s, "10.0.0.7"));
    cr_assert_null(strstr(s, "carol"));
    arena_free(a);
    metrics_reset();
}

Test(metrics, histogram_is_cumulative_with_sum_and_count)
{
    metrics_reset();
    struct arena *a = arena_new();
    metrics_observe(MET_HTTP_SECONDS, "page", NULL, 0.0005);
    metrics_observe(MET_HTTP_SECONDS, "page", NULL, 0.02);
    metrics_observe(MET_HTTP_SECONDS, "page", NULL, 60);
    char *s = render(a);
    cr_assert(strstr(s, "_bucket{group=\"page\",le=\"0.001\"} 1\n"), "%s", s);
    cr_assert(strstr(s, "_bucket{group=\"page\",le=\"0.025\"} 2\n"), "%s", s);
    cr_assert(strstr(s, "_bucket{group=\"page\",le=\"10\"} 2\n"), "%s", s);
    cr_assert(strstr(s, "_bucket{group=\"page\",le=\"+Inf\"} 3\n"), "%s", s);
    cr_assert(strstr(s, "daoid_http_request_duration_seconds_count{group=\"page\"} 3\n"), "%s", s);
    cr_assert(strstr(s, "daoid_http_request_duration_seconds_sum{group=\"page\"} 60.0205"), "%s",
              s);
    arena_free(a);
    metrics_reset();
}

Test(metrics, label_values_are_escaped)
{
    metrics_reset();
    struct arena *a = arena_new();
    metrics_inc(MET_PROVIDER_CALLS, "x\"y\\z\nw", "ok");
    char *s = render(a);
    cr_assert(strstr(s, "{call=\"x\\\"y\\\\z\\nw\",result=\"ok\"} 1\n"), "%s", s);
    arena_free(a);
    metrics_reset();
}

static double gauge_seven(void)
{
    return 7;
}

static double gauge_unreadable(void)
{
    return -1;
}

Test(metrics, gauges_and_build_info)
{
    metrics_reset();
    struct arena *a = arena_new();
    metrics_gauge("daoid_test_seven", "seven", gauge_seven);
    metrics_gauge("daoid_test_gone", "not readable now", gauge_unreadable);
    metrics_build_info("1.2", "abc", "sqlite");
    char *s = render(a);
    cr_assert(strstr(s, "# TYPE daoid_test_seven gauge\ndaoid_test_seven 7\n"), "%s", s);
    cr_assert_null(strstr(s, "daoid_test_gone -"));
    cr_assert(strstr(s, "daoid_build_info{version=\"1.2\",commit=\"abc\",backend=\"sqlite\"} 1\n"));
    arena_free(a);
    metrics_reset();
}

#define THREADS 8
#define EACH    20000
static const char *const routes[] = {"/a", "/b", "/c", "/d"};

static void *hammer(void *arg)
{
    long t = (long)arg;
    for (int i = 0; i < EACH; i++)
        metrics_inc(MET_HTTP_REQUESTS, routes[(t + i) % 4],
                    metrics_status_class(200 + (i % 2) * 200));
    return NULL;
}

Test(metrics, no_increment_lost_across_threads)
{
    metrics_reset();
    pthread_t th[THREADS];
    for (long i = 0; i < THREADS; i++) pthread_create(&th[i], NULL, hammer, (void *)i);
    for (int i = 0; i < THREADS; i++) pthread_join(th[i], NULL);
    struct arena *a = arena_new();
    char *s = render(a);
    long total = 0;
    for (char *p = strstr(s, "daoid_http_requests_total{"); p;
         p = strstr(p + 1, "daoid_http_requests_total{"))
        total += strtol(strchr(p, '}') + 2, NULL, 10);
    cr_assert_eq(total, (long)THREADS * EACH, "%ld", total);
    cr_assert(strstr(s, "{route=\"/a\",code=\"4xx\"}"), "%s", s);
    arena_free(a);
    metrics_reset();
}
