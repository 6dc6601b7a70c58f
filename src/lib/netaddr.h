/* netaddr: client addresses: sockaddr to text, CIDR lists (trusted_proxies), and the client
 * address behind trusted proxies from X-Forwarded-For. */
#ifndef DAOID_NETADDR_H
#define DAOID_NETADDR_H

#include <stddef.h>
#include <sys/socket.h>

struct netaddr_list;

/* Parses "10.0.0.0/8, 127.0.0.1, ::1/128"; NULL on a malformed entry (writes the bad entry
 * into err). An empty string gives an empty list. Free with netaddr_list_free. */
struct netaddr_list *netaddr_list_parse(const char *s, char *err, size_t errlen);
void netaddr_list_free(struct netaddr_list *l);
/* 1 when the textual address ip is in the list. */
int netaddr_list_has(const struct netaddr_list *l, const char *ip);
/* Writes the address of sa into buf (IPv4-mapped IPv6 shown as IPv4). */
void netaddr_format(const struct sockaddr *sa, char *buf, size_t n);
/* The client: walking X-Forwarded-For from the right, the first address not in trusted,
 * when peer itself is trusted; otherwise peer. Writes into out. */
void netaddr_client(const char *peer, const char *xff, const struct netaddr_list *trusted,
                    char *out, size_t n);

#endif
