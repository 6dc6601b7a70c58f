/* hello: a bare libmicrohttpd server answering every request with a fixed body of N bytes,
 * configured like daoid (epoll thread pool, same thread count, response queued once the
 * request is complete): the ceiling daoid's session-checked request is compared with.
 * Usage: hello PORT BODY_BYTES THREADS */
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *body;
static size_t body_len;

static enum MHD_Result on_access(void *cls, struct MHD_Connection *c, const char *url,
                                 const char *method, const char *version, const char *data,
                                 size_t *size, void **ctx)
{
    (void)cls, (void)url, (void)method, (void)version, (void)data;
    if (!*ctx) {
        *ctx = (void *)1;
        return MHD_YES;
    }
    if (*size) {
        *size = 0;
        return MHD_YES;
    }
    struct MHD_Response *r = MHD_create_response_from_buffer(body_len, body, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, "Content-Type", "application/json");
    int rc = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return rc == MHD_YES ? MHD_YES : MHD_NO;
}

int main(int argc, char **argv)
{
    if (argc < 4) return 2;
    body_len = (size_t)atol(argv[2]);
    body = malloc(body_len + 1);
    memset(body, 'x', body_len);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO, (uint16_t)atoi(argv[1]),
        NULL, NULL, on_access, NULL, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)atoi(argv[3]),
        MHD_OPTION_CONNECTION_LIMIT, 4096u, MHD_OPTION_END);
    if (!d) return 1;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int sig;
    sigwait(&set, &sig);
    MHD_stop_daemon(d);
    free(body);
    return 0;
}
