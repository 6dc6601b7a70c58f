/* session_cache: see session_cache.h. Two chained hash tables over the same entries: by session
 * (the lookup) and by account (invalidation of all of an account's sessions). */
#include "session_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "invalidate.h"
#include "metrics.h"

#define BUCKETS 16384 /* power of 2, ≥ SESSION_CACHE_MAX */

struct entry {
    struct entry *next, *anext; /* in by_hash[], by_account[] */
    char id_hash[65];
    int64_t account_id, filled_at, expires_at, last_seen;
    struct invalidate_stamp stamp; /* the shared counters when it was read (SQLite) */
    size_t len;
    unsigned char block[]; /* session.c's */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry *by_hash[BUCKETS], *by_account[BUCKETS];
static int count;
static uint64_t seq; /* invalidations, under lock */
static pthread_once_t once = PTHREAD_ONCE_INIT;

static unsigned hash_bucket(const char *h)
{
    unsigned v = 0;
    for (int i = 0; i < 8 && h[i]; i++)
        v = v * 16 + (unsigned)(h[i] <= '9' ? h[i] - '0' : (h[i] | 32) - 'a' + 10);
    return v & (BUCKETS - 1);
}

static unsigned account_bucket(int64_t id)
{
    return (unsigned)((uint64_t)id * 0x9E3779B97F4A7C15ULL >> 40) & (BUCKETS - 1);
}

static void unlink_account(struct entry *e)
{
    struct entry **p = &by_account[account_bucket(e->account_id)];
    while (*p && *p != e) p = &(*p)->anext;
    if (*p) *p = e->anext;
}

static void drop_all(void)
{
    for (int i = 0; i < BUCKETS; i++) {
        struct entry *e = by_hash[i];
        while (e) {
            struct entry *n = e->next;
            free(e);
            e = n;
        }
        by_hash[i] = by_account[i] = NULL;
    }
    count = 0;
}

/* under lock: removes the entry of id_hash */
static void drop_hash(const char *id_hash)
{
    struct entry **p = &by_hash[hash_bucket(id_hash)];
    while (*p && strcmp((*p)->id_hash, id_hash)) p = &(*p)->next;
    if (!*p) return;
    struct entry *e = *p;
    *p = e->next;
    unlink_account(e);
    free(e);
    count--;
}

static void drop_account(int64_t account)
{
    struct entry **p = &by_account[account_bucket(account)];
    while (*p) {
        struct entry *e = *p;
        if (e->account_id != account) {
            p = &e->anext;
            continue;
        }
        *p = e->anext;
        struct entry **h = &by_hash[hash_bucket(e->id_hash)];
        while (*h != e) h = &(*h)->next;
        *h = e->next;
        free(e);
        count--;
    }
}

void session_cache_forget(int64_t account, const char *id_hash)
{
    pthread_mutex_lock(&lock);
    seq++;
    if (id_hash)
        drop_hash(id_hash);
    else if (account > 0)
        drop_account(account);
    else
        drop_all();
    pthread_mutex_unlock(&lock);
}

static void init_once(void)
{
    invalidate_subscribe(session_cache_forget);
}

void session_cache_init(void)
{
    pthread_once(&once, init_once);
}

void session_cache_shutdown(void)
{
    invalidate_unsubscribe();
    session_cache_forget(0, NULL);
}

void session_cache_begin(int live, struct session_cache_ticket *t)
{
    t->mark = invalidate_mark();
    pthread_mutex_lock(&lock);
    t->seq = seq;
    pthread_mutex_unlock(&lock);
    t->usable = live;
}

int session_cache_get(const struct session_cache_ticket *t, struct arena *a, const char *id_hash,
                      int64_t now, void **block, size_t *len, int64_t *expires_at,
                      int64_t *last_seen)
{
    if (!t->usable) {
        metrics_inc(MET_SESSION_CACHE, "bypass", NULL);
        return 0;
    }
    int hit = 0;
    pthread_mutex_lock(&lock);
    struct entry *e = by_hash[hash_bucket(id_hash)];
    while (e && strcmp(e->id_hash, id_hash)) e = e->next;
    if (e && now - e->filled_at < SESSION_CACHE_TTL && now >= e->filled_at &&
        invalidate_current(&e->stamp, e->account_id, e->id_hash)) {
        *block = arena_memdup(a, e->block, e->len);
        *len = e->len;
        *expires_at = e->expires_at;
        *last_seen = e->last_seen;
        hit = *block != NULL;
    } else if (e) {
        drop_hash(id_hash);
    }
    pthread_mutex_unlock(&lock);
    metrics_inc(MET_SESSION_CACHE, hit ? "hit" : "miss", NULL);
    return hit;
}

void session_cache_put(const struct session_cache_ticket *t, const char *id_hash, int64_t account,
                       const void *block, size_t len, int64_t expires_at, int64_t last_seen,
                       int64_t now)
{
    struct invalidate_stamp stamp;
    if (!t->usable || strlen(id_hash) > 64) return;
    /* something changed (anywhere) since the row was read: it may be older than the stamp */
    if (!invalidate_stamp(t->mark, account, id_hash, &stamp)) return;
    struct entry *e = malloc(sizeof(*e) + len);
    if (!e) return;
    e->stamp = stamp;
    memcpy(e->id_hash, id_hash, strlen(id_hash) + 1);
    e->account_id = account;
    memcpy(e->block, block, len);
    e->len = len;
    e->filled_at = now;
    e->expires_at = expires_at;
    e->last_seen = last_seen;
    pthread_mutex_lock(&lock);
    if (seq != t->seq) { /* something changed while the row was read */
        pthread_mutex_unlock(&lock);
        free(e);
        return;
    }
    drop_hash(id_hash);
    if (count >= SESSION_CACHE_MAX) drop_all();
    unsigned hb = hash_bucket(id_hash), ab = account_bucket(account);
    e->next = by_hash[hb];
    by_hash[hb] = e;
    e->anext = by_account[ab];
    by_account[ab] = e;
    count++;
    pthread_mutex_unlock(&lock);
}

void session_cache_touched(const char *id_hash, int64_t last_seen)
{
    pthread_mutex_lock(&lock);
    struct entry *e = by_hash[hash_bucket(id_hash)];
    while (e && strcmp(e->id_hash, id_hash)) e = e->next;
    if (e && last_seen > e->last_seen) e->last_seen = last_seen;
    pthread_mutex_unlock(&lock);
}

int session_cache_count(void)
{
    pthread_mutex_lock(&lock);
    int n = count;
    pthread_mutex_unlock(&lock);
    return n;
}
