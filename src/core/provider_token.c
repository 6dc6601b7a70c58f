/* provider_token: see provider_token.h for the row's life and the invariants (seal.h for the
 * format). Sealing and opening are seal.h's, with the service's key; the store calls below
 * only ever see sealed text. */
#include "provider_token.h"

#include <string.h>

#include "arena.h"
#include "log.h"
#include "provider_tokens.h"
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
    enum st_rc rc = provider_tokens_scope(c, a, account_id, provider, &stored);
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
    const struct provider_tokens_put row = {s->access_ct, s->refresh_ct, s->scope, s->expires_at};
    int n = provider_tokens_put(c, account_id, provider, subject, &row, now);
    return n < 0 ? -1 : n > 0;
}

enum pt_rc provider_token_get(struct st_conn *c, struct arena *a, int64_t account_id,
                              const char *provider, struct pt_row *out)
{
    memset(out, 0, sizeof(*out));
    struct provider_tokens_row row = {0};
    enum st_rc rc = provider_tokens_get(c, a, account_id, provider, &row);
    if (rc == ST_NOTFOUND) return PT_NONE;
    if (rc != ST_OK) return PT_ERR;
    out->subject = row.subject;
    out->tok.scope = row.scope;
    out->tok.expires_at = row.expires_at;
    out->generation = row.generation;
    out->lease_until = row.lease_until;
    out->updated_at = row.updated_at;
    out->tok.access = open_value(a, provider, row.subject, "access", row.access_ct);
    out->tok.refresh =
        row.refresh_ct ? open_value(a, provider, row.subject, "refresh", row.refresh_ct) : NULL;
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
    return provider_tokens_lease(c, account_id, provider, generation, now, ttl);
}

int provider_token_refreshed(struct st_conn *c, struct arena *a, int64_t account_id,
                             const char *provider, const char *subject, int64_t generation,
                             const struct pt_plain *t, int64_t now)
{
    const char *access = seal(a, provider, subject, "access", t->access);
    const char *refresh = t->refresh ? seal(a, provider, subject, "refresh", t->refresh) : NULL;
    if (!access) return -1;
    const struct provider_tokens_put row = {access, refresh, t->scope, t->expires_at};
    return provider_tokens_refreshed(c, account_id, provider, generation, &row, now);
}

int provider_token_release(struct st_conn *c, int64_t account_id, const char *provider,
                           int64_t generation, int drop_refresh)
{
    return provider_tokens_release(c, account_id, provider, generation, drop_refresh);
}
