/* netaddr: IPv4 and IPv6 prefixes compared as 16-byte addresses (IPv4 mapped into ::ffff:0:0/96).
 */
#include "netaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct prefix {
    unsigned char addr[16];
    int bits;
};

struct netaddr_list {
    struct prefix *p;
    int n;
};

static int parse_addr(const char *s, unsigned char out[16], int *is4)
{
    struct in_addr a4;
    if (inet_pton(AF_INET, s, &a4) == 1) {
        memset(out, 0, 10);
        out[10] = out[11] = 0xff;
        memcpy(out + 12, &a4, 4);
        *is4 = 1;
        return 0;
    }
    *is4 = 0;
    return inet_pton(AF_INET6, s, out) == 1 ? 0 : -1;
}

struct netaddr_list *netaddr_list_parse(const char *s, char *err, size_t errlen)
{
    struct netaddr_list *l = calloc(1, sizeof(*l));
    char *copy = strdup(s ? s : ""), *save = NULL;
    for (char *tok = strtok_r(copy, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
        struct prefix p;
        char *slash = strchr(tok, '/');
        int is4;
        if (slash) *slash = 0;
        if (parse_addr(tok, p.addr, &is4) != 0) goto bad;
        p.bits = 128;
        if (slash) {
            char *end;
            long b = strtol(slash + 1, &end, 10);
            if (!slash[1] || *end || b < 0 || b > (is4 ? 32 : 128)) goto bad;
            p.bits = (int)(is4 ? b + 96 : b);
        }
        l->p = realloc(l->p, sizeof(struct prefix) * (size_t)(l->n + 1));
        l->p[l->n++] = p;
        continue;
    bad:
        snprintf(err, errlen, "%s", tok);
        free(copy);
        netaddr_list_free(l);
        return NULL;
    }
    free(copy);
    return l;
}

void netaddr_list_free(struct netaddr_list *l)
{
    if (!l) return;
    free(l->p);
    free(l);
}

static int prefix_has(const struct prefix *p, const unsigned char a[16])
{
    int full = p->bits / 8, rest = p->bits % 8;
    if (memcmp(p->addr, a, (size_t)full)) return 0;
    if (!rest) return 1;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (p->addr[full] & mask) == (a[full] & mask);
}

int netaddr_list_has(const struct netaddr_list *l, const char *ip)
{
    unsigned char a[16];
    int is4;
    if (!l || !ip || parse_addr(ip, a, &is4) != 0) return 0;
    for (int i = 0; i < l->n; i++)
        if (prefix_has(&l->p[i], a)) return 1;
    return 0;
}

void netaddr_format(const struct sockaddr *sa, char *buf, size_t n)
{
    if (!sa) {
        snprintf(buf, n, "-");
        return;
    }
    if (sa->sa_family == AF_INET) {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, (socklen_t)n);
    } else if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a6))
            inet_ntop(AF_INET, &a6->s6_addr[12], buf, (socklen_t)n);
        else
            inet_ntop(AF_INET6, a6, buf, (socklen_t)n);
    } else {
        snprintf(buf, n, "-");
    }
}

void netaddr_client(const char *peer, const char *xff, const struct netaddr_list *trusted,
                    char *out, size_t n)
{
    snprintf(out, n, "%s", peer);
    if (!xff || !netaddr_list_has(trusted, peer)) return;
    /* walk the header from its right end, whatever its length: the rightmost entries are the
     * ones our proxies appended */
    const char *end = xff + strlen(xff);
    while (end > xff) {
        const char *start = end;
        while (start > xff && start[-1] != ',') start--;
        const char *a = start, *b = end;
        while (a < b && *a == ' ') a++;
        while (b > a && b[-1] == ' ') b--;
        char cand[64];
        size_t len = (size_t)(b - a);
        unsigned char addr[16];
        int is4;
        if (len == 0 || len >= sizeof(cand)) return; /* garbage: keep the last good one */
        memcpy(cand, a, len);
        cand[len] = 0;
        if (parse_addr(cand, addr, &is4) != 0) return;
        snprintf(out, n, "%s", cand);
        if (!netaddr_list_has(trusted, cand)) return;
        end = start > xff ? start - 1 : xff;
    }
}
