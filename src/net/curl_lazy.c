/* curl_lazy: libcurl loaded on first use; see curl_lazy.h. */
#define CURL_DISABLE_TYPECHECK /* the functions are defined here, not only called */
#include "curl_lazy.h"
#include "lazylib.h"
#include "log.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>

#define CURL_LAZY_SO "libcurl.so.4" /* Debian's libcurl4-openssl-dev links this soname */

#define CURL_LAZY_FUNCTIONS(X)                                                                     \
    X(curl_global_init)                                                                            \
    X(curl_global_cleanup)                                                                         \
    X(curl_easy_init)                                                                              \
    X(curl_easy_setopt)                                                                            \
    X(curl_easy_perform)                                                                           \
    X(curl_easy_cleanup)                                                                           \
    X(curl_easy_getinfo)                                                                           \
    X(curl_easy_strerror)                                                                          \
    X(curl_easy_escape)                                                                            \
    X(curl_free)                                                                                   \
    X(curl_slist_append)                                                                           \
    X(curl_slist_free_all)

static struct {
#define CURL_LAZY_MEMBER(f) __typeof__(f) *f;
    CURL_LAZY_FUNCTIONS(CURL_LAZY_MEMBER)
#undef CURL_LAZY_MEMBER
} real;
static pthread_once_t curl_lazy_once = PTHREAD_ONCE_INIT;
static long curl_lazy_flags = CURL_GLOBAL_DEFAULT; /* set by curl_global_init before the load */
static int curl_lazy_ready;                        /* written once, inside curl_lazy_once */

static void curl_lazy_load(void)
{
#define CURL_LAZY_SLOT(f) &real.f,
    static const char *const names[] = {CURL_LAZY_FUNCTIONS(LAZYLIB_NAME)};
    void *const slots[] = {CURL_LAZY_FUNCTIONS(CURL_LAZY_SLOT)};
#undef CURL_LAZY_SLOT
    void *h = lazylib_load("curl_lazy", CURL_LAZY_SO, names, slots, sizeof(names) / sizeof(*names));
    if (!h) return;
    if (real.curl_global_init(curl_lazy_flags) != CURLE_OK) {
        log_warnx("curl_lazy: curl_global_init failed");
        goto fail;
    }
    curl_lazy_ready = 1;
    return;
fail:
    dlclose(h);
}

static int curl_lazy(void)
{
    pthread_once(&curl_lazy_once, curl_lazy_load);
    return curl_lazy_ready;
}

int curl_lazy_loaded(void)
{
    return curl_lazy_ready;
}

CURLcode curl_global_init(long flags)
{
    curl_lazy_flags = flags;
    return CURLE_OK;
}

void curl_global_cleanup(void)
{
    if (curl_lazy_ready) real.curl_global_cleanup();
}

CURL *curl_easy_init(void)
{
    return curl_lazy() ? real.curl_easy_init() : NULL;
}

/* The one argument after the option has the type its number's range says (curl.h's
 * CURLOPTTYPE_*): passed on as that type. A handle exists, so libcurl is loaded. */
CURLcode curl_easy_setopt(CURL *curl, CURLoption option, ...)
{
    va_list ap;
    va_start(ap, option);
    CURLcode rc;
    if (option < CURLOPTTYPE_OBJECTPOINT)
        rc = real.curl_easy_setopt(curl, option, va_arg(ap, long));
    else if (option < CURLOPTTYPE_FUNCTIONPOINT)
        rc = real.curl_easy_setopt(curl, option, va_arg(ap, void *));
    else if (option < CURLOPTTYPE_OFF_T)
        rc = real.curl_easy_setopt(curl, option, va_arg(ap, void (*)(void)));
    else if (option < CURLOPTTYPE_BLOB)
        rc = real.curl_easy_setopt(curl, option, va_arg(ap, curl_off_t));
    else
        rc = real.curl_easy_setopt(curl, option, va_arg(ap, void *));
    va_end(ap);
    return rc;
}

CURLcode curl_easy_perform(CURL *curl)
{
    return real.curl_easy_perform(curl);
}

void curl_easy_cleanup(CURL *curl)
{
    if (curl) real.curl_easy_cleanup(curl);
}

/* Every CURLINFO_* answers through one pointer. */
CURLcode curl_easy_getinfo(CURL *curl, CURLINFO info, ...)
{
    va_list ap;
    va_start(ap, info);
    CURLcode rc = real.curl_easy_getinfo(curl, info, va_arg(ap, void *));
    va_end(ap);
    return rc;
}

const char *curl_easy_strerror(CURLcode code)
{
    return curl_lazy() ? real.curl_easy_strerror(code) : "libcurl could not be loaded";
}

char *curl_easy_escape(CURL *curl, const char *s, int len)
{
    return curl_lazy() ? real.curl_easy_escape(curl, s, len) : NULL;
}

void curl_free(void *p)
{
    if (p) real.curl_free(p);
}

struct curl_slist *curl_slist_append(struct curl_slist *list, const char *s)
{
    return curl_lazy() ? real.curl_slist_append(list, s) : NULL;
}

void curl_slist_free_all(struct curl_slist *list)
{
    if (list) real.curl_slist_free_all(list);
}
