/* connlimit: counts open connections per peer address in a small hash table under one mutex
 * (touched once at accept, once at start and once at close of a connection). */
#include "connlimit.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netaddr.h"

#define BUCKETS  256
#define ADDR_MAX 64

struct peer {
    char addr[ADDR_MAX];
    unsigned open;
    struct peer *next;
};

static struct peer *table[BUCKETS];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned max_open;
static unsigned max_total, open_total; /* open_total under mu */
static const struct netaddr_list *exempt;

static unsigned bucket(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
    return h % BUCKETS;
}

/* Where the peer's entry is, or would be linked; called with mu held. */
static struct peer **slot(const char *addr)
{
    struct peer **p = &table[bucket(addr)];
    while (*p && strcmp((*p)->addr, addr)) p = &(*p)->next;
    return p;
}

/* Writes the address of sa into buf; 0 when it is counted, -1 when exempt or unlimited. */
static int counted(const struct sockaddr *sa, char *buf)
{
    if (!max_open || !sa) return -1;
    netaddr_format(sa, buf, ADDR_MAX);
    return exempt && netaddr_list_has(exempt, buf) ? -1 : 0;
}

void connlimit_init(unsigned per_ip, unsigned total, const struct netaddr_list *trusted)
{
    max_open = per_ip;
    max_total = total;
    exempt = trusted;
}

void connlimit_shutdown(void)
{
    pthread_mutex_lock(&mu);
    open_total = 0;
    for (int i = 0; i < BUCKETS; i++) {
        while (table[i]) {
            struct peer *p = table[i];
            table[i] = p->next;
            free(p);
        }
    }
    pthread_mutex_unlock(&mu);
}

int connlimit_admit(const struct sockaddr *sa)
{
    char addr[ADDR_MAX];
    int per_peer = counted(sa, addr) == 0;
    pthread_mutex_lock(&mu);
    int ok = !max_total || open_total < max_total;
    if (ok && per_peer) {
        struct peer *p = *slot(addr);
        ok = !p || p->open < max_open;
    }
    pthread_mutex_unlock(&mu);
    return ok;
}

void connlimit_opened(const struct sockaddr *sa)
{
    char addr[ADDR_MAX];
    int per_peer = counted(sa, addr) == 0;
    pthread_mutex_lock(&mu);
    open_total++;
    if (!per_peer) goto done;
    struct peer **s = slot(addr);
    if (!*s) {
        struct peer *p = calloc(1, sizeof(*p));
        if (!p) goto done; /* uncounted: this connection is not limited */
        memcpy(p->addr, addr, sizeof(p->addr));
        *s = p;
    }
    (*s)->open++;
done:
    pthread_mutex_unlock(&mu);
}

void connlimit_closed(const struct sockaddr *sa)
{
    char addr[ADDR_MAX];
    int per_peer = counted(sa, addr) == 0;
    pthread_mutex_lock(&mu);
    if (open_total) open_total--;
    struct peer **s = per_peer ? slot(addr) : NULL;
    struct peer *p = s ? *s : NULL;
    if (p && --p->open == 0) {
        *s = p->next;
        free(p);
    }
    pthread_mutex_unlock(&mu);
}
