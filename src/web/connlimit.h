/* connlimit: open connections in all (max_connections) and per peer address
 * (per_ip_connections), with the trusted proxies exempt from the per-peer limit: behind nginx
 * every connection comes from nginx, and that limit belongs to the clients it speaks for
 * (nginx's limit_conn), not to nginx itself. A refused connection is closed at once by
 * libmicrohttpd (accepted, then closed), so a client or balancer past a limit learns it
 * immediately instead of waiting unaccepted in the kernel's listen queue.
 *
 * Invariants:
 *  1. A peer's count is the number of its connections that libmicrohttpd started and has not
 *     closed (connlimit_opened / connlimit_closed, one each per connection).
 *  2. connlimit_admit refuses any connection while the total is at its limit, and a peer at its
 *     limit; admission and start are two steps, so a
 *     burst may pass the limit by the connections accepted between them (at most one per
 *     worker thread).
 *  3. Trusted peers are counted in the total only, never refused by the per-peer limit. */
#ifndef DAOID_CONNLIMIT_H
#define DAOID_CONNLIMIT_H

#include <sys/socket.h>

struct netaddr_list;

/* per_ip, total: 0 is no limit. trusted is borrowed and must outlive every other call. */
void connlimit_init(unsigned per_ip, unsigned total, const struct netaddr_list *trusted);
void connlimit_shutdown(void); /* frees the table */

/* 1 when a new connection from sa may be accepted. */
int connlimit_admit(const struct sockaddr *sa);
void connlimit_opened(const struct sockaddr *sa);
void connlimit_closed(const struct sockaddr *sa);

#endif
