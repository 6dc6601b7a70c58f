/* account: see account.h for the invariants. Rules are pure functions over strings; the
 * tables are reached only through their owners (accounts.c, held_usernames.c, tokens.c). */
#include "account.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "config.h"
#include "held_usernames.h"
#include "mail.h"
#include "ratelimit.h"
#include "store.h"
#include "text.h"
#include "tmpl.h"
#include "tokens.h"

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
    int64_t n = accounts_count_verified_elsewhere(c, email_norm, except);
    return n < 0 ? -1 : n > 0;
}

int account_username_held(struct st_conn *c, const char *canonical, int64_t except, int64_t now)
{
    int64_t n = held_usernames_count(c, canonical, except, now);
    return n < 0 ? -1 : n > 0;
}

int account_username_exists(struct st_conn *c, const char *canonical)
{
    int64_t n = accounts_count_username(c, canonical);
    if (n < 0) return -1;
    return n > 0 ? 1 : account_username_held(c, canonical, 0, time(NULL));
}

int account_address_used(struct st_conn *c, struct arena *a, const char *email_norm, int64_t except,
                         const char *lang, int64_t now)
{
    struct account owner;
    enum st_rc rc = accounts_by_email(c, a, email_norm, 1, &owner);
    if (rc == ST_NOTFOUND || (rc == ST_OK && owner.id == except)) return 0;
    if (rc != ST_OK) return -1;
    /* a few a day per address: the notice must not become a way to fill a mailbox */
    static const struct rate notices = {ACCOUNT_NOTICES_PER_DAY, 86400};
    enum rl_rc rl = ratelimit_hit(c, arena_printf(a, "addrused:%s", email_norm), &notices, now);
    if (rl == RL_ERR) return -1;
    if (rl == RL_DENY) return 1;
    struct tmpl_ctx *v = tmpl_ctx_new(a, NULL);
    tmpl_set(v, "username", owner.username);
    tmpl_set(v, "email", owner.email);
    tmpl_set(v, "login", arena_printf(a, "%s/login", cfg->origin));
    tmpl_set(v, "link", arena_printf(a, "%s/password/forgot", cfg->origin));
    return mail_enqueue(c, a, owner.id, "address_used", owner.email, lang, v, now) == 0 ? 1 : -1;
}

enum acct_rc account_insert(struct st_conn *c, const char *username, const char *email,
                            const char *email_norm, int verified, const char *pw_hash, int64_t now,
                            int64_t *id)
{
    if (email_norm && verified) {
        int taken = account_email_verified_elsewhere(c, email_norm, 0);
        if (taken < 0) return ACCT_STORE_ERR;
        if (taken) return ACCT_EMAIL_TAKEN;
    }
    enum st_rc rc = accounts_insert(c, username, email, email_norm, verified, pw_hash, now, id);
    if (rc == ST_CONFLICT) return ACCT_USERNAME_TAKEN;
    if (rc != ST_OK) return ACCT_STORE_ERR;
    /* checked after the insert: a rename that released this name and committed while the
     * insert waited on the unique index is seen here (the caller rolls back) */
    int held = account_username_held(c, username, 0, now);
    if (held < 0) return ACCT_STORE_ERR;
    return held ? ACCT_USERNAME_TAKEN : ACCT_OK;
}

static enum acct_rc acct_rc_of(enum st_rc rc)
{
    return rc == ST_OK ? ACCT_OK : rc == ST_NOTFOUND ? ACCT_NOTFOUND : ACCT_STORE_ERR;
}

enum acct_rc account_by_id(struct st_conn *c, struct arena *a, int64_t id, struct account *out)
{
    return acct_rc_of(accounts_by_id(c, a, id, out));
}

enum acct_rc account_by_login(struct st_conn *c, struct arena *a, const char *identifier,
                              struct account *out)
{
    if (identifier && strchr(identifier, '@')) {
        const char *display, *norm;
        if (account_email_normalize(a, identifier, &display, &norm) != EMAIL_OK)
            return ACCT_NOTFOUND;
        enum acct_rc rc = acct_rc_of(accounts_by_email(c, a, norm, 1, out));
        if (rc != ACCT_NOTFOUND) return rc;
        int64_t n = accounts_count_email(c, norm);
        if (n < 0) return ACCT_STORE_ERR;
        if (n != 1) return ACCT_NOTFOUND;
        return acct_rc_of(accounts_by_email(c, a, norm, 0, out));
    }
    const char *canon;
    if (account_username_normalize(a, identifier, &canon) != NAME_OK) {
        /* reserved names cannot sign in either; other malformed input names nobody */
        return ACCT_NOTFOUND;
    }
    return acct_rc_of(accounts_by_username(c, a, canon, out));
}

int account_lock_claims(struct st_conn *c, const char *email_norm, int64_t also)
{
    /* lock every claim on this address in one order first, so that two accounts verifying
     * it at once queue up instead of deadlocking (SQLite's write lock already serializes) */
    return accounts_lock_claims(c, email_norm, also);
}

int account_claim_address(struct st_conn *c, const char *email_norm, int64_t id, int64_t now)
{
    /* the address is now proven to be id's: other accounts' unverified claims end */
    if (accounts_clear_claims(c, email_norm, id, now) != 0) return -1;
    return tokens_drop_other_claims(c, email_norm, id);
}

enum acct_rc account_verify_email(struct st_conn *c, int64_t id, const char *email_norm,
                                  int64_t now)
{
    if (account_lock_claims(c, email_norm, id) != 0) return ACCT_STORE_ERR;
    int taken = account_email_verified_elsewhere(c, email_norm, id);
    if (taken < 0) return ACCT_STORE_ERR;
    if (taken) return ACCT_EMAIL_TAKEN;
    int64_t n = accounts_mark_verified(c, id, email_norm, now);
    if (n == -2) return ACCT_EMAIL_TAKEN;
    if (n < 0) return ACCT_STORE_ERR;
    if (n == 0) return ACCT_NOTFOUND;
    return account_claim_address(c, email_norm, id, now) == 0 ? ACCT_OK : ACCT_STORE_ERR;
}

int account_set_password_hash(struct st_conn *c, int64_t id, const char *hash, int64_t now)
{
    return accounts_set_password_hash(c, id, hash, now);
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
