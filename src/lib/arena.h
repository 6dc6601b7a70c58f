/* arena: a per-request bump allocator with cleanups, freed in one call.
 * Everything a request allocates lives in its arena and dies with it (nginx/H2O pools).
 * Allocation failure aborts: requests are bounded, so running out is a bug or an attack
 * that the body/header limits already stop. */
#ifndef DAOID_ARENA_H
#define DAOID_ARENA_H

#include <stddef.h>

struct arena;

/* Returns a new arena; free it with arena_free(). */
struct arena *arena_new(void);
/* Runs the cleanups (last registered first), wipes and frees every block. NULL is a no-op. */
void arena_free(struct arena *a);

/* Memory owned by the arena, 16-byte aligned, zeroed. */
void *arena_alloc(struct arena *a, size_t n);
/* Copies owned by the arena; NULL in gives NULL out. */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
void *arena_memdup(struct arena *a, const void *p, size_t n);
/* printf into arena memory. */
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Calls fn(arg) when the arena is freed. */
void arena_cleanup(struct arena *a, void (*fn)(void *), void *arg);

/* A growable string in arena memory. */
struct abuf {
    struct arena *a;
    char *s;
    size_t len, cap;
};
void abuf_init(struct abuf *b, struct arena *a, size_t cap);
void abuf_add(struct abuf *b, const char *s, size_t n);
void abuf_adds(struct abuf *b, const char *s);
void abuf_addc(struct abuf *b, char c);
void abuf_printf(struct abuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* NUL-terminated contents, owned by the arena. */
char *abuf_str(struct abuf *b);

#endif
