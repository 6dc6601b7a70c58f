/* identities: see identities.h. Every statement on the identities table (q_identities.h).
 * The provider, login and age of an account's identities are in its cached sessions
 * (GET /api/v1/me): the writes that change them tell the caches (invalidate.h). */
#include "identities.h"

#include <string.h>

#include "arena.h"
#include "invalidate.h"

/* rc after a write that changed account's identities as its sessions show them */
static enum st_rc shown(struct st_conn *c, int64_t account, enum st_rc rc)
{
    invalidate_account(c, account);
    return rc;
}

/* Reads the identity columns (q_identities.h) from the current row of s into o (in a). */
static void read_row(struct st_stmt *s, struct arena *a, struct identity *o)
{
    o->id = st_col_int(s, 0);
    o->provider = arena_strdup(a, st_col_text(s, 1));
    o->subject = arena_strdup(a, st_col_text(s, 2));
    o->login = arena_strdup(a, st_col_text(s, 3));
    o->email = arena_strdup(a, st_col_text(s, 4));
    o->extra = arena_strdup(a, st_col_text(s, 5));
    o->account_id = st_col_int(s, 6);
    o->created_at = st_col_int(s, 7);
}

/* Rows read into a growing array (identities_list), or the first one only (max 1). */
struct rows {
    struct arena *a;
    struct identity *v;
    int n, cap, max;
};

static int take_row(struct st_stmt *s, void *arg)
{
    struct rows *r = arg;
    if (r->n == r->cap) {
        struct identity *nv = arena_alloc(r->a, sizeof(*nv) * (size_t)(r->cap *= 2));
        memcpy(nv, r->v, sizeof(*nv) * (size_t)r->n);
        r->v = nv;
    }
    read_row(s, r->a, &r->v[r->n++]);
    return r->n >= r->max;
}

/* q's rows (at most max) into r; ST_OK or an error. */
static enum st_rc read_rows(struct st_conn *c, struct arena *a, enum q_id q, struct st_val k1,
                            struct st_val k2, int nin, struct identity *first, struct rows *r)
{
    const struct st_val in[2] = {k1, k2};
    *r = (struct rows){a, first, 0, 1, first ? 1 : 1 << 30};
    if (!first) r->v = arena_alloc(a, sizeof(*r->v) * (size_t)(r->cap = 8));
    return st_each(c, q, in, nin, take_row, r);
}

/* The first row of q (keys k1, k2) into o. */
static enum st_rc one_row(struct st_conn *c, struct arena *a, enum q_id q, struct st_val k1,
                          struct st_val k2, struct identity *o)
{
    struct rows r;
    enum st_rc rc = read_rows(c, a, q, k1, k2, 2, o, &r);
    return rc != ST_OK ? rc : r.n ? ST_OK : ST_NOTFOUND;
}

enum st_rc identities_find(struct st_conn *c, struct arena *a, const char *provider,
                           const char *subject, struct identity *out)
{
    return one_row(c, a, Q_IDENTITIES_FIND, (struct st_val)ST_TEXT(provider),
                   (struct st_val)ST_TEXT(subject), out);
}

enum st_rc identities_of(struct st_conn *c, struct arena *a, int64_t account_id,
                         const char *provider, struct identity *out)
{
    return one_row(c, a, Q_IDENTITIES_OF, (struct st_val)ST_INT(account_id),
                   (struct st_val)ST_TEXT(provider), out);
}

enum st_rc identities_owner(struct st_conn *c, const char *provider, const char *subject,
                            int64_t *account_id)
{
    return st_row(c, NULL, Q_IDENTITIES_OWNER, ST_IN(ST_TEXT(provider), ST_TEXT(subject)),
                  ST_OUT(ST_OUT_INT(account_id)));
}

enum st_rc identities_find_by_extra(struct st_conn *c, struct arena *a, const char *provider,
                                    const char *extra_is, const char *extra_prefix, char **subject)
{
    *subject = NULL;
    /* the first text after every one that starts with the prefix: its last byte raised (a
     * prefix of bytes 0xff only is not one daoid makes: none is found then) */
    size_t n = strlen(extra_prefix);
    char *bound = arena_strdup(a, extra_prefix);
    if (!n || (unsigned char)bound[n - 1] == 0xff) return ST_NOTFOUND;
    bound[n - 1] = (char)((unsigned char)bound[n - 1] + 1);
    return st_row(
        c, a, Q_IDENTITIES_BY_EXTRA,
        ST_IN(ST_TEXT(provider), ST_TEXT(extra_is), ST_TEXT(extra_prefix), ST_TEXT(bound)),
        ST_OUT(ST_OUT_TEXT(subject)));
}

