/* identities: see identities.h. Every statement on the identities table. */
#include "identities.h"

#include <string.h>

#include "arena.h"

#define IDENT_COLS "id, provider, subject, login, email, extra, account_id, created_at"

/* Reads the columns of IDENT_COLS from the current row of s into o (strings in a). */
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

/* The one row of a prepared, bound statement s into o. */
static enum st_rc one_row(struct st_stmt *s, struct arena *a, struct identity *o)
{
    enum st_rc rc = st_step(s);
    if (rc == ST_ROW) read_row(s, a, o);
    st_done(s);
    return rc == ST_ROW ? ST_OK : rc == ST_DONE ? ST_NOTFOUND : rc;
}

enum st_rc identities_find(struct st_conn *c, struct arena *a, const char *provider,
                           const char *subject, struct identity *out)
{
    struct st_stmt *s =
        st_prepare(c, "SELECT " IDENT_COLS " FROM identities WHERE provider = ? AND subject = ?");
    if (!s) return ST_ERR;
    st_bind_text(s, 1, provider);
    st_bind_text(s, 2, subject);
    return one_row(s, a, out);
}

enum st_rc identities_of(struct st_conn *c, struct arena *a, int64_t account_id,
                         const char *provider, struct identity *out)
{
    struct st_stmt *s = st_prepare(c, "SELECT " IDENT_COLS
                                      " FROM identities WHERE account_id = ? AND provider = ?");
    if (!s) return ST_ERR;
    st_bind_int(s, 1, account_id);
    st_bind_text(s, 2, provider);
    return one_row(s, a, out);
}

enum st_rc identities_owner(struct st_conn *c, const char *provider, const char *subject,
                            int64_t *account_id)
{
    return st_one(c, NULL, "SELECT account_id FROM identities WHERE provider = ? AND subject = ?",
                  "ss", "i", provider, subject, account_id);
}

enum st_rc identities_find_by_extra(struct st_conn *c, struct arena *a, const char *provider,
                                    const char *extra_is, const char *extra_prefix, char **subject)
{
    *subject = NULL;
    return st_one(c, a,
                  "SELECT subject FROM identities WHERE provider = ?"
                  " AND (extra = ? OR substr(extra, 1, length(?)) = ?) LIMIT 1",
                  "ssss", "s", provider, extra_is, extra_prefix, extra_prefix, subject);
}

enum st_rc identities_insert(struct st_conn *c, int64_t account_id, const char *provider,
                             const char *subject, const char *login, const char *email,
                             const char *extra, int64_t now)
{
    return st_exec(c,
                   "INSERT INTO identities (provider, subject, login, email, extra, account_id,"
                   " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   "sssssiii", provider, subject, login, email, extra, account_id, now, now);
}

int identities_touch(struct st_conn *c, int64_t id, const char *login, const char *email,
                     const char *extra, int64_t now)
{
    return st_exec(c,
                   "UPDATE identities SET login = ?, email = ?,"
                   " extra = COALESCE(?, extra), updated_at = ? WHERE id = ?",
                   "sssii", login, email, extra, now, id) == ST_OK
               ? 0
               : -1;
}

int identities_resubject(struct st_conn *c, int64_t id, const char *from, const char *to,
                         int64_t now)
{
    return st_exec(c,
                   "UPDATE identities SET subject = ?, updated_at = ? WHERE id = ? AND subject = ?",
                   "siis", to, now, id, from) == ST_OK
               ? 0
               : -1;
}

int identities_list(struct st_conn *c, struct arena *a, int64_t account_id, struct identity **out,
                    int *n)
{
    struct st_stmt *s = st_prepare(
        c, "SELECT " IDENT_COLS " FROM identities WHERE account_id = ? ORDER BY created_at, id");
    if (!s) return -1;
    st_bind_int(s, 1, account_id);
    int cap = 8, k = 0;
    struct identity *v = arena_alloc(a, sizeof(*v) * (size_t)cap);
    enum st_rc rc;
    while ((rc = st_step(s)) == ST_ROW) {
        if (k == cap) {
            struct identity *nv = arena_alloc(a, sizeof(*nv) * (size_t)(cap *= 2));
            memcpy(nv, v, sizeof(*v) * (size_t)k);
            v = nv;
        }
        read_row(s, a, &v[k++]);
    }
    st_done(s);
    if (rc != ST_DONE) return -1;
    *out = v;
    *n = k;
    return 0;
}

int identities_each_provider(struct st_conn *c, int64_t account_id,
                             void (*fn)(void *ctx, const char *provider), void *ctx)
{
    struct st_stmt *s = st_prepare(c, "SELECT provider FROM identities WHERE account_id = ?");
    if (!s) return -1;
    st_bind_int(s, 1, account_id);
    enum st_rc rc;
    while ((rc = st_step(s)) == ST_ROW) fn(ctx, st_col_text(s, 0));
    st_done(s);
    return rc == ST_DONE ? 0 : -1;
}

int identities_count(struct st_conn *c, int64_t account_id, const char *provider, int64_t *n)
{
    *n = 0;
    enum st_rc rc =
        provider ? st_one(c, NULL,
                          "SELECT COUNT(*) FROM identities WHERE account_id = ? AND provider = ?",
                          "is", "i", account_id, provider, n)
                 : st_one(c, NULL, "SELECT COUNT(*) FROM identities WHERE account_id = ?", "i", "i",
                          account_id, n);
    return rc == ST_OK ? 0 : -1;
}

int identities_delete(struct st_conn *c, int64_t account_id, const char *provider)
{
    return st_exec(c, "DELETE FROM identities WHERE account_id = ? AND provider = ?", "is",
                   account_id, provider) == ST_OK
               ? 0
               : -1;
}
