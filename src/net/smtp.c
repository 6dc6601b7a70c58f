/* smtp: one libcurl easy handle per delivery; the message is fed through a read callback and
 * the outcome is classified from the curl result and the last SMTP reply code. */
#include "smtp.h"
#include "arena.h"

#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SMTP_DEFAULT_TIMEOUT 30L
#define SMTP_CONNECT_TIMEOUT 10L

/* The unread rest of the message for the read callback. */
struct smtp_src {
    const char *p;
    size_t left;
};

static size_t smtp_read(char *buf, size_t size, size_t nitems, void *arg)
{
    struct smtp_src *src = arg;
    size_t n = size * nitems;
    if (n > src->left) n = src->left;
    memcpy(buf, src->p, n);
    src->p += n;
    src->left -= n;
    return n;
}

static void smtp_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void smtp_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* An envelope address: non-empty, without controls, spaces or angle brackets. */
static int smtp_addr_ok(const char *s)
{
    if (!s || !*s) return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= 0x20 || *p == 0x7F || *p == '<' || *p == '>') return 0;
    return 1;
}

/* The URL libcurl is given (malloc'd) and whether TLS is required; NULL for another scheme. */
static char *smtp_curl_url(const char *url, long *use_ssl)
{
    static const char starttls[] = "smtp+starttls://";
    *use_ssl = CURLUSESSL_NONE;
    if (strncasecmp(url, starttls, sizeof(starttls) - 1) == 0) {
        const char *rest = url + sizeof(starttls) - 1;
        char *out = malloc(strlen("smtp://") + strlen(rest) + 1);
        if (!out) return NULL;
        strcpy(out, "smtp://");
        strcat(out, rest);
        *use_ssl = CURLUSESSL_ALL;
        return out;
    }
    if (strncasecmp(url, "smtps://", 8) == 0) {
        *use_ssl = CURLUSESSL_ALL;
        return strdup(url);
    }
    if (strncasecmp(url, "smtp://", 7) == 0) return strdup(url);
    return NULL;
}

/* Failures of the connection, TLS or login are retried: the server may come back, and a
 * configuration mistake is fixed by the operator while mails wait. Other failures with a 5xx
 * reply are final. The RFC 4954 authentication replies (530, 534, 535, 538) are treated as
 * configuration problems too. */
static enum smtp_result smtp_classify(CURLcode rc, long code)
{
    if (rc == CURLE_OK) return SMTP_SENT;
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_LOGIN_DENIED:
    case CURLE_AUTH_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_OUT_OF_MEMORY:
        return SMTP_TEMPFAIL;
    default:
        break;
    }
    if (code == 530 || code == 534 || code == 535 || code == 538) return SMTP_TEMPFAIL;
    return code >= 500 && code <= 599 ? SMTP_PERMFAIL : SMTP_TEMPFAIL;
}

static void smtp_setopts(CURL *c, const struct smtp_server *s, const char *url, long use_ssl,
                         struct curl_slist *rcpts, const char *from, struct smtp_src *src,
                         char *errbuf)
{
    long timeout = s->timeout_s > 0 ? s->timeout_s : SMTP_DEFAULT_TIMEOUT;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_USE_SSL, use_ssl);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (s->user && *s->user) curl_easy_setopt(c, CURLOPT_USERNAME, s->user);
    if (s->password && *s->password) curl_easy_setopt(c, CURLOPT_PASSWORD, s->password);
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpts);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, smtp_read);
    curl_easy_setopt(c, CURLOPT_READDATA, src);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
                     timeout < SMTP_CONNECT_TIMEOUT ? timeout : SMTP_CONNECT_TIMEOUT);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
}

enum smtp_result smtp_send(const struct smtp_server *s, const char *from_addr, const char *rcpt,
                           const char *message, char *err, size_t errlen)
{
    enum smtp_result res = SMTP_TEMPFAIL;
    CURL *c = NULL;
    struct curl_slist *rcpts = NULL;
    char *url = NULL, from[512], to[512], errbuf[CURL_ERROR_SIZE] = "";
    long use_ssl;

    smtp_err(err, errlen, "%s", "");
    if (!smtp_addr_ok(from_addr) || !smtp_addr_ok(rcpt) || !message ||
        strlen(from_addr) + 3 > sizeof(from) || strlen(rcpt) + 3 > sizeof(to)) {
        smtp_err(err, errlen, "invalid envelope address or message");
        return SMTP_PERMFAIL;
    }
    if (!s->url || !(url = smtp_curl_url(s->url, &use_ssl))) {
        smtp_err(err, errlen, "unsupported SMTP URL (smtp, smtp+starttls or smtps)");
        goto fail;
    }
    snprintf(from, sizeof(from), "<%s>", from_addr);
    snprintf(to, sizeof(to), "<%s>", rcpt);
    if (!(c = curl_easy_init()) || !(rcpts = curl_slist_append(NULL, to))) {
        smtp_err(err, errlen, "out of memory");
        goto fail;
    }
    struct smtp_src src = {message, strlen(message)};
    smtp_setopts(c, s, url, use_ssl, rcpts, from, &src, errbuf);
    CURLcode rc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    res = smtp_classify(rc, code);
    if (res != SMTP_SENT)
        smtp_err(err, errlen, "%s (reply %ld)", *errbuf ? errbuf : curl_easy_strerror(rc), code);
fail:
    curl_slist_free_all(rcpts);
    if (c) curl_easy_cleanup(c);
    free(url);
    return res;
}

char *smtp_bare_address(struct arena *a, const char *from)
{
    if (!from) return NULL;
    const char *p = from, *end;
    const char *lt = strrchr(from, '<');
    if (lt) {
        p = lt + 1;
        end = strchr(p, '>');
        if (!end) return NULL;
    } else {
        end = p + strlen(p);
    }
    while (p < end && (*p == ' ' || *p == '\t')) p++;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t')) end--;
    if (end == p) return NULL;
    return arena_strndup(a, p, (size_t)(end - p));
}
