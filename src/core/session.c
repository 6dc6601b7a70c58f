/* session: session rows (the table is sessions.c's; the cookie is web/websession.c's). One read
 * joins the session and its account; expiry is checked in C so that one statement serves both
 * timeouts. What it read is kept in the node's session cache (session_cache.h), so a session
 * check is mostly a memory lookup. */
#include "session.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "config.h"
#include "invalidate.h"
#include "log.h"
#include "session_cache.h"
#include "sessions.h"
#include "store.h"

/* The session as one block for the cache: struct session whole, then its text, each text
 * pointer stored as 1 + its offset in the block (0: NULL). A text field added to struct session
 * is added to SESSION_TEXTS; every other field comes along as it is. */
#define SESSION_TEXTS(X) X(username) X(email) X(amr) X(identities)

static void *pack(struct arena *a, const struct session *s, size_t *len)
{
    size_t n = sizeof(*s);
#define TEXT_LEN(f) n += s->f ? strlen(s->f) + 1 : 0;
    SESSION_TEXTS(TEXT_LEN)
#undef TEXT_LEN
    unsigned char *b = arena_alloc(a, n);
    struct session *c = (struct session *)b;
    *c = *s;
    size_t at = sizeof(*s);
#define TEXT_PUT(f)                                                                                \
    if (s->f) {                                                                                    \
        size_t l = strlen(s->f) + 1;                                                               \
        memcpy(b + at, s->f, l);                                                                   \
        c->f = (const char *)(uintptr_t)(at + 1);                                                  \
        at += l;                                                                                   \
    }
    SESSION_TEXTS(TEXT_PUT)
#undef TEXT_PUT
    *len = n;
    return b;
}

/* The session in a block from pack (in place); NULL when the block is not one. */
static struct session *unpack(void *block, size_t len)
{
    if (len < sizeof(struct session)) return NULL;
    struct session *s = block;
#define TEXT_GET(f)                                                                                \
    if (s->f) {                                                                                    \
        uintptr_t off = (uintptr_t)s->f - 1;                                                       \
        if (off < sizeof(*s) || off >= len) return NULL;                                           \
        s->f = (const char *)block + off;                                                          \
    }
    SESSION_TEXTS(TEXT_GET)
#undef TEXT_GET
    return s;
}

/* The cached copy of tok's session (id_hash), when there is one and it is still live at now;
 * touches it when due. The session (in a), or NULL: ask the store. */
static struct session *load_cached(struct st_conn *c, struct arena *a,
                                   const struct session_cache_ticket *t, const char *id_hash,
                                   int64_t now)
{
    void *block;
    size_t len;
    int64_t expires_at, last_seen;
    if (!session_cache_get(t, a, id_hash, now, &block, &len, &expires_at, &last_seen)) return NULL;
    struct session *s = unpack(block, len);
    /* ended or idle by this copy: the store decides (and deletes), its last_seen may be newer */
    if (!s || now >= expires_at || now - last_seen > cfg->session_idle) return NULL;
    if (now - last_seen >= SESSION_TOUCH_EVERY && sessions_touch(c, id_hash, now) == 0)
        session_cache_touched(id_hash, now);
    return s;
}

int session_load(struct arena *a, const char *tok, struct session **out)
{
    *out = NULL;
    if (!tok || !token_wellformed(tok)) return 0;
    struct st_conn *c = st_get();
    if (!c) return -1;
    session_cache_init();
    struct session *s = arena_alloc(a, sizeof(*s));
    token_hash(tok, s->id_hash);
    int64_t now = time(NULL);
    struct session_cache_ticket t;
    session_cache_begin(cfg->session_cache && invalidate_live(), &t);
    struct session *hit = load_cached(c, a, &t, s->id_hash, now);
    if (hit) {
        *out = hit;
        return 0;
    }
    struct sessions_loaded row = {0};
    enum st_rc rc = sessions_load(c, a, s->id_hash, &row);
    if (rc == ST_NOTFOUND) return 0;
    if (rc != ST_OK) return -1;
    if (now >= row.expires_at || now - row.last_seen > cfg->session_idle || row.status != 0) {
        sessions_delete(c, s->id_hash);
        return 0;
    }
    if (now - row.last_seen >= SESSION_TOUCH_EVERY && sessions_touch(c, s->id_hash, now) == 0)
        row.last_seen = now;
    s->account_id = row.account_id;
    s->created_at = row.created_at;
    s->account_created_at = row.account_created_at;
    s->auth_at = row.auth_at;
    s->amr = row.amr ? row.amr : "";
    s->bonus_units = row.bonus_units;
    s->identities = row.identities ? row.identities : "[]";
    s->username = row.username;
    s->email = row.email;
    s->email_verified = (int)row.email_verified;
    s->has_password = (int)row.has_password;
    s->tour_done = row.tour_done_at != 0;
    s->has_factor = row.has_factor != 0;
    size_t len;
    void *block = pack(a, s, &len);
    session_cache_put(&t, s->id_hash, s->account_id, block, len, row.expires_at, row.last_seen,
                      now);
    *out = s;
    return 0;
}

int session_create(int64_t account_id, const char *ip, const char *ua, const char *amr,
                   char tok[TOKEN_LEN + 1])
{
    struct st_conn *c = st_get();
    if (!c) return -1;
    char h[TOKEN_HASH_LEN + 1];
    token_new_hashed(tok, h);
    int64_t now = time(NULL);
    char ua_short[256];
    snprintf(ua_short, sizeof(ua_short), "%s", ua ? ua : "");
    return sessions_insert(c, h, account_id, now, now + cfg->session_absolute, ip, ua_short, amr);
}

int session_rotate(const char *old_tok, int64_t account_id, const char *ip, const char *ua,
                   const char *amr, char tok[TOKEN_LEN + 1])
{
    session_end(old_tok);
    return session_create(account_id, ip, ua, amr, tok);
}

int session_fresh(const struct session *s)
{
    return s && time(NULL) - s->auth_at <= cfg->reauth_window;
}

int session_reauthenticated(struct session *s)
{
    struct st_conn *c = st_get();
    if (!c || !s) return -1;
    int64_t now = time(NULL);
    if (sessions_reauth(c, s->id_hash, now) != 0) return -1;
    s->auth_at = now;
    return 0;
}

void session_end(const char *tok)
{
    if (tok && token_wellformed(tok)) {
        struct st_conn *c = st_get();
        char h[TOKEN_HASH_LEN + 1];
        token_hash(tok, h);
        if (c) sessions_delete(c, h);
    }
}

int64_t session_sweep(struct st_conn *c, int64_t now)
{
    return sessions_sweep(c, now, now - cfg->session_idle);
}
