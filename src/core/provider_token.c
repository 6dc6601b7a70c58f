/* provider_token: see provider_token.h for the row's life and the invariants (seal.h for the
 * format). Sealing and opening are seal.h's, with the service's key; the store calls below
 * only ever see sealed text. */
#include "provider_token.h"

#include <string.h>

#include "arena.h"
#include "log.h"
#include "seal.h"
#include "secrets.h"
#include "store.h"

_Static_assert(SEAL_KEY_LEN == SECRETS_KEY_LEN, "the token key is a seal key");

/* ---- with the service's key ---- */

static char *seal(struct arena *a, const char *provider, const char *subject, const char *field,
                  const char *plain)
{
    uint8_t id = 0;
    const unsigned char *key = secrets_token_key(&id);
    return seal_text(a, key, id, provider, subject, field, plain);
}

static char *open_value(struct arena *a, const char *provider, const char *subject,
                        const char *field, const char *sealed)
{
    uint8_t id = 0;
    const unsigned char *key = secrets_token_key(&id);
    return seal_open(a, key, id, provider, subject, field, sealed);
}

int provider_token_seal(struct arena *a, const char *provider, const char *subject,
                        const struct pt_plain *t, struct pt_sealed *out)
{
    memset(out, 0, sizeof(*out));
    out->access_ct = seal(a, provider, subject, "access", t->access);
    if (!out->access_ct) return -1;
    out->refresh_ct = t->refresh ? seal(a, provider, subject, "refresh", t->refresh) : NULL;
    out->scope = t->scope;
    out->expires_at = t->expires_at;
    return 0;
}

int provider_token_scope_has(const char *scope, const char *word)
{
    size_t wn = word ? strlen(word) : 0;
    for (const char *p = scope; p && *p && wn;) {
        p += strspn(p, " ,");
        size_t n = strcspn(p, " ,");
        if (n == wn && !strncmp(p, word, n)) return 1;
        p += n;
    }
    return 0;
}

/* 1 when the stored row's grant is wider than scope (it has wide, scope lacks it). */
static int keeps_wider(struct st_conn *c, int64_t account_id, const char *provider,
                       const char *scope, const char *wide)
{
    if (!wide || provider_token_scope_has(scope, wide)) return 0;
    struct arena *a = arena_new();
    char *stored = NULL;
    enum st_rc rc =
        st_one(c, a, "SELECT scope FROM provider_tokens WHERE account_id = ? AND provider = ?",
               "is", "s", account_id, provider, &stored);
    int keep = rc == ST_OK ? provider_token_scope_has(stored, wide) : rc == ST_NOTFOUND ? 0 : -1;
    arena_free(a);
    return keep;
}

int provider_token_put(struct st_conn *c, int64_t account_id, const char *provider,
                       const char *subject, const struct pt_sealed *s, const char *wide,
                       int64_t now)
{
    int keep = keeps_wider(c, account_id, provider, s->scope, wide);
    if (keep) return keep < 0 ? -1 : 0;
    enum st_rc rc = st_exec(
        c,
        "INSERT INTO provider_tokens (account_id, provider, identity_id, access_ct, refresh_ct,"
        " scope, expires_at, generation, lease_until, updated_at)"
        " SELECT account_id, provider, id, ?, ?, ?, ?, 1, 0, ? FROM identities"
        " WHERE account_id = ? AND provider = ? AND subject = ?"
        " ON CONFLICT (account_id, provider) DO UPDATE SET identity_id = excluded.identity_id,"
        " access_ct = excluded.access_ct, refresh_ct = excluded.refresh_ct,"
        " scope = excluded.scope, expires_at = excluded.expires_at,"
        " generation = provider_tokens.generation + 1, lease_until = 0,"
        " updated_at = excluded.updated_at",
        "sssiiiss", s->access_ct, s->refresh_ct, s->scope, s->expires_at, now, account_id, provider,
        subject);
    if (rc != ST_OK) return -1;
    return st_changes(c) > 0;
}

enum pt_rc provider_token_get(struct st_conn *c, struct arena *a, int64_t account_id,
                              const char *provider, struct pt_row *out)
{
    memset(out, 0, sizeof(*out));
    char *subject = NULL, *access = NULL, *refresh = NULL, *scope = NULL;
    enum st_rc rc =
        st_one(c, a,
               "SELECT i.subject, t.access_ct, t.refresh_ct, t.scope, t.expires_at, t.generation,"
               " t.lease_until, t.updated_at FROM provider_tokens t JOIN identities i"
               " ON i.id = t.identity_id WHERE t.account_id = ? AND t.provider = ?",
               "is", "ssssiiii", account_id, provider, &subject, &access, &refresh, &scope,
               &out->tok.expires_at, &out->generation, &out->lease_until, &out->updated_at);
    if (rc == ST_NOTFOUND) return PT_NONE;
    if (rc != ST_OK) return PT_ERR;
    out->subject = subject;
    out->tok.scope = scope;
    out->tok.access = open_value(a, provider, subject, "access", access);
    out->tok.refresh = refresh ? open_value(a, provider, subject, "refresh", refresh) : NULL;
    if (!out->tok.access) {
        log_warnx("provider_token: account %lld %s: the stored token does not open",
                  (long long)account_id, provider);
        return PT_UNREADABLE;
    }
    return PT_OK;
}

int provider_token_lease(struct st_conn *c, int64_t account_id, const char *provider,
                         int64_t generation, int64_t now, int64_t ttl)
{
    if (st_exec(c,
                "UPDATE provider_tokens SET lease_until = ? WHERE account_id = ? AND provider = ?"
                " AND generation = ? AND lease_until <= ?",
                "iisii", now + ttl, account_id, provider, generation, now) != ST_OK)
        return -1;
    return st_changes(c) == 1;
}

int provider_token_refreshed(struct st_conn *c, struct arena *a, int64_t account_id,
                             const char *provider, const char *subject, int64_t generation,
                             const struct pt_plain *t, int64_t now)
{
    const char *access = seal(a, provider, subject, "access", t->access);
    const char *refresh = t->refresh ? seal(a, provider, subject, "refresh", t->refresh) : NULL;
    if (!access) return -1;
    if (st_exec(c,
                "UPDATE provider_tokens SET access_ct = ?, refresh_ct = COALESCE(?, refresh_ct),"
                " scope = COALESCE(?, scope), expires_at = ?, generation = generation + 1,"
                " lease_until = 0, updated_at = ? WHERE account_id = ? AND provider = ?"
                " AND generation = ?",
                "sssiiisi", access, refresh, t->scope, t->expires_at, now, account_id, provider,
                generation) != ST_OK)
        return -1;
    return st_changes(c) == 1;
}

int provider_token_release(struct st_conn *c, int64_t account_id, const char *provider,
                           int64_t generation, int drop_refresh)
{
    enum st_rc rc =
        drop_refresh ? st_exec(c,
                               "UPDATE provider_tokens SET lease_until = 0, refresh_ct = NULL,"
                               " generation = generation + 1 WHERE account_id = ? AND provider = ?"
                               " AND generation = ?",
                               "isi", account_id, provider, generation)
                     : st_exec(c,
                               "UPDATE provider_tokens SET lease_until = 0 WHERE account_id = ?"
                               " AND provider = ? AND generation = ?",
                               "isi", account_id, provider, generation);
    return rc == ST_OK ? 0 : -1;
}