enum st_rc identities_insert(struct st_conn *c, int64_t account_id, const char *provider,
                             const char *subject, const char *login, const char *email,
                             const char *extra, int64_t now)
{
    return shown(c, account_id,
                 st_run(c, Q_IDENTITIES_INSERT,
                        ST_IN(ST_TEXT(provider), ST_TEXT(subject), ST_TEXT(login), ST_TEXT(email),
                              ST_TEXT(extra), ST_INT(account_id), ST_INT(now), ST_INT(now),
                              ST_INT(account_id))));
}

int identities_touch(struct st_conn *c, int64_t id, const char *login, const char *email,
                     const char *extra, int64_t now)
{
    int64_t account = 0;
    enum st_rc rc =
        st_row(c, NULL, Q_IDENTITIES_TOUCH,
               ST_IN(ST_TEXT(login), ST_TEXT(email), ST_TEXT(extra), ST_INT(now), ST_INT(id)),
               ST_OUT(ST_OUT_INT(&account)));
    if (rc == ST_OK) shown(c, account, rc); /* the login may have changed */
    return rc == ST_OK || rc == ST_NOTFOUND ? 0 : -1;
}

int identities_resubject(struct st_conn *c, int64_t id, const char *from, const char *to,
                         int64_t now)
{
    return st_run(c, Q_IDENTITIES_RESUBJECT,
                  ST_IN(ST_TEXT(to), ST_INT(now), ST_INT(id), ST_TEXT(from))) == ST_OK
               ? 0
               : -1;
}

int identities_list(struct st_conn *c, struct arena *a, int64_t account_id, struct identity **out,
                    int *n)
{
    struct rows r;
    if (read_rows(c, a, Q_IDENTITIES_LIST, (struct st_val)ST_INT(account_id),
                  (struct st_val)ST_INT(0), 1, NULL, &r) != ST_OK)
        return -1;
    *out = r.v;
    *n = r.n;
    return 0;
}

struct each_provider {
    void (*fn)(void *ctx, const char *provider);
    void *ctx;
};

static int provider_row(struct st_stmt *s, void *arg)
{
    struct each_provider *e = arg;
    e->fn(e->ctx, st_col_text(s, 0));
    return 0;
}

static int each_provider_of(struct st_conn *c, enum q_id q, int64_t account_id,
                            void (*fn)(void *ctx, const char *provider), void *ctx)
{
    struct each_provider e = {fn, ctx};
    return st_each(c, q, ST_IN(ST_INT(account_id)), provider_row, &e) == ST_OK ? 0 : -1;
}

int identities_each_provider(struct st_conn *c, int64_t account_id,
                             void (*fn)(void *ctx, const char *provider), void *ctx)
{
    return each_provider_of(c, Q_IDENTITIES_PROVIDERS, account_id, fn, ctx);
}

int identities_each_unproven(struct st_conn *c, int64_t account_id,
                             void (*fn)(void *ctx, const char *provider), void *ctx)
{
    return each_provider_of(c, Q_IDENTITIES_UNPROVEN, account_id, fn, ctx);
}

int64_t identities_delete_unproven(struct st_conn *c, int64_t account_id)
{
    int64_t n = st_change(c, Q_IDENTITIES_DELETE_UNPROVEN, ST_IN(ST_INT(account_id)));
    if (n > 0) invalidate_account(c, account_id);
    return n;
}

int identities_adopt(struct st_conn *c, int64_t account_id)
{
    return st_run(c, Q_IDENTITIES_ADOPT, ST_IN(ST_INT(account_id))) == ST_OK ? 0 : -1;
}

int identities_count(struct st_conn *c, int64_t account_id, const char *provider, int64_t *n)
{
    *n = provider ? st_count(c, Q_IDENTITIES_COUNT_AT, ST_IN(ST_INT(account_id), ST_TEXT(provider)))
                  : st_count(c, Q_IDENTITIES_COUNT, ST_IN(ST_INT(account_id)));
    if (*n >= 0) return 0;
    *n = 0;
    return -1;
}

int identities_delete(struct st_conn *c, int64_t account_id, const char *provider)
{
    return shown(c, account_id,
                 st_run(c, Q_IDENTITIES_DELETE, ST_IN(ST_INT(account_id), ST_TEXT(provider)))) ==
                   ST_OK
               ? 0
               : -1;
}
