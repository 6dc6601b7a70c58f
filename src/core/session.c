/* session: cookie ⇄ store. One SELECT joins the session and its account; expiry is checked
 * in C so that one statement serves both timeouts. */
#include "session.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "config.h"
#include "http.h"
#include "log.h"
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
    int64_t last_seen = 0, expires = 0, verified = 0, has_pw = 0, status = 0, tour_done_at = 0;
    char *user = NULL, *email = NULL;
    enum st_rc rc =
        st_one(c, r->a,
               "SELECT s.account_id, s.created_at, s.last_seen, s.expires_at, a.username, a.email,"
               " a.email_verified, a.password_hash IS NOT NULL, a.status, a.created_at, s.auth_at,"
               " a.tour_done_at,"
               " (SELECT COALESCE(SUM(g.units), 0) FROM grants g WHERE g.account_id = a.id)"
               " FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.id_hash = ?",
               "s", "iiiissiiiiiii", s->id_hash, &s->account_id, &s->created_at, &last_seen,
               &expires, &user, &email, &verified, &has_pw, &status, &s->account_created_at,
               &s->auth_at, &tour_done_at, &s->bonus_units);
    if (rc == ST_NOTFOUND) return 0;
    if (rc != ST_OK) return -1;
    int64_t now = time(NULL);
    if (now >= expires || now - last_seen > cfg->session_idle || status != 0) {
        st_exec(c, "DELETE FROM sessions WHERE id_hash = ?", "s", s->id_hash);
        return 0;
    }
    if (now - last_seen >= SESSION_TOUCH_EVERY)
        st_exec(c, "UPDATE sessions SET last_seen = ? WHERE id_hash = ?", "is", now, s->id_hash);
    s->username = user;
    s->email = email;
    s->email_verified = (int)verified;
    s->has_password = (int)has_pw;
    s->tour_done = tour_done_at != 0;
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
        st_exec(c, "DELETE FROM sessions WHERE id_hash = ?", "s", oh);
    }
    char tok[TOKEN_LEN + 1], h[TOKEN_HASH_LEN + 1];
    token_new(tok);
    token_hash(tok, h);
    int64_t now = time(NULL);
    const char *ua = req_header(r, "User-Agent");
    char ua_short[256];
    snprintf(ua_short, sizeof(ua_short), "%s", ua ? ua : "");
    if (st_exec(c,
                "INSERT INTO sessions (id_hash, account_id, created_at, last_seen, expires_at,"
                " ip, user_agent, auth_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                "siiiissi", h, account_id, now, now, now + cfg->session_absolute, r->ip, ua_short,
                now) != ST_OK)
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
    if (st_exec(c, "UPDATE sessions SET auth_at = ? WHERE id_hash = ?", "is", now,
                r->sess->id_hash) != ST_OK)
        return -1;
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
        if (c) st_exec(c, "DELETE FROM sessions WHERE id_hash = ?", "s", h);
    }
    resp_cookie(r, SESSION_COOKIE, "", -1);
    r->sess = NULL;
}

int64_t session_sweep(struct st_conn *c, int64_t now)
{
    if (st_exec(c, "DELETE FROM sessions WHERE expires_at <= ? OR last_seen < ?", "ii", now,
                now - cfg->session_idle) != ST_OK)
        return -1;
    return st_changes(c);
}
