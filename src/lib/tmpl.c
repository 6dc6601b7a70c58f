/* tmpl: renders by scanning the template text directly (templates are a few KB); sections,
 * parents and blocks find their closing tag by name with nesting depth. Escaping is the default;
 * raw output needs the triple mustache. A parent's block overrides are kept on a small stack for
 * the time the parent renders. */
#include "tmpl.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "asset.h"
#include "i18n.h"
#include "log.h"

#define TMPL_MAX_DEPTH  16
#define TMPL_MAX_BLOCKS 32

struct tval {
    struct tval *next;
    const char *key;
    const char *str;        /* a value, or */
    struct tmpl_ctx *items; /* a list (first item), */
    struct tmpl_ctx *last;  /* and its last item */
    int is_list;
};

struct tmpl_ctx {
    struct arena *a;
    struct tmpl_ctx *parent;
    struct tmpl_ctx *next; /* next item in the list this context belongs to */
    struct tval *vals;
};

/* A block override given in a parent tag: {{$name}}body{{/name}}. */
struct tblock {
    const char *name, *body;
    size_t nl, bn;
    int level; /* the overrides in force where it was given (the stack's length then) */
};

struct rstate {
    struct arena *a;
    struct abuf out;
    const struct i18n_cat *cat;
    enum tmpl_mode mode;
    int depth;
    int err;
    struct tblock blocks[TMPL_MAX_BLOCKS]; /* outermost first: the outermost override wins */
    int nblocks;
};

struct tmpl_ctx *tmpl_ctx_new(struct arena *a, struct tmpl_ctx *parent)
{
    struct tmpl_ctx *c = arena_alloc(a, sizeof(*c));
    c->a = a;
    c->parent = parent;
    return c;
}

static struct tval *own_val(struct tmpl_ctx *c, const char *key)
{
    for (struct tval *v = c->vals; v; v = v->next)
        if (!strcmp(v->key, key)) return v;
    struct tval *v = arena_alloc(c->a, sizeof(*v));
    v->key = key;
    v->next = c->vals;
    c->vals = v;
    return v;
}

void tmpl_set(struct tmpl_ctx *c, const char *key, const char *val)
{
    struct tval *v = own_val(c, key);
    v->str = val;
    v->is_list = 0;
}

void tmpl_setf(struct tmpl_ctx *c, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char buf[512];
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    tmpl_set(c, key, arena_strdup(c->a, buf));
}

void tmpl_set_bool(struct tmpl_ctx *c, const char *key, int on)
{
    tmpl_set(c, key, on ? "1" : NULL);
}

struct tmpl_ctx *tmpl_list_add(struct tmpl_ctx *c, const char *key)
{
    struct tval *v = own_val(c, key);
    v->is_list = 1;
    struct tmpl_ctx *item = tmpl_ctx_new(c->a, c);
    if (v->last)
        v->last->next = item;
    else
        v->items = item;
    v->last = item;
    return item;
}

static const struct tval *lookup(const struct tmpl_ctx *c, const char *key, size_t n)
{
    for (; c; c = c->parent)
        for (const struct tval *v = c->vals; v; v = v->next)
            if (strlen(v->key) == n && !memcmp(v->key, key, n)) return v;
    return NULL;
}

const char *tmpl_get(const struct tmpl_ctx *c, const char *key)
{
    const struct tval *v = lookup(c, key, strlen(key));
    return v && !v->is_list ? v->str : NULL;
}

void tmpl_escape(struct abuf *b, const char *s, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        const char *rep = NULL;
        switch (s[i]) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        case '`':
            rep = "&#96;";
            break;
        default:
            continue;
        }
        abuf_add(b, s + start, i - start);
        abuf_adds(b, rep);
        start = i + 1;
    }
    abuf_add(b, s + start, n - start);
}

static void emit(struct rstate *st, const char *s, size_t n, int raw)
{
    if (!s) return;
    if (raw || st->mode == TMPL_TEXT)
        abuf_add(&st->out, s, n);
    else
        tmpl_escape(&st->out, s, n);
}

