/* session: session rows (the table is sessions.c's; the cookie is web/websession.c's). One read
 * joins the session and its account; expiry is checked in C so that one statement serves both
 * timeouts. What it read is kept in the node's session cache (session_cache.h), so a session
 * check is mostly a memory lookup. */
#include "session.h"

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

/* The cached copy of the session (session_cache.h), when there is one and it is still live
 * at now; touches it when due. 1 served from the cache, 0 not. */
static int load_cached(struct st_conn *c, struct arena *a, const struct session_cache_ticket *t,
                       struct session *s, int64_t now)
{
    int64_t expires_at, last_seen;
    if (!session_cache_get(t, a, s->id_hash, now, s, &expires_at, &last_seen)) return 0;
    /* ended or idle by this copy: the store decides (and deletes), its last_seen may be newer */
    if (now >= expires_at || now - last_seen > cfg->session_idle) return 0;
    if (now - last_seen >= SESSION_TOUCH_EVERY && sessions_touch(c, s->id_hash, now) == 0)
        session_cache_touched(s->id_hash, now);
    return 1;
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
    session_cache_begin(invalidate_generation(c), invalidate_live(), &t);
    if (load_cached(c, a, &t, s, now)) {
        *out = s;
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
    s->username = row.username;
    s->email = row.email;
    s->email_verified = (int)row.email_verified;
    s->has_password = (int)row.has_password;
    s->tour_done = row.tour_done_at != 0;
    session_cache_put(&t, s, row.expires_at, row.last_seen, now);
    *out = s;
    return 0;
}

int session_create(int64_t account_id, const char *ip, const char *ua, const char *amr,
                   char tok[TOKEN_LEN + 1])
{
    struct st_conn *c = st_get();
    if (!c) return -1;
    char h[TOKEN_HASH_LEN + 1];
    token_new(tok);
    token_hash(tok, h);
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
