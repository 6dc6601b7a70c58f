/* session: cookie ⇄ store (the table is sessions.c's). One read joins the session and its
 * account; expiry is checked in C so that one statement serves both timeouts. */
#include "session.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "config.h"
#include "http.h"
#include "log.h"
#include "sessions.h"
#include "store.h"
#include "token.h"

int session_load(struct req *r)
{
    if (r->sess_loaded) return 0;
    r->sess_loaded = 1;
    const char *tok = req_cookie(r, SESSION_COOKIE);
    if (!tok || !token_wellformed(tok)) return 0;
    struct st_conn *c = st_get();
    if (!c) return -1;
    struct session *s = arena_alloc(r->a, sizeof(*s));
    token_hash(tok, s->id_hash);
    struct sessions_loaded row = {0};
    enum st_rc rc = sessions_load(c, r->a, s->id_hash, &row);
    if (rc == ST_NOTFOUND) return 0;
    if (rc != ST_OK) return -1;
    int64_t now = time(NULL);
    if (now >= row.expires_at || now - row.last_seen > cfg->session_idle || row.status != 0) {
        sessions_delete(c, s->id_hash);
        return 0;
    }
    if (now - row.last_seen >= SESSION_TOUCH_EVERY) sessions_touch(c, s->id_hash, now);
    s->account_id = row.account_id;
    s->created_at = row.created_at;
    s->account_created_at = row.account_created_at;
    s->auth_at = row.auth_at;
    s->bonus_units = row.bonus_units;
    s->username = row.username;
    s->email = row.email;
    s->email_verified = (int)row.email_verified;
    s->has_password = (int)row.has_password;
    s->tour_done = row.tour_done_at != 0;
    r->sess = s;
    return 0;
}

int session_begin(struct req *r, int64_t account_id)
{
    struct st_conn *c = st_get();
    if (!c) return -1;
    const char *old = req_cookie(r, SESSION_COOKIE);
    if (old && token_wellformed(old)) {
        char oh[TOKEN_HASH_LEN + 1];
        token_hash(old, oh);
        sessions_delete(c, oh);
    }
    char tok[TOKEN_LEN + 1], h[TOKEN_HASH_LEN + 1];
    token_new(tok);
    token_hash(tok, h);
    int64_t now = time(NULL);
    const char *ua = req_header(r, "User-Agent");
    char ua_short[256];
    snprintf(ua_short, sizeof(ua_short), "%s", ua ? ua : "");
    if (sessions_insert(c, h, account_id, now, now + cfg->session_absolute, r->ip, ua_short) != 0)
        return -1;
    /* persistent: the session lives session_absolute at most anyway (idle ends it earlier) */
    resp_cookie(r, SESSION_COOKIE, tok, (long)cfg->session_absolute);
    r->sess = NULL;
    r->sess_loaded = 0;
    return 0;
}

int session_fresh(const struct req *r)
{
    return r->sess && time(NULL) - r->sess->auth_at <= cfg->reauth_window;
}

int session_reauthenticated(struct req *r)
{
    struct st_conn *c = st_get();
    if (!c || !r->sess) return -1;
    int64_t now = time(NULL);
    if (sessions_reauth(c, r->sess->id_hash, now) != 0) return -1;
    r->sess->auth_at = now;
    return 0;
}

void session_end(struct req *r)
{
    const char *tok = req_cookie(r, SESSION_COOKIE);
    if (tok && token_wellformed(tok)) {
        struct st_conn *c = st_get();
        char h[TOKEN_HASH_LEN + 1];
        token_hash(tok, h);
        if (c) sessions_delete(c, h);
    }
    resp_cookie(r, SESSION_COOKIE, "", -1);
    r->sess = NULL;
}

int64_t session_sweep(struct st_conn *c, int64_t now)
{
    return sessions_sweep(c, now, now - cfg->session_idle);
}
