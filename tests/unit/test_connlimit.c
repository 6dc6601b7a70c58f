/* Unit tests of the connection limits: in all (max_connections, trusted peers counted) and per
 * peer (trusted peers exempt); a closed connection frees its place. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <string.h>

#include "connlimit.h"
#include "netaddr.h"

static struct sockaddr_in peer(const char *ip)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    inet_pton(AF_INET, ip, &a.sin_addr);
    return a;
}

#define SA(x) ((const struct sockaddr *)&(x))

Test(connlimit, total_limit_refuses_then_frees)
{
    struct sockaddr_in a = peer("192.0.2.1"), b = peer("192.0.2.2"), c = peer("192.0.2.3");
    connlimit_init(0, 2, NULL);
    cr_assert(connlimit_admit(SA(a)));
    connlimit_opened(SA(a));
    cr_assert(connlimit_admit(SA(b)));
    connlimit_opened(SA(b));
    cr_assert_not(connlimit_admit(SA(c)), "the third connection in all is refused");
    cr_assert_not(connlimit_admit(SA(a)));
    connlimit_closed(SA(a));
    cr_assert(connlimit_admit(SA(c)), "a closed connection frees its place");
    connlimit_closed(SA(b));
    connlimit_shutdown();
}

Test(connlimit, per_peer_and_trusted)
{
    char err[64];
    struct netaddr_list *trusted = netaddr_list_parse("127.0.0.1", err, sizeof(err));
    cr_assert_not_null(trusted);
    struct sockaddr_in a = peer("192.0.2.1"), b = peer("192.0.2.2"), px = peer("127.0.0.1");
    connlimit_init(1, 3, trusted);
    connlimit_opened(SA(a));
    cr_assert_not(connlimit_admit(SA(a)), "a peer at its own limit");
    cr_assert(connlimit_admit(SA(b)));
    connlimit_opened(SA(px));
    cr_assert(connlimit_admit(SA(px)), "the proxy is not limited per peer");
    connlimit_opened(SA(px));
    cr_assert_not(connlimit_admit(SA(px)), "but it counts in all");
    cr_assert_not(connlimit_admit(SA(b)));
    connlimit_closed(SA(px));
    cr_assert(connlimit_admit(SA(b)));
    connlimit_closed(SA(px));
    connlimit_closed(SA(a));
    connlimit_shutdown();
    netaddr_list_free(trusted);
}

Test(connlimit, zero_is_no_limit)
{
    struct sockaddr_in a = peer("192.0.2.1");
    connlimit_init(0, 0, NULL);
    for (int i = 0; i < 100; i++) connlimit_opened(SA(a));
    cr_assert(connlimit_admit(SA(a)));
    for (int i = 0; i < 100; i++) connlimit_closed(SA(a));
    connlimit_shutdown();
}
