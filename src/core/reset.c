/* reset: see reset.h. The request path: syntax → per-IP limit → per-address limit → lookup →
 * (known) token + mail + audit | (unknown) the same rendering + audit, each one transaction. */
#include "reset.h"

#include <string.h>
#include <time.h>

#include "account.h"
#include "arena.h"
#include "clock.h"
#include "audit.h"
#include "config.h"
#include "i18n.h"
#include "identity.h"
#include "log.h"
#include "mail.h"
#include "mime.h"
#include "password.h"
#include "ratelimit.h"
#include "store.h"
#include "tmpl.h"
#include "token.h"
#include "tokens.h"

static struct tmpl_ctx *mail_vars(struct arena *a, const char *lang, const char *link,
                                  const char *username)
{
    struct tmpl_ctx *v = tmpl_ctx_new(a, NULL);
    tmpl_set(v, "link", link);
    tmpl_set(v, "username", username);
    tmpl_set(v, "duration", i18n_duration(a, lang, cfg->reset_ttl));
    return v;
}

/* An account uses the address: the link, its mail and the audit line in one transaction. */
static int send_link(struct st_conn *c, struct arena *a, const struct account *acct,
                     const char *norm, const char *ip, const char *lang, int64_t now)
{
    char tok[TOKEN_LEN + 1];
    if (st_begin(c) != ST_OK) return -1;
    if (token_issue(c, "reset", acct->id, norm, now, cfg->reset_ttl, tok) != 0) goto fail;
    const char *link = arena_printf(a, "%s/password/reset?token=%s", cfg->origin, tok);
    if (mail_enqueue(c, a, acct->id, "reset", acct->email, lang,
                     mail_vars(a, lang, link, acct->username), now) != 0)
        goto fail;
    audit_log(c, acct->id, AUDIT_RESET_REQUESTED, ip, NULL, now);
    return st_commit(c) == ST_OK ? 0 : -1;
fail:
    st_rollback(c);
    return -1;
}

/* Nobody (or a limited address): the same token, rendering and composing, and a transaction
 * of three writes, as send_link does; the mail is not queued. */
static int send_nothing(struct st_conn *c, struct arena *a, const char *to, const char *ip,
                        const char *lang, int64_t now)
{
    char tok[TOKEN_LEN + 1], h[TOKEN_HASH_LEN + 1];
    token_new(tok);
    token_hash(tok, h);
    struct tmpl_ctx *v =
        mail_vars(a, lang, arena_printf(a, "%s/password/reset?token=%s", cfg->origin, tok), "-");
    tmpl_set(v, "site_name", cfg->site_name);
    tmpl_set(v, "lang", lang);
    const struct i18n_cat *cat = i18n_cat(lang);
    struct mime_msg m = {.from = cfg->mail_from, .to = to, .date = now};
    m.subject = tmpl_render_str(a, "{{t:mail.reset.subject}}", v, cat, TMPL_TEXT, NULL);
    m.text = tmpl_render(a, "web/templates/mail_reset.txt", v, cat, TMPL_TEXT, NULL);
    m.html = tmpl_render(a, "web/templates/mail_reset.html", v, cat, TMPL_HTML, NULL);
    if (!m.subject || !m.text || !m.html) return -1;
    mime_compose(a, &m); /* an address that does not parse fails here, as it would below */
    if (st_begin(c) != ST_OK) return -1;
    audit_log(c, 0, AUDIT_RESET_REQUESTED, ip, "no mail", now);
    /* two more writes that leave nothing behind, as the token and the outbox row would */
    const struct rate any = {1000000, 60};
    const char *key = arena_printf(a, "reset:nomail:%.16s", h);
    if (ratelimit_hit(c, key, &any, now) == RL_ERR) {
        st_rollback(c);
        return -1;
    }
    ratelimit_reset(c, key);
    return st_commit(c) == ST_OK ? 0 : -1;
}

/* Both paths end no sooner than RESET_FLOOR_US after they began (invariant 1): what is left of
 * a difference in their work hides under the floor. */
