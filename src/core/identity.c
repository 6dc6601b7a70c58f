/* identity: see identity.h for the invariants. Unlinking locks the account's rows first
 * ({{FOR_UPDATE}}) so that two concurrent unlinks cannot both pass the last-method check.
 * Which providers count as ways in is read from the configuration at each call, so removing
 * a provider from the config takes its identities out of the count at once. */
#include "identity.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "oauth2.h"
#include "store.h"
#include "wechat_api.h"

#define IDENT_COLS "id, provider, subject, login, email, extra, account_id, created_at"

static enum ident_rc read_one(struct st_conn *c, struct arena *a, const char *sql, const char *in,
                              const void *a1, const char *a2, struct identity *o)
{
    enum st_rc rc;
    if (in[0] == 'i')
        rc = st_one(c, a, sql, in, "isssssii", *(const int64_t *)a1, a2, &o->id, &o->provider,
                    &o->subject, &o->login, &o->email, &o->extra, &o->account_id, &o->created_at);
    else
        rc = st_one(c, a, sql, in, "isssssii", (const char *)a1, a2, &o->id, &o->provider,
                    &o->subject, &o->login, &o->email, &o->extra, &o->account_id, &o->created_at);
    if (rc == ST_NOTFOUND) return IDENT_NOTFOUND;
    return rc == ST_OK ? IDENT_OK : IDENT_STORE_ERR;
}

enum ident_rc identity_find(struct st_conn *c, struct arena *a, const char *provider,
                            const char *subject, struct identity *out)
{
    return read_one(c, a,
                    "SELECT " IDENT_COLS " FROM identities WHERE provider = ? AND subject = ?",
                    "ss", provider, subject, out);
}

enum ident_rc identity_of(struct st_conn *c, struct arena *a, int64_t account_id,
                          const char *provider, struct identity *out)
{
    return read_one(c, a,
                    "SELECT " IDENT_COLS " FROM identities WHERE account_id = ? AND provider = ?",
                    "is", &account_id, provider, out);
}

enum ident_rc identity_link(struct st_conn *c, int64_t account_id, const char *provider,
                            const char *subject, const char *login, const char *email,
                            const char *extra, int64_t now)
{
    int64_t other = 0;
    enum st_rc rc =
        st_one(c, NULL, "SELECT account_id FROM identities WHERE provider = ? AND subject = ?",
               "ss", "i", provider, subject, &other);
    if (rc == ST_OK) return other == account_id ? IDENT_OK : IDENT_TAKEN;
    if (rc != ST_NOTFOUND) return IDENT_STORE_ERR;
    rc = st_exec(c,
                 "INSERT INTO identities (provider, subject, login, email, extra, account_id,"
                 " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                 "sssssiii", provider, subject, login, email, extra, account_id, now, now);
    if (rc == ST_CONFLICT) {
        /* lost a race, or the account has this provider already: say which */
        rc = st_one(c, NULL, "SELECT account_id FROM identities WHERE provider = ? AND subject = ?",
                    "ss", "i", provider, subject, &other);
        if (rc == ST_OK && other != account_id) return IDENT_TAKEN;
        return IDENT_PROVIDER_TAKEN;
    }
    return rc == ST_OK ? IDENT_OK : IDENT_STORE_ERR;
}

enum ident_rc identity_touch(struct st_conn *c, int64_t id, const char *login, const char *email,
                             const char *extra, int64_t now)
{
    enum st_rc rc = st_exec(c,
                            "UPDATE identities SET login = ?, email = ?,"
                            " extra = COALESCE(?, extra), updated_at = ? WHERE id = ?",
                            "sssii", login, email, extra, now, id);
    return rc == ST_OK ? IDENT_OK : IDENT_STORE_ERR;
}

int identity_provider_usable(const char *provider)
{
    if (!provider) return 0;
    if (!strcmp(provider, "wechat")) return wechat_api_enabled();
    return oauth2_provider_enabled(provider);
}

/* The account's identities other than at except (NULL: all) whose provider is usable now
 * (usable 1) or not (usable 0); -1 on error. */
static int count_identities(struct st_conn *c, int64_t account_id, int usable, const char *except)
{
    struct st_stmt *s = st_prepare(c, "SELECT provider FROM identities WHERE account_id = ?");
    if (!s) return -1;
    st_bind_int(s, 1, account_id);
    int n = 0;
    enum st_rc rc;
    while ((rc = st_step(s)) == ST_ROW) {
        const char *p = st_col_text(s, 0);
        if (except && p && !strcmp(p, except)) continue;
        if (!identity_provider_usable(p) == !usable) n++;
    }
    st_done(s);
    return rc == ST_DONE ? n : -1;
}

/* The password (0 or 1) plus the usable identities other than at except; -1 on error. */
static int methods_except(struct st_conn *c, int64_t account_id, const char *except)
{
    int64_t pw = 0;
    if (st_one(c, NULL, "SELECT COUNT(*) FROM accounts WHERE id = ? AND password_hash IS NOT NULL",
               "i", "i", account_id, &pw) != ST_OK)
        return -1;
    int n = count_identities(c, account_id, 1, except);
    return n < 0 ? -1 : n + (int)pw;
}

int identity_signin_methods(struct st_conn *c, int64_t account_id)
{
    return methods_except(c, account_id, NULL);
}

int identity_unusable_count(struct st_conn *c, int64_t account_id, const char *except)
{
    return count_identities(c, account_id, 0, except);
}

enum ident_rc identity_unlink(struct st_conn *c, int64_t account_id, const char *provider)
{
    if (st_begin(c) != ST_OK) return IDENT_STORE_ERR;
    enum ident_rc out = IDENT_STORE_ERR;
    int64_t locked = 0;
    /* the account row is the lock every change of its sign-in methods takes */
    enum st_rc rc = st_one(c, NULL, "SELECT id FROM accounts WHERE id = ? {{FOR_UPDATE}}", "i", "i",
                           account_id, &locked);
    if (rc == ST_NOTFOUND) out = IDENT_NOTFOUND;
    if (rc != ST_OK) goto fail;
    int left = methods_except(c, account_id, provider); /* the usable ways after the unlink */
    if (left < 0) goto fail;
    int64_t has = 0;
    if (st_one(c, NULL, "SELECT COUNT(*) FROM identities WHERE account_id = ? AND provider = ?",
               "is", "i", account_id, provider, &has) != ST_OK)
        goto fail;
    if (!has) {
        out = IDENT_NOTFOUND;
        goto fail;
    }
    if (left < 1) {
        out = IDENT_LAST_METHOD;
        goto fail;
    }
    if (st_exec(c, "DELETE FROM identities WHERE account_id = ? AND provider = ?", "is", account_id,
                provider) != ST_OK)
        goto fail;
    if (st_commit(c) != ST_OK) return IDENT_STORE_ERR;
    return IDENT_OK;
fail:
    st_rollback(c);
    return out;
}

int identity_list(struct st_conn *c, struct arena *a, int64_t account_id, struct identity **out,
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
        struct identity *o = &v[k++];
        o->id = st_col_int(s, 0);
        o->provider = arena_strdup(a, st_col_text(s, 1));
        o->subject = arena_strdup(a, st_col_text(s, 2));
        o->login = arena_strdup(a, st_col_text(s, 3));
        o->email = arena_strdup(a, st_col_text(s, 4));
        o->extra = arena_strdup(a, st_col_text(s, 5));
        o->account_id = st_col_int(s, 6);
        o->created_at = st_col_int(s, 7);
    }
    st_done(s);
    if (rc != ST_DONE) return -1;
    *out = v;
    *n = k;
    return 0;
}