/* A catalog message with {var} placeholders filled from the context, each escaped. */
static void emit_msg(struct rstate *st, const char *key, size_t kn, struct tmpl_ctx *c)
{
    char k[128];
    if (kn >= sizeof(k)) kn = sizeof(k) - 1;
    memcpy(k, key, kn);
    k[kn] = 0;
    const char *m = st->cat ? i18n_get(st->cat, k) : k;
    const char *p = m;
    while (*p) {
        const char *open = strchr(p, '{');
        const char *close = open ? strchr(open, '}') : NULL;
        if (!open || !close) break;
        emit(st, p, (size_t)(open - p), 0);
        const struct tval *v = lookup(c, open + 1, (size_t)(close - open - 1));
        if (v && !v->is_list && v->str) emit(st, v->str, strlen(v->str), 0);
        p = close + 1;
    }
    emit(st, p, strlen(p), 0);
}

static void render(struct rstate *st, const char *s, size_t n, struct tmpl_ctx *c);

/* Finds the {{/name}} closing the section that starts at s; returns its offset or -1. */
static long find_close(const char *s, size_t n, const char *name, size_t nl)
{
    int depth = 1;
    for (size_t i = 0; i + 4 < n; i++) {
        if (s[i] != '{' || s[i + 1] != '{') continue;
        char kind = s[i + 2];
        if (strchr("#^/<$", kind) && kind && i + 3 + nl + 2 <= n && !memcmp(s + i + 3, name, nl) &&
            !memcmp(s + i + 3 + nl, "}}", 2)) {
            depth += kind == '/' ? -1 : 1;
            if (depth == 0) return (long)i;
        }
    }
    return -1;
}

static void render_partial(struct rstate *st, const char *name, size_t nl, struct tmpl_ctx *c)
{
    char path[160];
    snprintf(path, sizeof(path), "web/templates/%.*s.%s", (int)nl, name,
             st->mode == TMPL_TEXT ? "txt" : "html");
    const struct asset *as = asset_get(path);
    if (!as) {
        log_warnx("tmpl: no partial %s", path);
        st->err = 1;
        return;
    }
    render(st, (const char *)as->data, as->len, c);
}

static const struct tblock *block_find(const struct rstate *st, const char *name, size_t nl)
{
    for (int i = 0; i < st->nblocks; i++)
        if (st->blocks[i].nl == nl && !memcmp(st->blocks[i].name, name, nl)) return &st->blocks[i];
    return NULL;
}

/* {{$name}}default{{/name}}: the override in force for name, else the default. An override
 * renders with the overrides that were in force where it was written. */
static void render_block(struct rstate *st, const char *name, size_t nl, const char *dflt,
                         size_t dn, struct tmpl_ctx *c)
{
    const struct tblock *b = block_find(st, name, nl);
    if (!b) {
        render(st, dflt, dn, c);
        return;
    }
    /* the overrides given after b step aside (parents in b's body reuse their slots) */
    struct tblock aside[TMPL_MAX_BLOCKS];
    int saved = st->nblocks, level = b->level;
    struct tblock own = *b;
    memcpy(aside, st->blocks + level, (size_t)(saved - level) * sizeof(aside[0]));
    st->nblocks = level;
    render(st, own.body, own.bn, c);
    memcpy(st->blocks + level, aside, (size_t)(saved - level) * sizeof(aside[0]));
    st->nblocks = saved;
}

/* {{<name}}…{{/name}}: the template NAME with the blocks given in the body (s, n) overriding
 * its own; text between the blocks is ignored. Overrides already in force win over these. */
static void render_parent(struct rstate *st, const char *name, size_t nl, const char *s, size_t n,
                          struct tmpl_ctx *c)
{
    int saved = st->nblocks, level = st->nblocks;
    size_t i = 0;
    while (i < n && !st->err) {
        const char *open = memmem(s + i, n - i, "{{", 2);
        if (!open) break;
        const char *tag = open + 2;
        const char *end = memmem(tag, n - (size_t)(tag - s), "}}", 2);
        if (!end) break;
        size_t tl = (size_t)(end - tag), after = (size_t)(end - s) + 2;
        i = after;
        if (tl < 2 || !strchr("#^<$", tag[0])) continue;
        long close = find_close(s + after, n - after, tag + 1, tl - 1);
        if (close < 0) {
            log_warnx("tmpl: block %.*s not closed", (int)tl - 1, tag + 1);
            st->err = 1;
            break;
        }
        i = after + (size_t)close + tl + 4;
        if (tag[0] != '$' || block_find(st, tag + 1, tl - 1)) continue;
        if (st->nblocks == TMPL_MAX_BLOCKS) {
            log_warnx("tmpl: too many blocks");
            st->err = 1;
            break;
        }
        st->blocks[st->nblocks++] =
            (struct tblock){tag + 1, s + after, tl - 1, (size_t)close, level};
    }
    if (!st->err) render_partial(st, name, nl, c);
    st->nblocks = saved;
}

