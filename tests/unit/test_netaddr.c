/* Unit tests of netaddr: CIDR lists, X-Forwarded-For behind trusted proxies, formatting. */
#include "netaddr.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <string.h>

static struct netaddr_list *list(const char *s)
{
    char err[64] = "";
    struct netaddr_list *l = netaddr_list_parse(s, err, sizeof(err));
    cr_assert_not_null(l, "\"%s\" refused at %s", s, err);
    return l;
}

Test(netaddr, ipv4_cidr)
{
    struct netaddr_list *l = list("10.0.0.0/8, 192.168.1.0/24 ,127.0.0.1\t172.16.0.0/12");
    cr_assert_eq(netaddr_list_has(l, "10.0.0.0"), 1);
    cr_assert_eq(netaddr_list_has(l, "10.255.255.255"), 1);
    cr_assert_eq(netaddr_list_has(l, "11.0.0.1"), 0);
    cr_assert_eq(netaddr_list_has(l, "9.255.255.255"), 0);
    cr_assert_eq(netaddr_list_has(l, "192.168.1.200"), 1);
    cr_assert_eq(netaddr_list_has(l, "192.168.2.1"), 0);
    cr_assert_eq(netaddr_list_has(l, "127.0.0.1"), 1);
    cr_assert_eq(netaddr_list_has(l, "127.0.0.2"), 0);
    /* a prefix that does not end on a byte */
    cr_assert_eq(netaddr_list_has(l, "172.16.0.1"), 1);
    cr_assert_eq(netaddr_list_has(l, "172.31.255.255"), 1);
    cr_assert_eq(netaddr_list_has(l, "172.32.0.0"), 0);
    cr_assert_eq(netaddr_list_has(l, "172.15.255.255"), 0);
    /* IPv6 never matches an IPv4 prefix, except the IPv4-mapped form of a member */
    cr_assert_eq(netaddr_list_has(l, "::1"), 0);
    cr_assert_eq(netaddr_list_has(l, "2001:db8::a00:1"), 0);
    cr_assert_eq(netaddr_list_has(l, "::ffff:10.1.2.3"), 1);
    cr_assert_eq(netaddr_list_has(l, "::ffff:11.1.2.3"), 0);
    /* not addresses */
    cr_assert_eq(netaddr_list_has(l, ""), 0);
    cr_assert_eq(netaddr_list_has(l, NULL), 0);
    cr_assert_eq(netaddr_list_has(l, "10.0.0.1/8"), 0);
    cr_assert_eq(netaddr_list_has(l, "localhost"), 0);
    netaddr_list_free(l);

    l = list("0.0.0.0/0");
    cr_assert_eq(netaddr_list_has(l, "1.2.3.4"), 1);
    cr_assert_eq(netaddr_list_has(l, "255.255.255.255"), 1);
    cr_assert_eq(netaddr_list_has(l, "2001:db8::1"), 0);
    netaddr_list_free(l);

    l = list("203.0.113.7/32");
    cr_assert_eq(netaddr_list_has(l, "203.0.113.7"), 1);
    cr_assert_eq(netaddr_list_has(l, "203.0.113.6"), 0);
    netaddr_list_free(l);
}

Test(netaddr, ipv6_cidr)
{
    struct netaddr_list *l = list("2001:db8::/32, ::1, fe80::/10, 2001:db8:1234:5600::/56");
    cr_assert_eq(netaddr_list_has(l, "2001:db8::1"), 1);
    cr_assert_eq(netaddr_list_has(l, "2001:db8:ffff:ffff::1"), 1);
    cr_assert_eq(netaddr_list_has(l, "2001:db9::1"), 0);
    cr_assert_eq(netaddr_list_has(l, "::1"), 1);
    cr_assert_eq(netaddr_list_has(l, "::2"), 0);
    cr_assert_eq(netaddr_list_has(l, "fe80::1"), 1);
    cr_assert_eq(netaddr_list_has(l, "febf:ffff::1"), 1);
    cr_assert_eq(netaddr_list_has(l, "fec0::1"), 0);
    cr_assert_eq(netaddr_list_has(l, "127.0.0.1"), 0);
    netaddr_list_free(l);

    l = list("2001:db8:1234:5600::/56");
    cr_assert_eq(netaddr_list_has(l, "2001:db8:1234:56ff::1"), 1);
    cr_assert_eq(netaddr_list_has(l, "2001:db8:1234:5700::1"), 0);
    netaddr_list_free(l);
}

