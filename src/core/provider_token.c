/* provider_token: see provider_token.h for the format, the row's life and the invariants.
 * Sealing and opening are pure functions of the key (unit-tested on their own); the store
 * calls below only ever see sealed text. */
#include "provider_token.h"

#include <sodium.h>
#include <string.h>

#include "arena.h"
#include "log.h"
#include "provider_tokens.h"
#include "secrets.h"
#include "store.h"

#define PT_HEAD    2 /* version, key id */
#define PT_CONTEXT "daoid-token/1"

/* The key for one value: keyed BLAKE2b over the context, NUL-separated. */
static void value_key(unsigned char out[crypto_secretbox_KEYBYTES], const unsigned char *key,
                      const char *provider, const char *subject, const char *field)
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, key, SECRETS_KEY_LEN, crypto_secretbox_KEYBYTES);
    const char *parts[] = {PT_CONTEXT, provider, subject, field};
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
        crypto_generichash_update(&st, (const unsigned char *)parts[i], strlen(parts[i]) + 1);
    crypto_generichash_final(&st, out, crypto_secretbox_KEYBYTES);
}

char *provider_token_seal_with(struct arena *a, const unsigned char *key, uint8_t key_id,
                               const char *provider, const char *subject, const char *field,
                               const char *plain)
{
    size_t n = plain ? strlen(plain) : 0;
    if (!key || !n || n > PT_MAX_TOKEN) return NULL;
    size_t raw_len = PT_HEAD + crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + n;
    unsigned char *raw = arena_alloc(a, raw_len), k[crypto_secretbox_KEYBYTES];
    raw[0] = PT_VERSION;
    raw[1] = key_id;
    unsigned char *nonce = raw + PT_HEAD;
    randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
    value_key(k, key, provider, subject, field);
    crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES, (const unsigned char *)plain, n,
                          nonce, k);
    sodium_memzero(k, sizeof(k));
    size_t out_len = sodium_base64_ENCODED_LEN(raw_len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = arena_alloc(a, out_len);
    sodium_bin2base64(out, out_len, raw, raw_len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return out;
}

char *provider_token_open_with(struct arena *a, const unsigned char *key, uint8_t key_id,
                               const char *provider, const char *subject, const char *field,
                               const char *sealed)
{
    const size_t min = PT_HEAD + crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + 1;
    size_t len = sealed ? strlen(sealed) : 0, raw_len = 0;
    if (!key || len < 4 || len > 2 * (min + PT_MAX_TOKEN)) return NULL;
    unsigned char *raw = arena_alloc(a, len);
    const char *end = NULL;
    if (sodium_base642bin(raw, len, sealed, len, NULL, &raw_len, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        *end || raw_len < min || raw[0] != PT_VERSION || raw[1] != key_id)
        return NULL;
    size_t n = raw_len - PT_HEAD - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
    char *plain = arena_alloc(a, n + 1);
    unsigned char k[crypto_secretbox_KEYBYTES];
    value_key(k, key, provider, subject, field);
    const unsigned char *nonce = raw + PT_HEAD;
    int rc = crypto_secretbox_open_easy((unsigned char *)plain, nonce + crypto_secretbox_NONCEBYTES,
                                        raw_len - PT_HEAD - crypto_secretbox_NONCEBYTES, nonce, k);
    sodium_memzero(k, sizeof(k));
    if (rc != 0 || memchr(plain, 0, n)) return NULL;
    plain[n] = 0;
    return plain;
}

/* ---- with the service's key ---- */

static char *seal(struct arena *a, const char *provider, const char *subject, const char *field,
                  const char *plain)
{
    uint8_t id = 0;
    const unsigned char *key = secrets_token_key(&id);
    return provider_token_seal_with(a, key, id, provider, subject, field, plain);
}

static char *open_value(struct arena *a, const char *provider, const char *subject,
                        const char *field, const char *sealed)
{
    uint8_t id = 0;
    const unsigned char *key = secrets_token_key(&id);
    return provider_token_open_with(a, key, id, provider, subject, field, sealed);
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
