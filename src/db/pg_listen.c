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

/* The connection's state: a ping is "NOTIFY daoid_session, 'ping:PID-N'" sent on the listening
 * connection itself, which PostgreSQL delivers back to it; its echo proves that notifications
 * reach this connection (behind a transaction-mode pooler they do not: LISTEN and NOTIFY land on
 * different server connections, and the cache stays bypassed). */
struct listen_conn {
    PGconn *pg;
    int up;             /* state(1) was reported */
    int querying;       /* a ping's NOTIFY is in flight */
    unsigned long sent; /* pings sent */
    unsigned long echo; /* the last ping that came back */
    int64_t sent_at;    /* when the oldest unanswered ping went */
    char expect[48];    /* payload of the last ping */
};

static int ping(struct listen_conn *l)
{
    char sql[96];
    l->sent++;
    snprintf(l->expect, sizeof(l->expect), "ping:%d-%lu", (int)getpid(), l->sent);
    snprintf(sql, sizeof(sql), "NOTIFY " CHANNEL ", '%s'", l->expect);
    if (!PQsendQuery(l->pg, sql)) return -1;
    l->querying = 1;
    if (l->echo + 1 == l->sent) l->sent_at = clock_mono_ms();
    return 0;
}

/* Delivers what has arrived; 0, or -1 when the connection is gone. */
static int drain(struct listen_conn *l)
{
    if (!PQconsumeInput(l->pg)) return -1;
    while (l->querying && !PQisBusy(l->pg)) {
        PGresult *r = PQgetResult(l->pg);
        if (!r) {
            l->querying = 0;
            break;
        }
        int bad = PQresultStatus(r) != PGRES_COMMAND_OK;
        PQclear(r);
        if (bad) return -1;
    }
    PGnotify *n;
    while ((n = PQnotifies(l->pg))) {
        if (!strncmp(n->extra, "ping:", 5)) {
            if (!strcmp(n->extra, l->expect)) {
                l->echo = l->sent;
                if (!l->up) {
                    l->up = 1;
                    on_state(1);
                    log_info("store: listening for session changes");
                }
            }
        } else {
            on_note(n->extra);
        }
        PQfreemem(n);
    }
    return PQstatus(l->pg) == CONNECTION_OK ? 0 : -1;
}

#define PING_EVERY_MS 1000
#define PING_LOST_MS  3000

static void *listen_run(void *arg)
{
    (void)arg;
    int backoff = 100;
    while (!__atomic_load_n(&stopping, __ATOMIC_SEQ_CST)) {
        struct listen_conn l = {listen_connect(), 0, 0, 0, 0, 0, ""};
        if (!l.pg) {
            struct pollfd w = {wake[0], POLLIN, 0};
            poll(&w, 1, backoff);
            backoff = backoff * 2 > 5000 ? 5000 : backoff * 2;
            continue;
        }
        int64_t last_ping = clock_mono_ms();
        if (ping(&l) != 0) goto lost;
        for (;;) {
            if (__atomic_load_n(&stopping, __ATOMIC_SEQ_CST)) break;
            struct pollfd p[2] = {{PQsocket(l.pg), POLLIN, 0}, {wake[0], POLLIN, 0}};
            if (poll(p, 2, PING_EVERY_MS) < 0) continue;
            if (p[0].revents && drain(&l) != 0) break;
            int64_t now = clock_mono_ms();
            if (l.echo != l.sent && now - l.sent_at >= PING_LOST_MS) break; /* no echo */
            if (l.up) backoff = 100;
            if (now - last_ping >= PING_EVERY_MS && !l.querying) {
                if (ping(&l) != 0) break;
                last_ping = now;
            }
        }
    lost:
        if (l.up) on_state(0);
        PQfinish(l.pg);
        if (__atomic_load_n(&stopping, __ATOMIC_SEQ_CST)) break;
        log_warnx(
            "store: not receiving session changes (connection lost, or notifications do not "
            "come back: a transaction-mode pooler?); the session cache is bypassed meanwhile");
        struct pollfd w = {wake[0], POLLIN, 0};
        poll(&w, 1, backoff);
        backoff = backoff * 2 > 5000 ? 5000 : backoff * 2;
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
