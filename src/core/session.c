/* session: session rows. One SELECT joins the session and its account; expiry is checked in C
 * so that one statement serves both timeouts. */
#include "session.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "config.h"
#include "log.h"
#include "store.h"

int session_load(struct arena *a, const char *tok, struct session **out)
{
    *out = NULL;
    if (!tok || !token_wellformed(tok)) return 0;
    struct st_conn *c = st_get();
    if (!c) return -1;
    struct session *s = arena_alloc(a, sizeof(*s));
    token_hash(tok, s->id_hash);
    int64_t last_seen = 0, expires = 0, verified = 0, has_pw = 0, status = 0, tour_done_at = 0;
    char *user = NULL, *email = NULL;
    enum st_rc rc =
        st_one(c, a,
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
    *out = s;
    return 0;
}

int session_create(int64_t account_id, const char *ip, const char *ua, char tok[TOKEN_LEN + 1])
{
    struct st_conn *c = st_get();
    if (!c) return -1;
    char h[TOKEN_HASH_LEN + 1];
    token_new(tok);
    token_hash(tok, h);
    int64_t now = time(NULL);
    char ua_short[256];
    snprintf(ua_short, sizeof(ua_short), "%s", ua ? ua : "");
    if (st_exec(c,
                "INSERT INTO sessions (id_hash, account_id, created_at, last_seen, expires_at,"
                " ip, user_agent, auth_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                "siiiissi", h, account_id, now, now, now + cfg->session_absolute, ip, ua_short,
                now) != ST_OK)
        return -1;
    return 0;
}

int session_rotate(const char *old_tok, int64_t account_id, const char *ip, const char *ua,
                   char tok[TOKEN_LEN + 1])
{
    session_end(old_tok);
    return session_create(account_id, ip, ua, tok);
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
    if (st_exec(c, "UPDATE sessions SET auth_at = ? WHERE id_hash = ?", "is", now, s->id_hash) !=
        ST_OK)
        return -1;
    s->auth_at = now;
    return 0;
}

void session_end(const char *tok)
{
    if (tok && token_wellformed(tok)) {
        struct st_conn *c = st_get();
        char h[TOKEN_HASH_LEN + 1];
        token_hash(tok, h);
        if (c) st_exec(c, "DELETE FROM sessions WHERE id_hash = ?", "s", h);
    }
}

int64_t session_sweep(struct st_conn *c, int64_t now)
{
    if (st_exec(c, "DELETE FROM sessions WHERE expires_at <= ? OR last_seen < ?", "ii", now,
                now - cfg->session_idle) != ST_OK)
        return -1;
    return st_changes(c);
}
