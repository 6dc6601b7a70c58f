/* wechat_fake_api: a minimal WeChat API for unit tests (libmicrohttpd, 127.0.0.1, a free
 * port, a thread per connection). cgi-bin/stable_token answers the current token after a
 * delay (so racing callers overlap) and counts the calls; with force_refresh true it first
 * rotates the current token to "tok-forced-N" (counted in forced). cgi-bin/qrcode/create
 * accepts only the current token (40001 otherwise), and refuses refuse_token with refuse_code
 * (e.g. 40014: WeChat says the token is invalid although it is the one it hands out).
 * wfake_rotate() stands for a token rotated elsewhere. */
#ifndef DAOID_WECHAT_FAKE_API_H
#define DAOID_WECHAT_FAKE_API_H

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static struct {
    struct MHD_Daemon *d;
    int port;
    pthread_mutex_t mu;
    char current[64];
    int fetches, creates, refused, forced;
    int delay_ms;
    char refuse_token[64];
    int refuse_code;
} WF = {.mu = PTHREAD_MUTEX_INITIALIZER};

static enum MHD_Result wfake_answer(struct MHD_Connection *c, const char *json)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(json), (void *)json, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result rc = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result wfake_access(void *cls, struct MHD_Connection *c, const char *url,
                                    const char *method, const char *version, const char *data,
                                    size_t *size, void **state)
{
    (void)cls, (void)method, (void)version, (void)data;
    if (!*state) {
        *state = (void *)1;
        return MHD_YES;
    }
    if (*size) { /* the body is only looked at for force_refresh (compact JSON from daoid) */
        if (memmem(data, *size, "\"force_refresh\":true", 20)) *state = (void *)2;
        *size = 0;
        return MHD_YES;
    }
    char out[256];
    if (!strcmp(url, "/cgi-bin/stable_token")) {
        struct timespec ts = {0, (long)WF.delay_ms * 1000000L};
        nanosleep(&ts, NULL);
        pthread_mutex_lock(&WF.mu);
        WF.fetches++;
        if (*state == (void *)2)
            snprintf(WF.current, sizeof(WF.current), "tok-forced-%d", ++WF.forced);
        snprintf(out, sizeof(out), "{\"access_token\":\"%s\",\"expires_in\":7200}", WF.current);
        pthread_mutex_unlock(&WF.mu);
        return wfake_answer(c, out);
    }
    if (!strcmp(url, "/cgi-bin/qrcode/create")) {
        const char *tok = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "access_token");
        pthread_mutex_lock(&WF.mu);
        int ok = tok && !strcmp(tok, WF.current);
        int code = tok && WF.refuse_token[0] && !strcmp(tok, WF.refuse_token) ? WF.refuse_code
                   : ok                                                       ? 0
                                                                              : 40001;
        if (code)
            WF.refused++;
        else
            WF.creates++;
        pthread_mutex_unlock(&WF.mu);
        if (!code)
            return wfake_answer(c, "{\"ticket\":\"gQt\",\"expire_seconds\":300,"
                                   "\"url\":\"http://weixin.qq.com/q/t\"}");
        snprintf(out, sizeof(out), "{\"errcode\":%d,\"errmsg\":\"invalid credential\"}", code);
        return wfake_answer(c, out);
    }
    return wfake_answer(c, "{\"errcode\":48001,\"errmsg\":\"api unauthorized\"}");
}

/* Starts the fake with token as the current one; returns its port (0 on failure). */
static int wfake_start(const char *token, int delay_ms)
{
    snprintf(WF.current, sizeof(WF.current), "%s", token);
    WF.fetches = WF.creates = WF.refused = WF.forced = 0;
    WF.refuse_token[0] = 0;
    WF.refuse_code = 0;
    WF.delay_ms = delay_ms;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    WF.d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0,
                            NULL, NULL, wfake_access, NULL, MHD_OPTION_SOCK_ADDR,
                            (struct sockaddr *)&sa, MHD_OPTION_END);
    if (!WF.d) return 0;
    const union MHD_DaemonInfo *i = MHD_get_daemon_info(WF.d, MHD_DAEMON_INFO_BIND_PORT);
    WF.port = i ? i->port : 0;
    return WF.port;
}

static void wfake_stop(void)
{
    if (WF.d) MHD_stop_daemon(WF.d);
    WF.d = NULL;
}

/* WeChat refuses token with code (0: refuses nothing beyond the stale tokens). */
static void wfake_refuse(const char *token, int code)
{
    pthread_mutex_lock(&WF.mu);
    snprintf(WF.refuse_token, sizeof(WF.refuse_token), "%s", code ? token : "");
    WF.refuse_code = code;
    pthread_mutex_unlock(&WF.mu);
}

/* The token WeChat now holds (someone else rotated it). */
static void wfake_rotate(const char *token)
{
    pthread_mutex_lock(&WF.mu);
    snprintf(WF.current, sizeof(WF.current), "%s", token);
    pthread_mutex_unlock(&WF.mu);
}

#endif
