/* pg_listen: see pg_listen.h. */
#include "pg_listen.h"

#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

#define CHANNEL "daoid_session"

static pthread_t thread;
static int running, stopping; /* atomic */
static char *conninfo;
static void (*on_note)(const char *);
static void (*on_state)(int);
static int wake[2] = {-1, -1}; /* pg_listen_stop writes here to end the poll */

static PGconn *listen_connect(void)
{
    const char *keys[] = {"dbname",
                          "connect_timeout",
                          "application_name",
                          "keepalives_idle",
                          "keepalives_interval",
                          "keepalives_count",
                          NULL};
    char app[32];
    snprintf(app, sizeof(app), "daoid-listen-%d", (int)getpid());
    const char *vals[] = {conninfo, "5", app, "5", "2", "2", NULL};
    PGconn *pg = PQconnectdbParams(keys, vals, 1);
    if (!pg || PQstatus(pg) != CONNECTION_OK) goto fail;
    PGresult *r = PQexec(pg, "LISTEN " CHANNEL);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) goto fail;
    return pg;
fail:
    if (pg) log_warnx("store: listen: %.200s", PQerrorMessage(pg));
    PQfinish(pg);
    return NULL;
}

/* Delivers what has arrived; 0, or -1 when the connection is gone. */
static int drain(PGconn *pg, int *probe_out)
{
    if (!PQconsumeInput(pg)) return -1;
    PGnotify *n;
    while ((n = PQnotifies(pg))) {
        on_note(n->extra);
        PQfreemem(n);
    }
    while (*probe_out && !PQisBusy(pg)) {
        PGresult *r = PQgetResult(pg);
        if (!r) {
            *probe_out = 0;
            break;
        }
        int bad = PQresultStatus(r) != PGRES_TUPLES_OK;
        PQclear(r);
        if (bad) return -1;
    }
    return PQstatus(pg) == CONNECTION_OK ? 0 : -1;
}

static void *listen_run(void *arg)
{
    (void)arg;
    int backoff = 100;
    while (!__atomic_load_n(&stopping, __ATOMIC_SEQ_CST)) {
        PGconn *pg = listen_connect();
        if (!pg) {
            struct pollfd w = {wake[0], POLLIN, 0};
            poll(&w, 1, backoff);
            backoff = backoff * 2 > 5000 ? 5000 : backoff * 2;
            continue;
        }
        backoff = 100;
        on_state(1);
        log_info("store: listening for session changes");
        int probe = 0; /* a SELECT 1 in flight */
        int64_t probe_at = clock_mono_ms();
        for (;;) {
            if (__atomic_load_n(&stopping, __ATOMIC_SEQ_CST)) break;
            struct pollfd p[2] = {{PQsocket(pg), POLLIN, 0}, {wake[0], POLLIN, 0}};
            int rc = poll(p, 2, 1000);
            if (rc < 0) continue;
            if (p[0].revents && drain(pg, &probe) != 0) break;
            int64_t now = clock_mono_ms();
            if (now - probe_at >= 1000) {
                if (probe) break; /* the last probe is unanswered a second later */
                if (!PQsendQuery(pg, "SELECT 1")) break;
                probe = 1;
                probe_at = now;
            }
        }
        on_state(0);
        PQfinish(pg);
        if (!__atomic_load_n(&stopping, __ATOMIC_SEQ_CST))
            log_warnx("store: lost the connection listening for session changes; reconnecting");
    }
    return NULL;
}

int pg_listen_start(const char *url, void (*note)(const char *payload), void (*state)(int up))
{
    if (__atomic_load_n(&running, __ATOMIC_SEQ_CST)) return 0;
    free(conninfo);
    conninfo = strdup(url);
    if (!conninfo || pipe(wake) != 0) return -1;
    on_note = note;
    on_state = state;
    __atomic_store_n(&stopping, 0, __ATOMIC_SEQ_CST);
    if (pthread_create(&thread, NULL, listen_run, NULL) != 0) return -1;
    __atomic_store_n(&running, 1, __ATOMIC_SEQ_CST);
    return 0;
}

void pg_listen_stop(void)
{
    if (!__atomic_load_n(&running, __ATOMIC_SEQ_CST)) return;
    __atomic_store_n(&stopping, 1, __ATOMIC_SEQ_CST);
    if (write(wake[1], "x", 1) < 0) log_warn("store: listen stop");
    pthread_join(thread, NULL);
    close(wake[0]);
    close(wake[1]);
    wake[0] = wake[1] = -1;
    free(conninfo);
    conninfo = NULL;
    __atomic_store_n(&running, 0, __ATOMIC_SEQ_CST);
}