static void pad(int64_t t0)
{
    int64_t left = t0 + RESET_FLOOR_US - clock_mono_us();
    if (left <= 0) return;
    struct timespec ts = {(time_t)(left / 1000000), (long)(left % 1000000) * 1000};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

enum reset_rc reset_request(struct arena *a, const char *typed, const char *ip, const char *lang,
                            const char **err)
{
    const char *display = NULL, *norm = NULL;
    enum email_rc er = account_email_normalize(a, typed, &display, &norm);
    if (er != EMAIL_OK) {
        *err = account_email_error(er);
        return RESET_INVALID;
    }
    struct st_conn *c = st_get();
    if (!c) return RESET_ERR;
    int64_t now = time(NULL), t0 = clock_mono_us();
    enum rl_rc rl = ratelimit_hit(c, arena_printf(a, "reset:ip:%s", ip), &cfg->limit_reset_ip, now);
    if (rl == RL_ERR) return RESET_ERR;
    if (rl == RL_DENY) return RESET_LIMITED;
    rl = ratelimit_hit(c, arena_printf(a, "reset:addr:%s", norm), &cfg->limit_reset_address, now);
    if (rl == RL_ERR) return RESET_ERR;
    struct account acct;
    enum acct_rc ar = rl == RL_ALLOW ? account_by_login(c, a, norm, &acct) : ACCT_NOTFOUND;
    if (ar == ACCT_STORE_ERR) return RESET_ERR;
    int known = ar == ACCT_OK && acct.status == 0 && acct.email;
    int rc = known ? send_link(c, a, &acct, norm, ip, lang, now)
                   : send_nothing(c, a, display, ip, lang, now);
    pad(t0);
    if (known && rc == 0) mail_kick(); /* the sender's work starts after the floor, too */
    return rc == 0 ? RESET_OK : RESET_ERR;
}

/* The link's state and its account; *email_norm and *username in a. */
static enum reset_rc look(struct st_conn *c, struct arena *a, const char *token, int64_t now,
                          int64_t *account_id, char **username, char **email, char **email_norm)
{
    if (!token_wellformed(token)) return RESET_UNKNOWN;
    char h[TOKEN_HASH_LEN + 1];
    token_hash(token, h);
    struct token_link t = {0};
    enum st_rc rc = tokens_with_account(c, a, h, "reset", &t);
    if (rc == ST_NOTFOUND) return RESET_UNKNOWN;
    if (rc != ST_OK) return RESET_ERR;
    *account_id = t.account_id;
    *username = t.username;
    *email = t.email;
    *email_norm = t.email_norm;
    if (t.used_at) return RESET_USED;
    if (t.expires_at <= now) return RESET_EXPIRED;
    if (!t.sent_to || !*email_norm || strcmp(t.sent_to, *email_norm)) return RESET_STALE;
    return RESET_OK;
}

enum reset_rc reset_check(struct arena *a, const char *token, char **username)
{
    struct st_conn *c = st_get();
    if (!c) return RESET_ERR;
    int64_t id = 0;
    char *email = NULL, *norm = NULL;
    return look(c, a, token, time(NULL), &id, username, &email, &norm);
}

static enum reset_rc consume(struct st_conn *c, struct arena *a, const char *token, int64_t now,
                             int64_t *id, char **sent_to)
{
    switch (token_consume(c, a, "reset", token, now, id, sent_to)) {
    case TOKEN_OK:
        return RESET_OK;
    case TOKEN_UNKNOWN:
        return RESET_UNKNOWN;
    case TOKEN_USED:
        return RESET_USED;
    case TOKEN_EXPIRED:
        return RESET_EXPIRED;
    default:
        return RESET_ERR;
    }
}

/* The account (locked) still uses the address the link went to: *acct filled. */
static enum reset_rc still_there(struct st_conn *c, struct arena *a, int64_t id,
                                 const char *sent_to, struct account *acct)
{
    int locked = accounts_lock(c, id);
    if (locked == 0) return RESET_UNKNOWN;
    if (locked < 0 || account_by_id(c, a, id, acct) != ACCT_OK) return RESET_ERR;
    const char *display = NULL, *norm = NULL;
    if (!acct->email || !sent_to ||
        account_email_normalize(a, acct->email, &display, &norm) != EMAIL_OK ||
        strcmp(norm, sent_to))
        return RESET_STALE;
    return RESET_OK;
}

static enum reset_rc complete_tx(struct st_conn *c, struct arena *a, const char *token,
                                 const char *hash, const char *ip, const char *lang, int64_t now,
                                 struct ways_removed *removed)
{
    int64_t id = 0;
    char *sent_to = NULL;
    struct account acct;
    enum reset_rc rc = consume(c, a, token, now, &id, &sent_to);
    if (rc == RESET_OK) rc = still_there(c, a, id, sent_to, &acct);
    if (rc != RESET_OK) return rc;
    if (account_set_password_hash(c, id, hash, now) != 0) return RESET_ERR;
    if (!acct.email_verified) {
        /* the link reached this address: it is proven now */
        enum acct_rc ar = account_verify_email(c, id, sent_to, now);
        if (ar == ACCT_EMAIL_TAKEN || ar == ACCT_NOTFOUND) return RESET_STALE;
        if (ar != ACCT_OK) return RESET_ERR;
    }
    /* the mailbox is proven from outside: every session ends, and so do the identities bound
     * while the address was not verified (identity.h, invariant 4) */
    if (identity_proof_outside(c, a, id, lang, removed) != 0 ||
        tokens_use_all(c, id, "reset", now) != 0)
        return RESET_ERR;
    audit_log(c, id, AUDIT_PASSWORD_RESET, ip, removed->providers, now);
    struct tmpl_ctx *v = tmpl_ctx_new(a, NULL);
    identity_removed_vars(a, v, removed);
    tmpl_set(v, "username", acct.username);
    tmpl_set(v, "link", arena_printf(a, "%s/password/forgot", cfg->origin));
    if (mail_enqueue(c, a, id, "password_changed", acct.email, lang, v, now) != 0) return RESET_ERR;
    return RESET_OK;
}

enum reset_rc reset_complete(struct arena *a, const char *token, const char *password,
                             const char *ip, const char *lang, const char **err,
                             struct ways_removed *removed)
{
    memset(removed, 0, sizeof(*removed));
    struct st_conn *c = st_get();
    if (!c) return RESET_ERR;
    int64_t now = time(NULL), id = 0;
    char *username = NULL, *email = NULL, *norm = NULL;
    enum reset_rc rc = look(c, a, token, now, &id, &username, &email, &norm);
    if (rc != RESET_OK) return rc;
    const char *pw = NULL;
    enum pw_policy pp = password_check(a, password, username, email, &pw);
    if (pp != PW_OK) {
        *err = password_policy_error(pp);
        return RESET_INVALID;
    }
    char hash[PASSWORD_HASH_MAX];
    enum pw_rc hr = password_hash(pw, hash);
    if (hr == PWR_BUSY) return RESET_BUSY;
    if (hr != PWR_OK) return RESET_ERR;
    if (st_begin(c) != ST_OK) return RESET_ERR;
    rc = complete_tx(c, a, token, hash, ip, lang, now, removed);
    if (rc != RESET_OK) {
        st_rollback(c);
        return rc;
    }
    if (st_commit(c) != ST_OK) return RESET_ERR;
    mail_kick();
    return RESET_OK;
}