static void render_section(struct rstate *st, char kind, const struct tval *v, const char *body,
                           size_t bn, struct tmpl_ctx *c)
{
    int truthy = v && (v->is_list ? v->items != NULL : v->str && *v->str);
    if (kind == '^') {
        if (!truthy) render(st, body, bn, c);
        return;
    }
    if (!truthy) return;
    if (v->is_list)
        for (struct tmpl_ctx *it = v->items; it; it = it->next) render(st, body, bn, it);
    else
        render(st, body, bn, c);
}

static void render(struct rstate *st, const char *s, size_t n, struct tmpl_ctx *c)
{
    if (++st->depth > TMPL_MAX_DEPTH) {
        log_warnx("tmpl: nesting too deep");
        st->err = 1;
        st->depth--;
        return;
    }
    size_t i = 0;
    while (i < n && !st->err) {
        const char *open = memmem(s + i, n - i, "{{", 2);
        if (!open) {
            abuf_add(&st->out, s + i, n - i);
            break;
        }
        size_t at = (size_t)(open - s);
        abuf_add(&st->out, s + i, at - i);
        int triple = at + 2 < n && s[at + 2] == '{';
        const char *tag = s + at + (triple ? 3 : 2);
        const char *end = memmem(tag, n - (size_t)(tag - s), triple ? "}}}" : "}}", triple ? 3 : 2);
        if (!end) {
            log_warnx("tmpl: unclosed tag");
            st->err = 1;
            break;
        }
        size_t tl = (size_t)(end - tag);
        size_t after = (size_t)(end - s) + (triple ? 3 : 2);
        char kind = triple ? '&' : tag[0];
        if (kind == '#' || kind == '^' || kind == '<' || kind == '$') {
            long close = find_close(s + after, n - after, tag + 1, tl - 1);
            if (close < 0) {
                log_warnx("tmpl: section %.*s not closed", (int)tl - 1, tag + 1);
                st->err = 1;
                break;
            }
            const char *name = tag + 1, *body = s + after;
            size_t nl = tl - 1, bn = (size_t)close;
            if (kind == '<')
                render_parent(st, name, nl, body, bn, c);
            else if (kind == '$')
                render_block(st, name, nl, body, bn, c);
            else
                render_section(st, kind, lookup(c, name, nl), body, bn, c);
            after += (size_t)close + tl + 4; /* skip {{/name}} */
        } else if (kind == '>') {
            render_partial(st, tag + 1, tl - 1, c);
        } else if (kind == '!') {
            /* comment */
        } else if (tl > 2 && !memcmp(tag, "t:", 2)) {
            emit_msg(st, tag + 2, tl - 2, c);
        } else {
            const struct tval *v = lookup(c, tag, tl);
            if (v && !v->is_list && v->str) emit(st, v->str, strlen(v->str), triple);
        }
        i = after;
    }
    st->depth--;
}

char *tmpl_render_str(struct arena *a, const char *src, struct tmpl_ctx *c,
                      const struct i18n_cat *cat, enum tmpl_mode mode, size_t *len)
{
    struct rstate st = {.a = a, .cat = cat, .mode = mode};
    size_t n = strlen(src);
    abuf_init(&st.out, a, n + n / 2 + 256);
    if (!c) c = tmpl_ctx_new(a, NULL);
    render(&st, src, n, c);
    if (st.err) return NULL;
    if (len) *len = st.out.len;
    return abuf_str(&st.out);
}

char *tmpl_render(struct arena *a, const char *path, struct tmpl_ctx *c, const struct i18n_cat *cat,
                  enum tmpl_mode mode, size_t *len)
{
    const struct asset *as = asset_get(path);
    if (!as) {
        log_warnx("tmpl: no template %s", path);
        return NULL;
    }
    return tmpl_render_str(a, (const char *)as->data, c, cat, mode, len);
}
