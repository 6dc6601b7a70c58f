/* pg_listen: PostgreSQL's LISTEN side of the session caches' invalidation (invalidate.h): one
 * thread with a connection of its own (application_name daoid-listen) that LISTENs on channel
 * daoid_session and hands every notification's payload to note(). When the connection is lost
 * it calls state(0), reconnects with backoff (100 ms doubling to 5 s) and, once listening again,
 * calls state(1); notes sent meanwhile are lost, so the subscriber treats state changes as
 * "anything may have changed". Every second the thread NOTIFYs itself a ping; "up" means the
 * pings come back, so a connection that dies silently counts as down within 3 s, and behind a
 * transaction-mode pooler (LISTEN and NOTIFY on different server connections) it never comes
 * up: the session cache stays bypassed there rather than miss other nodes' changes. */
#ifndef DAOID_PG_LISTEN_H
#define DAOID_PG_LISTEN_H

/* Starts the thread (once): 0, or -1. */
int pg_listen_start(const char *url, void (*note)(const char *payload), void (*state)(int up));
/* Stops it and closes its connection. */
void pg_listen_stop(void);

#endif
