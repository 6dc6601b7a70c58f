/* access_token: see access_token.h. */
#include "access_token.h"

#include <sodium.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "arena.h"
#include "audit.h"
#include "config.h"
#include "mail.h"
#include "store.h"
#include "text.h"
#include "tmpl.h"
#include "token.h"

static const struct {
    unsigned bit;
    const char *word;
} scope_words[] = {{AT_PULL, "registry:pull"}, {AT_PUSH, "registry:push"}};
#define NWORDS (sizeof(scope_words) / sizeof(scope_words[0]))

unsigned access_token_scopes_parse(const char *s)
{
    unsigned bits = 0;
    while (s && *s) {
        while (*s == ' ' || *s == ',') s++;
        size_t n = strcspn(s, " ,");
        for (size_t i = 0; i < NWORDS; i++)
            if (n == strlen(scope_words[i].word) && !strncmp(s, scope_words[i].word, n))
                bits |= scope_words[i].bit;
        s += n;
    }
    return bits;
}

const char *access_token_scopes_text(unsigned bits)
{
    bits &= AT_PULL | AT_PUSH;
    return bits == (AT_PULL | AT_PUSH) ? "registry:pull registry:push"
           : bits == AT_PUSH           ? "registry:push"
           : bits == AT_PULL           ? "registry:pull"
                                       : "";
}

int access_token_wellformed(const char *s)
{
    size_t p = strlen(ACCESS_TOKEN_PREFIX);
    return s && strlen(s) == ACCESS_TOKEN_LEN && !strncmp(s, ACCESS_TOKEN_PREFIX, p) &&
           token_wellformed(s + p);
}

/* The name as shown: trimmed, 1–ACCESS_TOKEN_NAME_MAX code points, no control characters. */
static const char *clean_name(struct arena *a, const char *typed)
{
    const char *n = text_trim(a, typed ? typed : "");
    size_t cps = 0;
    for (const unsigned char *p = (const unsigned char *)n; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) return NULL;
        cps += (*p & 0xc0) != 0x80;
    }
    return cps >= 1 && cps <= ACCESS_TOKEN_NAME_MAX ? n : NULL;
}

static enum at_rc invalid(const char **err, const char *key)
{
    *err = key;
    return AT_INVALID;
}

static int notice_mail(struct st_conn *c, struct arena *a, const struct at_new *in,
                       const struct account *acct, const char *name, int64_t now)
{
    if (!acct->email || !acct->email_verified) return 0;
    struct tmpl_ctx *v = tmpl_ctx_new(a, NULL);
    tmpl_set(v, "username", acct->username);
    tmpl_set(v, "name", name);
    tmpl_set(v, "scopes", access_token_scopes_text(in->scopes));
    tmpl_set(v, "link", arena_printf(a, "%s/settings#tokens", cfg->origin));
    return mail_enqueue(c, a, in->account_id, "access_token", acct->email, in->lang, v, now);
}

enum at_rc access_token_create(struct arena *a, const struct at_new *in, char **secret,
                               const char **err)
{
    *secret = NULL;
    const char *name = clean_name(a, in->name);
    if (!name) return invalid(err, "tokens.err.name");
    if (!(in->scopes & (AT_PULL | AT_PUSH)) || (in->scopes & ~(unsigned)(AT_PULL | AT_PUSH)))
        return invalid(err, "tokens.err.scopes");
    if (in->days != 0 && in->days != 30 && in->days != 90 && in->days != 365)
        return invalid(err, "tokens.err.expiry");
    if (!in->fresh) return AT_REAUTH;
    struct st_conn *c = st_get();
    if (!c) return AT_BUSY;
    int64_t now = time(NULL);
    char raw[TOKEN_LEN + 1], hash[TOKEN_HASH_LEN + 1];
    token_new(raw);
    char *s = arena_printf(a, ACCESS_TOKEN_PREFIX "%s", raw);
    sodium_memzero(raw, sizeof(raw));
    token_hash(s, hash);
    if (st_begin(c) != ST_OK) return AT_BUSY;
    struct account acct;
    if (account_by_id(c, a, in->account_id, &acct) != ACCT_OK) goto fail;
    int64_t live = access_tokens_count_live(c, in->account_id);
    if (live < 0) goto fail;
    if (live >= ACCESS_TOKEN_MAX_LIVE) {
        st_rollback(c);
        return AT_TOO_MANY;
    }
    int64_t id = 0, exp = in->days ? now + (int64_t)in->days * 86400 : 0;
    if (access_tokens_insert(c, in->account_id, name, hash, access_token_scopes_text(in->scopes),
                             now, exp, &id) != ST_OK)
        goto fail;
    audit_log(c, in->account_id, AUDIT_ACCESS_TOKEN_CREATED, in->ip, name, now);
    if (notice_mail(c, a, in, &acct, name, now) != 0) goto fail;
    if (st_commit(c) != ST_OK) return AT_BUSY;
    mail_kick();
    *secret = s;
    return AT_OK;
fail:
    st_rollback(c);
    return AT_BUSY;
}

int access_token_list(struct arena *a, int64_t account, struct access_token_row **out, int *n)
{
    struct st_conn *c = st_get();
    if (!c) return -1;
    *out = arena_alloc(a, 100 * sizeof(**out));
    *n = access_tokens_list(c, a, account, *out, 100);
    return *n < 0 ? -1 : 0;
}

enum at_rc access_token_revoke(struct arena *a, int64_t account, int64_t id, const char *ip)
{
    struct st_conn *c = st_get();
    if (!c) return AT_BUSY;
    int64_t now = time(NULL);
    char *name = NULL;
    enum st_rc rc = access_tokens_revoke(c, a, id, account, now, &name);
    if (rc == ST_NOTFOUND) return AT_NOTFOUND;
    if (rc != ST_OK) return AT_BUSY;
    audit_log(c, account, AUDIT_ACCESS_TOKEN_REVOKED, ip, name, now);
    return AT_OK;
}

enum at_rc access_token_check(struct arena *a, const char *username, const char *secret,
                              int64_t now, struct at_login *out)
{
    memset(out, 0, sizeof(*out));
    if (!access_token_wellformed(secret)) return AT_NOTFOUND;
    struct st_conn *c = st_get();
    if (!c) return AT_BUSY;
    char hash[TOKEN_HASH_LEN + 1];
    token_hash(secret, hash);
    struct access_token_row t;
    enum st_rc rc = access_tokens_by_hash(c, a, hash, &t);
    if (rc == ST_NOTFOUND) return AT_NOTFOUND;
    if (rc != ST_OK) return AT_BUSY;
    if (t.revoked_at) return AT_NOTFOUND;
    out->account_id = t.account_id;
    out->username = t.username;
    const char *canon = NULL;
    enum name_rc nr = account_username_normalize(a, username ? username : "", &canon);
    if (nr != NAME_OK && nr != NAME_RESERVED) return AT_MISMATCH;
    if (!canon || strcmp(canon, t.username)) return AT_MISMATCH;
    if (t.expires_at && t.expires_at <= now) return AT_EXPIRED;
    if (t.status != 0) return AT_DISABLED;
    out->scopes = access_token_scopes_parse(t.scopes);
    /* last use is written at most once a minute: most logins only read */
    if (t.last_used_at < now - ACCESS_TOKEN_TOUCH_SECS &&
        access_tokens_touch(c, t.id, now, ACCESS_TOKEN_TOUCH_SECS) != 0)
        return AT_BUSY;
    return AT_OK;
}
