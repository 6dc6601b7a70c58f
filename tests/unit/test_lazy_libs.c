/* Unit tests of curl_lazy.c and pq_lazy.c: libcurl and libpq are not mapped until the first
 * call that needs them, then loaded; each kind of curl_easy_setopt argument (long, pointer,
 * function, curl_off_t) reaches libcurl intact; a failed PostgreSQL connect is reported. */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <string.h>

#include "curl_lazy.h"
#include "pq_lazy.h"

/* 1 if /proc/self/maps has a mapping whose path contains name */
static int mapped(const char *name)
{
    FILE *f = fopen("/proc/self/maps", "r");
    cr_assert(f);
    char line[512];
    int found = 0;
    while (!found && fgets(line, sizeof(line), f)) found = strstr(line, name) != NULL;
    fclose(f);
    return found;
}

static size_t sink(char *p, size_t size, size_t n, void *arg)
{
    (void)p, (void)arg;
    return size * n;
}

Test(curl_lazy, loads_on_first_handle)
{
    cr_assert_eq(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
    cr_assert_not(curl_lazy_loaded());
    cr_assert_not(mapped("libcurl"), "libcurl is mapped before the first call");
    CURL *h = curl_easy_init();
    cr_assert(h);
    cr_assert(curl_lazy_loaded());
    cr_assert(mapped("libcurl"));
    char tag[] = "mine";
    cr_assert_eq(curl_easy_setopt(h, CURLOPT_PRIVATE, tag), CURLE_OK);
    cr_assert_eq(curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 1500L), CURLE_OK);
    cr_assert_eq(curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink), CURLE_OK);
    cr_assert_eq(curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)1 << 40), CURLE_OK);
    /* a long out of range is refused: the value arrived as a long */
    cr_assert_eq(curl_easy_setopt(h, CURLOPT_MAXREDIRS, -2L), CURLE_BAD_FUNCTION_ARGUMENT);
    char *back = NULL;
    cr_assert_eq(curl_easy_getinfo(h, CURLINFO_PRIVATE, &back), CURLE_OK);
    cr_assert_eq(back, tag);
    char *e = curl_easy_escape(h, "a b&c", 0);
    cr_assert_str_eq(e, "a%20b%26c");
    curl_free(e);
    struct curl_slist *l = curl_slist_append(NULL, "X-A: 1");
    cr_assert(l);
    curl_slist_free_all(l);
    cr_assert_str_eq(curl_easy_strerror(CURLE_OK), "No error");
    curl_easy_cleanup(h);
    curl_global_cleanup();
}

Test(curl_lazy, cleanup_without_load)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    curl_slist_free_all(NULL);
    curl_easy_cleanup(NULL);
    curl_global_cleanup();
    cr_assert_not(curl_lazy_loaded());
    cr_assert_not(mapped("libcurl"));
}

Test(pq_lazy, loads_on_first_connect)
{
    cr_assert_not(pq_lazy_loaded());
    cr_assert_not(mapped("libpq"), "libpq is mapped before the first connect");
    PQfinish(NULL);
    PQclear(NULL);
    cr_assert_eq(PQstatus(NULL), CONNECTION_BAD);
    const char *keys[] = {"host", "dbname", "connect_timeout", NULL};
    const char *vals[] = {"/nonexistent-daoid-test", "x", "1", NULL};
    PGconn *pg = PQconnectdbParams(keys, vals, 0);
    cr_assert(pq_lazy_loaded());
    cr_assert(mapped("libpq"));
    cr_assert(pg);
    cr_assert_eq(PQstatus(pg), CONNECTION_BAD);
    cr_assert(strstr(PQerrorMessage(pg), "nonexistent-daoid-test"), "%s", PQerrorMessage(pg));
    PQfinish(pg);
}
