/* account: see account.h for the invariants. Rules are pure functions over strings; the
 * table is reached only through store.h. */
#include "account.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "config.h"
#include "store.h"
#include "text.h"

static const char *const reserved[] = {
    "abuse",     "about",      "account",   "accounts", "admin",    "administrator",
    "api",       "app",        "apps",      "assets",   "auth",     "billing",
    "bitbucket", "blog",       "build",     "builds",   "coding",   "console",
    "daocloud",  "daoid",      "delete",    "dev",      "docker",   "docs",
    "edit",      "email",      "explore",   "git",      "github",   "healthz",
    "help",      "hostmaster", "hub",       "image",    "images",   "info",
    "library",   "login",      "logout",    "mail",     "me",       "moderator",
    "new",       "no-reply",   "noreply",   "null",     "oauth",    "official",
    "owner",     "postmaster", "privacy",   "readyz",   "register", "registry",
    "root",      "search",     "security",  "service",  "services", "settings",
    "signin",    "signup",     "staff",     "static",   "status",   "support",
    "sys",       "system",     "team",      "terms",    "test",     "undefined",
    "user",      "users",      "webmaster", "wechat",   "weixin",   "www",
};

int account_username_reserved(const char *name)
{
    for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
        if (!strcmp(name, reserved[i])) return 1;
    /* the site name, folded the way a username would be */
    struct arena *a = arena_new();
    const char *site = text_fold(a, cfg->site_name);
    int hit = site && !strcmp(site, name);
    arena_free(a);
    return hit;
}

static int name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

enum name_rc account_username_normalize(struct arena *a, const char *in, const char **out)
{
    const char *t = text_trim(a, in);
    if (!t || !*t) return NAME_EMPTY;
    if (!text_valid_utf8(t)) return NAME_CHARS;
    const char *f = text_fold(a, t);
    if (!f) return NAME_CHARS;
    size_t n = strlen(f);
    if (n < 3 || n > 30) {
        long cps = text_codepoints(f);
        if (cps < 3 || cps > 30) return NAME_LENGTH;
        return NAME_CHARS; /* short in characters but not ASCII: the charset is the problem */
    }
    for (size_t i = 0; i < n; i++) {
        if (name_char(f[i])) continue;
        if ((f[i] == '-' || f[i] == '_') && i > 0 && i + 1 < n && name_char(f[i - 1]) &&
            name_char(f[i + 1]))
            continue;
        return NAME_CHARS;
    }
    if (account_username_reserved(f)) return NAME_RESERVED;
    *out = f;
    return NAME_OK;
}

static int atext(char c)
{
    return isalnum((unsigned char)c) || strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

static int valid_local(const char *s, size_t n)
{
    if (n == 0 || n > 64 || s[0] == '.' || s[n - 1] == '.') return 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.' && s[i + 1] == '.') return 0;
        if (s[i] != '.' && !atext(s[i])) return 0;
    }
    return 1;
}

static int valid_domain(const char *s)
{
    size_t n = strlen(s), labels = 0;
    if (n == 0 || n > 253) return 0;
    const char *p = s, *last = s;
    while (*p) {
        size_t l = strcspn(p, ".");
        if (l == 0 || l > 63 || p[0] == '-' || p[l - 1] == '-') return 0;
        for (size_t i = 0; i < l; i++)
            if (!isalnum((unsigned char)p[i]) && p[i] != '-') return 0;
        labels++;
        last = p;
        p += l;
        if (*p == '.') {
            p++;
            if (!*p) return 0;
        }
    }
    if (labels < 2) return 0;
    /* top-level label: letters (or an IDN xn-- label) */
    if (!strncmp(last, "xn--", 4)) return 1;
    size_t tl = strlen(last);
    if (tl < 2) return 0;
    for (size_t i = 0; i < tl; i++)
        if (!isalpha((unsigned char)last[i])) return 0;
    return 1;
}

enum email_rc account_email_normalize(struct arena *a, const char *in, const char **display,
                                      const char **norm)
{
    const char *t = text_trim(a, in);
    if (!t || !*t) return EMAIL_EMPTY;
    size_t n = strlen(t);
    if (n > 254) return EMAIL_TOO_LONG;
    const char *at = strrchr(t, '@');
    if (!at || strchr(t, '@') != at) return EMAIL_INVALID;
    if (!valid_local(t, (size_t)(at - t)) || !valid_domain(at + 1)) return EMAIL_INVALID;
    char *lower = arena_strdup(a, t);
    for (char *p = lower; *p; p++) *p = (char)tolower((unsigned char)*p);
    *display = t;
    *norm = lower;
    return EMAIL_OK;
}

