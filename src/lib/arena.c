/* arena: bump allocation in chunks, cleanups in reverse order, memory wiped on free
 * (requests carry passwords and tokens through it). */
#include "arena.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_CHUNK 8192

struct chunk {
    struct chunk *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
};

struct cleanup {
    struct cleanup *next;
    void (*fn)(void *);
    void *arg;
};

struct arena {
    struct chunk *head;
    struct cleanup *cleanups;
};

static void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (!p) {
        fputs("daoid: out of memory\n", stderr);
        abort();
    }
    return p;
}

struct arena *arena_new(void)
{
    struct arena *a = xmalloc(sizeof(*a));
    a->head = NULL;
    a->cleanups = NULL;
    return a;
}

void arena_free(struct arena *a)
{
    if (!a) return;
    while (a->cleanups) {
        struct cleanup *c = a->cleanups;
        a->cleanups = c->next;
        c->fn(c->arg);
    }
    while (a->head) {
        struct chunk *c = a->head;
        a->head = c->next;
        sodium_memzero(c->data, c->used);
        free(c);
    }
    free(a);
}

void *arena_alloc(struct arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (n == 0) n = 16;
    struct chunk *c = a->head;
    if (!c || c->size - c->used < n) {
        size_t size = n > ARENA_CHUNK / 2 ? n : ARENA_CHUNK;
        if (size > SIZE_MAX - sizeof(*c)) abort();
        struct chunk *nc = xmalloc(sizeof(*nc) + size);
        nc->size = size;
        nc->used = 0;
        if (c && size != ARENA_CHUNK) {
            /* a big block goes behind the current chunk so its free space stays usable */
            nc->next = c->next;
            c->next = nc;
            nc->used = n;
            memset(nc->data, 0, n);
            return nc->data;
        }
        nc->next = c;
        a->head = c = nc;
    }
    void *p = c->data + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    if (!s) return NULL;
    char *p = arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
    return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

void *arena_memdup(struct arena *a, const void *p, size_t n)
{
    void *q = arena_alloc(a, n);
    if (n) memcpy(q, p, n);
    return q;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    char *s = arena_alloc(a, (size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return s;
}

void arena_cleanup(struct arena *a, void (*fn)(void *), void *arg)
{
    struct cleanup *c = arena_alloc(a, sizeof(*c));
    c->fn = fn;
    c->arg = arg;
    c->next = a->cleanups;
    a->cleanups = c;
}

void abuf_init(struct abuf *b, struct arena *a, size_t cap)
{
    b->a = a;
    b->cap = cap < 64 ? 64 : cap;
    b->s = arena_alloc(a, b->cap);
    b->len = 0;
}

static void abuf_grow(struct abuf *b, size_t need)
{
    if (b->len + need + 1 <= b->cap) return;
    size_t cap = b->cap * 2;
    while (cap < b->len + need + 1) cap *= 2;
    char *s = arena_alloc(b->a, cap);
    memcpy(s, b->s, b->len);
    b->s = s;
    b->cap = cap;
}

void abuf_add(struct abuf *b, const char *s, size_t n)
{
    abuf_grow(b, n);
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

void abuf_adds(struct abuf *b, const char *s)
{
    abuf_add(b, s, strlen(s));
}

void abuf_addc(struct abuf *b, char c)
{
    abuf_add(b, &c, 1);
}

void abuf_printf(struct abuf *b, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n > 0) {
        abuf_grow(b, (size_t)n);
        vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap2);
        b->len += (size_t)n;
    }
    va_end(ap2);
}

char *abuf_str(struct abuf *b)
{
    return b->s;
}