Test(netaddr, empty_and_malformed_lists)
{
    struct netaddr_list *l = list("");
    cr_assert_eq(netaddr_list_has(l, "127.0.0.1"), 0);
    netaddr_list_free(l);
    l = list(" , ,");
    cr_assert_eq(netaddr_list_has(l, "::1"), 0);
    netaddr_list_free(l);
    cr_assert_eq(netaddr_list_has(NULL, "127.0.0.1"), 0);
    netaddr_list_free(NULL);

    static const char *const bad[][2] = {
        {"10.0.0.0/33", "10.0.0.0"},
        {"127.0.0.1, 300.1.1.1", "300.1.1.1"},
        {"proxy.example.com", "proxy.example.com"},
        {"::1/129", "::1"},
        {"10.0.0.0/8x", "10.0.0.0"},
        {"10.0.0.0/-1", "10.0.0.0"},
        {"10.0.0/8", "10.0.0"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char err[64] = "";
        cr_expect_null(netaddr_list_parse(bad[i][0], err, sizeof(err)), "%s accepted", bad[i][0]);
        cr_expect_str_eq(err, bad[i][1]);
    }
}

static const char *client(const char *peer, const char *xff, const struct netaddr_list *trusted)
{
    static char out[64];
    memset(out, 'z', sizeof(out));
    netaddr_client(peer, xff, trusted, out, sizeof(out));
    return out;
}

Test(netaddr, forwarded_for_walks_trusted_proxies)
{
    struct netaddr_list *t = list("10.0.0.0/8, ::1");
    /* one proxy */
    cr_assert_str_eq(client("10.0.0.5", "203.0.113.7", t), "203.0.113.7");
    cr_assert_str_eq(client("10.0.0.5", "  203.0.113.7  ", t), "203.0.113.7");
    /* a chain: trusted hops on the right are skipped, what the client wrote on the left is not
     * believed */
    cr_assert_str_eq(client("10.0.0.5", "198.51.100.1, 203.0.113.7, 10.0.0.3", t), "203.0.113.7");
    cr_assert_str_eq(client("10.0.0.5", "1.1.1.1,203.0.113.7,10.9.9.9,10.0.0.3", t), "203.0.113.7");
    /* every hop trusted: the leftmost */
    cr_assert_str_eq(client("10.0.0.5", "10.0.0.1, 10.0.0.2", t), "10.0.0.1");
    /* garbage stops the walk at the last good address */
    cr_assert_str_eq(client("10.0.0.5", "203.0.113.7, garbage", t), "10.0.0.5");
    cr_assert_str_eq(client("10.0.0.5", "garbage, 10.0.0.9", t), "10.0.0.9");
    cr_assert_str_eq(client("10.0.0.5", "", t), "10.0.0.5");
    cr_assert_str_eq(client("10.0.0.5", NULL, t), "10.0.0.5");
    /* IPv6 hops */
    cr_assert_str_eq(client("::1", "2001:db8::7", t), "2001:db8::7");
    netaddr_list_free(t);
}

Test(netaddr, untrusted_peer_ignores_header)
{
    struct netaddr_list *t = list("10.0.0.0/8");
    cr_assert_str_eq(client("203.0.113.9", "1.2.3.4", t), "203.0.113.9");
    cr_assert_str_eq(client("203.0.113.9", "10.0.0.1", t), "203.0.113.9");
    cr_assert_str_eq(client("::1", "1.2.3.4", t), "::1");
    netaddr_list_free(t);
    /* no trusted proxies at all */
    t = list("");
    cr_assert_str_eq(client("10.0.0.5", "1.2.3.4", t), "10.0.0.5");
    netaddr_list_free(t);
    cr_assert_str_eq(client("10.0.0.5", "1.2.3.4", NULL), "10.0.0.5");
}

Test(netaddr, format_sockaddr)
{
    char buf[64];
    struct sockaddr_in s4 = {.sin_family = AF_INET};
    inet_pton(AF_INET, "192.0.2.1", &s4.sin_addr);
    netaddr_format((struct sockaddr *)&s4, buf, sizeof(buf));
    cr_assert_str_eq(buf, "192.0.2.1");

    struct sockaddr_in6 s6 = {.sin6_family = AF_INET6};
    inet_pton(AF_INET6, "::ffff:192.0.2.9", &s6.sin6_addr);
    netaddr_format((struct sockaddr *)&s6, buf, sizeof(buf));
    cr_assert_str_eq(buf, "192.0.2.9");
    inet_pton(AF_INET6, "2001:db8::1", &s6.sin6_addr);
    netaddr_format((struct sockaddr *)&s6, buf, sizeof(buf));
    cr_assert_str_eq(buf, "2001:db8::1");

    netaddr_format(NULL, buf, sizeof(buf));
    cr_assert_str_eq(buf, "-");
    struct sockaddr su = {.sa_family = AF_UNIX};
    netaddr_format(&su, buf, sizeof(buf));
    cr_assert_str_eq(buf, "-");
}

/* regression: "10.0.0.0/" is malformed, not 10.0.0.0/0 (which would trust everyone) */
Test(netaddr, empty_prefix_length_is_malformed)
{
    char err[64] = "";
    struct netaddr_list *l = netaddr_list_parse("10.0.0.0/", err, sizeof(err));
    cr_assert_null(l);
    cr_assert_str_eq(err, "10.0.0.0");
}

/* regression: a long X-Forwarded-For cannot push the proxy's entries out of view */
Test(netaddr, long_forwarded_for_keeps_rightmost_client)
{
    char err[64];
    struct netaddr_list *t = netaddr_list_parse("10.0.0.0/8", err, sizeof(err));
    static char xff[4096];
    memset(xff, 'x', 3000);
    memcpy(xff + 1014, ", 6.6.6.6, ", 11);
    strcpy(xff + 3000, ", 6.6.6.6, 203.0.113.7, 10.1.2.3");
    char out[64];
    netaddr_client("10.0.0.5", xff, t, out, sizeof(out));
    netaddr_list_free(t);
    cr_assert_str_eq(out, "203.0.113.7");
}