int account_email_verified_elsewhere(struct st_conn *c, const char *email_norm, int64_t except)
{
    int64_t n = 0;
    enum st_rc rc =
        st_one(c, NULL,
               "SELECT COUNT(*) FROM accounts WHERE email_norm = ? AND email_verified = 1"
               " AND id <> ?",
               "si", "i", email_norm, except, &n);
    return rc == ST_OK ? n > 0 : -1;
}

int account_username_held(struct st_conn *c, const char *canonical, int64_t except, int64_t now)
{
    int64_t n = 0;
    enum st_rc rc =
        st_one(c, NULL,
               "SELECT COUNT(*) FROM held_usernames WHERE username = ? AND held_until > ?"
               " AND (account_id IS NULL OR account_id <> ?)",
               "sii", "i", canonical, now, except, &n);
    return rc == ST_OK ? n > 0 : -1;
}

int account_username_exists(struct st_conn *c, const char *canonical)
{
    int64_t n = 0;
    enum st_rc rc = st_one(c, NULL, "SELECT COUNT(*) FROM accounts WHERE username = ?", "s", "i",
                           canonical, &n);
    if (rc != ST_OK) return -1;
    return n > 0 ? 1 : account_username_held(c, canonical, 0, time(NULL));
}

enum acct_rc account_insert(struct st_conn *c, const char *username, const char *email,
                            const char *email_norm, int verified, const char *pw_hash, int64_t now,
                            int64_t *id)
{
    if (email_norm) {
        int taken = account_email_verified_elsewhere(c, email_norm, 0);
        if (taken < 0) return ACCT_STORE_ERR;
        if (taken) return ACCT_EMAIL_TAKEN;
    }
    enum st_rc rc = st_one(c, NULL,
                           "INSERT INTO accounts (username, email, email_norm, email_verified,"
                           " password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                           " RETURNING id",
                           "sssisii", "i", username, email, email_norm, (int64_t)(verified != 0),
                           pw_hash, now, now, id);
    if (rc == ST_CONFLICT) return ACCT_USERNAME_TAKEN;
    if (rc != ST_OK) return ACCT_STORE_ERR;
    /* checked after the insert: a rename that released this name and committed while the
     * insert waited on the unique index is seen here (the caller rolls back) */
    int held = account_username_held(c, username, 0, now);
    if (held < 0) return ACCT_STORE_ERR;
    return held ? ACCT_USERNAME_TAKEN : ACCT_OK;
}

#define ACCOUNT_COLS "id, username, email, email_verified, password_hash, status, created_at"

static enum acct_rc read_row(struct st_conn *c, struct arena *a, const char *sql, const char *in,
                             const void *arg, struct account *o)
{
    int64_t verified = 0, status = 0;
    enum st_rc rc;
    if (in[0] == 'i')
        rc = st_one(c, a, sql, in, "issisii", *(const int64_t *)arg, &o->id, &o->username,
                    &o->email, &verified, &o->password_hash, &status, &o->created_at);
    else
        rc = st_one(c, a, sql, in, "issisii", (const char *)arg, &o->id, &o->username, &o->email,
                    &verified, &o->password_hash, &status, &o->created_at);
    if (rc == ST_NOTFOUND) return ACCT_NOTFOUND;
    if (rc != ST_OK) return ACCT_STORE_ERR;
    o->email_verified = (int)verified;
    o->status = (int)status;
    return ACCT_OK;
}

enum acct_rc account_by_id(struct st_conn *c, struct arena *a, int64_t id, struct account *out)
{
    return read_row(c, a, "SELECT " ACCOUNT_COLS " FROM accounts WHERE id = ?", "i", &id, out);
}

enum acct_rc account_by_login(struct st_conn *c, struct arena *a, const char *identifier,
                              struct account *out)
{
    if (identifier && strchr(identifier, '@')) {
        const char *display, *norm;
        if (account_email_normalize(a, identifier, &display, &norm) != EMAIL_OK)
            return ACCT_NOTFOUND;
        enum acct_rc rc = read_row(c, a,
                                   "SELECT " ACCOUNT_COLS
                                   " FROM accounts WHERE email_norm = ? AND email_verified = 1",
                                   "s", norm, out);
        if (rc != ACCT_NOTFOUND) return rc;
        int64_t n = 0;
        if (st_one(c, NULL, "SELECT COUNT(*) FROM accounts WHERE email_norm = ?", "s", "i", norm,
                   &n) != ST_OK)
            return ACCT_STORE_ERR;
        if (n != 1) return ACCT_NOTFOUND;
        return read_row(c, a, "SELECT " ACCOUNT_COLS " FROM accounts WHERE email_norm = ?", "s",
                        norm, out);
    }
    const char *canon;
    if (account_username_normalize(a, identifier, &canon) != NAME_OK) {
        /* reserved names cannot sign in either; other malformed input names nobody */
        return ACCT_NOTFOUND;
    }
    return read_row(c, a, "SELECT " ACCOUNT_COLS " FROM accounts WHERE username = ?", "s", canon,
                    out);
}

int account_lock_claims(struct st_conn *c, const char *email_norm, int64_t also)
{
    /* lock every claim on this address in one order first, so that two accounts verifying
     * it at once queue up instead of deadlocking (SQLite's write lock already serializes) */
    struct st_stmt *lock = st_prepare(
        c, "SELECT id FROM accounts WHERE email_norm = ? OR id = ? ORDER BY id {{FOR_UPDATE}}");
    if (!lock) return -1;
    st_bind_text(lock, 1, email_norm);
    st_bind_int(lock, 2, also);
    enum st_rc lrc;
    while ((lrc = st_step(lock)) == ST_ROW) {
    }
    st_done(lock);
    return lrc == ST_DONE ? 0 : -1;
}

enum acct_rc account_verify_email(struct st_conn *c, int64_t id, const char *email_norm,
                                  int64_t now)
{
    if (account_lock_claims(c, email_norm, id) != 0) return ACCT_STORE_ERR;
    int taken = account_email_verified_elsewhere(c, email_norm, id);
    if (taken < 0) return ACCT_STORE_ERR;
    if (taken) return ACCT_EMAIL_TAKEN;
    enum st_rc rc = st_exec(c,
                            "UPDATE accounts SET email_verified = 1, updated_at = ?"
                            " WHERE id = ? AND email_norm = ?",
                            "iis", now, id, email_norm);
    if (rc == ST_CONFLICT) return ACCT_EMAIL_TAKEN;
    if (rc != ST_OK) return ACCT_STORE_ERR;
    if (st_changes(c) == 0) return ACCT_NOTFOUND;
    /* the address is now proven to be id's: other accounts' unverified claims end */
    rc = st_exec(c,
                 "UPDATE accounts SET email = NULL, email_norm = NULL, updated_at = ?"
                 " WHERE email_norm = ? AND email_verified = 0 AND id <> ?",
                 "isi", now, email_norm, id);
    if (rc != ST_OK) return ACCT_STORE_ERR;
    rc = st_exec(c,
                 "DELETE FROM tokens WHERE kind = 'verify' AND email = ? AND account_id <> ?"
                 " AND used_at IS NULL",
                 "si", email_norm, id);
    return rc == ST_OK ? ACCT_OK : ACCT_STORE_ERR;
}

int account_set_password_hash(struct st_conn *c, int64_t id, const char *hash, int64_t now)
{
    return st_exec(c, "UPDATE accounts SET password_hash = ?, updated_at = ? WHERE id = ?", "sii",
                   hash, now, id) == ST_OK
               ? 0
               : -1;
}

const char *account_name_error(enum name_rc rc)
{
    switch (rc) {
    case NAME_EMPTY:
        return "signup.err.username_empty";
    case NAME_LENGTH:
        return "signup.err.username_length";
    case NAME_RESERVED:
        return "signup.err.username_reserved";
    default:
        return "signup.err.username_chars";
    }
}

const char *account_email_error(enum email_rc rc)
{
    switch (rc) {
    case EMAIL_EMPTY:
        return "signup.err.email_empty";
    case EMAIL_TOO_LONG:
        return "signup.err.email_long";
    default:
        return "signup.err.email_invalid";
    }
}
