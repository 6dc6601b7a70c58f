/* settings: see settings.h for the states and invariants. Each change is one transaction;
 * checks run cheapest first (rules, then the password, then the store). */
#include "settings.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "arena.h"
#include "audit.h"
#include "closure.h"
#include "config.h"
#include "held_usernames.h"
#include "i18n.h"
#include "identity.h"
#include "identities.h"
#include "log.h"
#include "mail.h"
#include "password.h"
#include "ratelimit.h"
#include "registry_repos.h"
#include "reauth.h"
#include "sessions.h"
#include "store.h"
#include "tmpl.h"
#include "token.h"
#include "tokens.h"

static enum set_rc invalid(const char **err, const char *key)
{
    *err = key;
    return SET_INVALID;
}

/* A stale sign-in needs the password (invariant 1). */
static enum set_rc confirm(struct arena *a, const struct set_who *w, const char *password,
                           const char **err)
{
    if (w->fresh) return SET_OK;
    switch (reauth_password(a, w->account_id, password, w->ip)) {
    case REAUTH_OK:
        return SET_OK;
    case REAUTH_BAD:
        *err = password && *password ? "settings.err.current_password"
                                     : "settings.err.password_needed";
        return SET_BAD_PASSWORD;
    case REAUTH_NO_PASSWORD:
        return SET_REAUTH;
    case REAUTH_LIMITED:
        return SET_LIMITED;
    case REAUTH_BUSY:
        return SET_BUSY;
    default:
        return SET_ERR;
    }
}

/* ---- username ---- */

static enum set_rc rename_tx(struct st_conn *c, const struct set_who *w, const char *old,
                             const char *name, int64_t now, const char **err)
{
    int held = account_username_held(c, name, w->account_id, now);
    if (held < 0) return SET_ERR;
    if (held) return invalid(err, "signup.err.username_taken");
    enum st_rc rc = accounts_set_username(c, w->account_id, name, now);
    if (rc == ST_CONFLICT) return invalid(err, "signup.err.username_taken");
    if (rc != ST_OK) return SET_ERR;
    held = account_username_held(c, name, w->account_id, now); /* a release that raced us */
    if (held < 0) return SET_ERR;
    if (held) return invalid(err, "signup.err.username_taken");
    if (held_usernames_hold(c, old, w->account_id, now + cfg->username_hold, now) != 0 ||
        held_usernames_unhold(c, name, w->account_id) != 0)
        return SET_ERR;
    return SET_OK;
}

enum set_rc settings_username(struct arena *a, const struct set_who *w, const char *typed,
                              const char **err)
{
    const char *name = NULL;
    enum name_rc nr = account_username_normalize(a, typed, &name);
    if (nr != NAME_OK) return invalid(err, account_name_error(nr));
    struct st_conn *c = st_get();
    if (!c) return SET_ERR;
    int64_t now = time(NULL);
    struct account acct;
    if (account_by_id(c, a, w->account_id, &acct) != ACCT_OK) return SET_ERR;
    if (!strcmp(acct.username, name)) return SET_SAME;
    /* the image registry: a namespace with images is not renamed (registry_repos.h) */
    int images = registry_repos_any(a, acct.username);
    if (images != 0) return invalid(err, images > 0 ? "registry.err.rename" : "registry.err.check");
    const char *key = arena_printf(a, "rename:acct:%lld", (long long)w->account_id);
    int64_t done = ratelimit_peek(c, key, 86400, now);
    if (done < 0) return SET_ERR;
    if (done >= SETTINGS_RENAMES_PER_DAY) return SET_LIMITED;
    if (st_begin(c) != ST_OK) return SET_ERR;
    enum set_rc out = SET_ERR;
    if (accounts_lock(c, w->account_id) != 1) goto fail;
    if (account_by_id(c, a, w->account_id, &acct) != ACCT_OK) goto fail;
    out = rename_tx(c, w, acct.username, name, now, err);
    if (out != SET_OK) goto fail;
    audit_log(c, w->account_id, AUDIT_USERNAME_CHANGED, w->ip,
              arena_printf(a, "%s -> %s", acct.username, name), now);
    if (st_commit(c) != ST_OK) return SET_ERR;
    const struct rate day = {SETTINGS_RENAMES_PER_DAY, 86400};
    ratelimit_hit(c, key, &day, now);
    return SET_OK;
fail:
    st_rollback(c);
    return out;
}

/* ---- email ---- */

/* The link (a token kind "email") and the notice to the old verified address, whatever the
 * new address is; the link itself goes there only when it is nobody else's verified one, else
 * its owner gets the notice of account_address_used (account.h invariant 4): the answer, the
 * pending change on the settings page and the old address's notice are the same either way. */
static int email_mails(struct st_conn *c, struct arena *a, const struct set_who *w,
                       const struct account *acct, const char *to, const char *norm, int64_t now)
{
    char tok[TOKEN_LEN + 1];
    if (tokens_drop_unused(c, w->account_id, "email") != 0) return -1;
    if (token_issue(c, "email", w->account_id, to, now, cfg->verify_ttl, tok) != 0) return -1;
    struct tmpl_ctx *v = tmpl_ctx_new(a, NULL);
    tmpl_set(v, "link", arena_printf(a, "%s/email/confirm?token=%s", cfg->origin, tok));
    tmpl_set(v, "email", to);
    tmpl_set(v, "old_email", acct->email);
    tmpl_set(v, "username", acct->username);
    tmpl_set(v, "duration", i18n_duration(a, w->lang, cfg->verify_ttl));
    int used = account_address_used(c, a, norm, w->account_id, w->lang, now);
    if (used < 0) return -1;
    if (!used && mail_enqueue(c, a, w->account_id, "email_change", to, w->lang, v, now) != 0)
        return -1;
    if (acct->email && acct->email_verified &&
        mail_enqueue(c, a, w->account_id, "email_notice", acct->email, w->lang, v, now) != 0)
        return -1;
    return 0;
}

enum set_rc settings_email_request(struct arena *a, const struct set_who *w, const char *typed,
                                   const char *password, const char **err)
{
    const char *display = NULL, *norm = NULL;
    enum email_rc er = account_email_normalize(a, typed, &display, &norm);
    if (er != EMAIL_OK) return invalid(err, account_email_error(er));
    struct st_conn *c = st_get();
    if (!c) return SET_ERR;
    int64_t now = time(NULL);
    struct account acct;
    if (account_by_id(c, a, w->account_id, &acct) != ACCT_OK) return SET_ERR;
    const char *cur_display = NULL, *cur_norm = NULL;
    if (acct.email && acct.email_verified &&
        account_email_normalize(a, acct.email, &cur_display, &cur_norm) == EMAIL_OK &&
        !strcmp(cur_norm, norm))
        return SET_SAME;
    enum set_rc rc = confirm(a, w, password, err);
    if (rc != SET_OK) return rc;
    const char *keys[2] = {arena_printf(a, "emailchange:acct:%lld", (long long)w->account_id),
                           arena_printf(a, "emailchange:acctday:%lld", (long long)w->account_id)};
    const struct rate *rates[2] = {&cfg->limit_resend_account, &cfg->limit_resend_account_day};
    enum rl_rc rl = ratelimit_hit_all(c, 2, keys, rates, now);
    if (rl == RL_ERR) return SET_ERR;
    if (rl == RL_DENY) return SET_LIMITED;
    if (st_begin(c) != ST_OK) return SET_ERR;
    if (email_mails(c, a, w, &acct, display, norm, now) != 0) goto fail;
    audit_log(c, w->account_id, AUDIT_EMAIL_CHANGE_REQUESTED, w->ip, display, now);
    if (st_commit(c) != ST_OK) return SET_ERR;
    mail_kick();
    return SET_OK;
fail:
    st_rollback(c);
    return SET_ERR;
}

static enum email_confirm switch_address(struct st_conn *c, int64_t id, const char *display,
                                         const char *norm, int64_t now)
{
    if (account_lock_claims(c, norm, id) != 0) return EMAIL_LINK_ERR;
    int taken = account_email_verified_elsewhere(c, norm, id);
    if (taken < 0) return EMAIL_LINK_ERR;
    if (taken) return EMAIL_LINK_TAKEN;
    int64_t n = accounts_set_email(c, id, display, norm, now);
    if (n == -2) return EMAIL_LINK_TAKEN;
    if (n != 1) return EMAIL_LINK_ERR;
    return account_claim_address(c, norm, id, now) == 0 ? EMAIL_CONFIRMED : EMAIL_LINK_ERR;
}

enum email_confirm settings_email_confirm(struct arena *a, const char *token, const char *ip,
                                          char **email)
{
    struct st_conn *c = st_get();
    if (!c) return EMAIL_LINK_ERR;
    int64_t now = time(NULL), id = 0;
    char *display = NULL;
    if (st_begin(c) != ST_OK) return EMAIL_LINK_ERR;
    enum email_confirm out = EMAIL_LINK_ERR;
    const char *shown = NULL, *norm = NULL;
    /* the address's claims and the account are locked before the token (invariant 2) */
    int found = token_peek(c, a, "email", token, &id, &display);
    if (found < 0) goto fail;
    if (found && display && account_email_normalize(a, display, &shown, &norm) == EMAIL_OK &&
        account_lock_claims(c, norm, id) != 0)
        goto fail;
    switch (token_consume(c, a, "email", token, now, &id, &display)) {
    case TOKEN_OK:
        break;
    case TOKEN_UNKNOWN:
        out = EMAIL_LINK_UNKNOWN;
        goto fail;
    case TOKEN_USED:
        out = EMAIL_LINK_USED;
        goto fail;
    case TOKEN_EXPIRED:
        out = EMAIL_LINK_EXPIRED;
        goto fail;
    default:
        out = EMAIL_LINK_ERR;
        goto fail;
    }
    out = EMAIL_LINK_ERR;
    if (!display || account_email_normalize(a, display, &shown, &norm) != EMAIL_OK) goto fail;
    out = switch_address(c, id, shown, norm, now);
    if (out != EMAIL_CONFIRMED) goto fail;
    /* the change was the account's own request: its identities are its owner's (identity.h
     * invariant 4) */
    out = EMAIL_LINK_ERR;
    if (identity_proof_holder(c, id) != 0) goto fail;
    audit_log(c, id, AUDIT_EMAIL_CHANGED, ip, shown, now);
    if (st_commit(c) != ST_OK) return EMAIL_LINK_ERR;
    *email = display;
    return EMAIL_CONFIRMED;
fail:
    st_rollback(c);
    return out;
}

/* ---- password ---- */

static int password_tx(struct st_conn *c, struct arena *a, const struct set_who *w,
                       const struct account *acct, const char *hash, int end_others,
                       const char *keep, int64_t now)
{
    if (accounts_lock(c, w->account_id) != 1) return -1;
    if (account_set_password_hash(c, w->account_id, hash, now) != 0) return -1;
    if (end_others && sessions_end_others(c, w->account_id, keep) < 0) return -1;
    audit_log(c, w->account_id, acct->password_hash ? AUDIT_PASSWORD_CHANGED : AUDIT_PASSWORD_SET,
              w->ip, end_others ? "others_signed_out" : NULL, now);
    if (!acct->email || !acct->email_verified) return 0;
    struct tmpl_ctx *v = tmpl_ctx_new(a, NULL);
    tmpl_set(v, "username", acct->username);
    tmpl_set(v, "link", arena_printf(a, "%s/password/forgot", cfg->origin));
    return mail_enqueue(c, a, w->account_id, "password_changed", acct->email, w->lang, v, now);
}

enum set_rc settings_password(struct arena *a, const struct set_who *w, const char *current,
                              const char *typed, int end_others, const char *keep, const char **err)
{
    struct st_conn *c = st_get();
    if (!c) return SET_ERR;
    int64_t now = time(NULL);
    struct account acct;
    if (account_by_id(c, a, w->account_id, &acct) != ACCT_OK) return SET_ERR;
    if (acct.password_hash) {
        /* changing a password always takes the present one */
        struct set_who stale = *w;
        stale.fresh = 0;
        enum set_rc rc = confirm(a, &stale, current, err);
        if (rc != SET_OK) return rc;
    } else if (!w->fresh) {
        return SET_REAUTH;
    }
    const char *pw = NULL;
    enum pw_policy pp = password_check(a, typed, acct.username, acct.email, &pw);
    if (pp != PW_OK) return invalid(err, password_policy_error(pp));
    char hash[PASSWORD_HASH_MAX];
    enum pw_rc hr = password_hash(pw, hash);
    if (hr == PWR_BUSY) return SET_BUSY;
    if (hr != PWR_OK) return SET_ERR;
    if (st_begin(c) != ST_OK) return SET_ERR;
    if (password_tx(c, a, w, &acct, hash, end_others, keep, now) != 0) {
        st_rollback(c);
        return SET_ERR;
    }
    if (st_commit(c) != ST_OK) return SET_ERR;
    mail_kick();
    return SET_OK;
}

/* ---- sessions ---- */

int settings_session_end(int64_t account_id, const char *id_hash, const char *ip)
{
    struct st_conn *c = st_get();
    if (!c) return -1;
    if (!id_hash) return 0;
    int64_t n = sessions_end_one(c, account_id, id_hash);
    if (n < 0) return -1;
    if (n > 0) audit_log(c, account_id, AUDIT_SESSION_ENDED, ip, NULL, time(NULL));
    return n > 0;
}

int64_t settings_sessions_end_others(int64_t account_id, const char *keep, const char *ip)
{
    struct st_conn *c = st_get();
    if (!c) return -1;
    int64_t n = sessions_end_others(c, account_id, keep);
    if (n < 0) return -1;
    char detail[32];
    snprintf(detail, sizeof(detail), "%lld", (long long)n);
    if (n > 0) audit_log(c, account_id, AUDIT_SESSIONS_ENDED, ip, detail, time(NULL));
    return n;
}

/* ---- deletion ---- */

enum set_rc settings_delete(struct arena *a, const struct set_who *w, const char *typed,
                            const char **err)
{
    if (!w->fresh) return SET_REAUTH;
    struct st_conn *c = st_get();
    if (!c) return SET_ERR;
    struct account acct;
    if (account_by_id(c, a, w->account_id, &acct) != ACCT_OK) return SET_ERR;
    const char *name = NULL;
    if (account_username_normalize(a, typed ? typed : "", &name) != NAME_OK ||
        strcmp(name, acct.username))
        return invalid(err, "settings.err.delete_name");
    switch (closure_delete(a, w->account_id, "self", w->ip, w->lang)) {
    case CLOSE_OK:
        return SET_OK;
    default:
        return SET_ERR;
    }
}

/* ---- the page ---- */

static int load_sessions(struct st_conn *c, struct arena *a, int64_t id, const char *current,
                         struct settings_view *v)
{
    /* this browser's first, then the most recently used */
    struct session_row *rows = arena_alloc(a, sizeof(*rows) * SETTINGS_SESSIONS_SHOWN);
    int n = sessions_list(c, a, id, current, time(NULL), rows, SETTINGS_SESSIONS_SHOWN);
    if (n < 0) return -1;
    v->sessions = arena_alloc(a, sizeof(*v->sessions) * SETTINGS_SESSIONS_SHOWN);
    for (int i = 0; i < n; i++) {
        struct set_session *o = &v->sessions[v->n_sessions++];
        o->id_hash = rows[i].id_hash;
        o->ip = rows[i].ip;
        o->user_agent = rows[i].user_agent;
        o->created_at = rows[i].created_at;
        o->last_seen = rows[i].last_seen;
        o->current = current && o->id_hash && !strcmp(o->id_hash, current);
    }
    return 0;
}

static int load_events(struct st_conn *c, struct arena *a, int64_t id, struct settings_view *v)
{
    struct audit_row *rows = NULL;
    if (audit_recent(c, a, id, SETTINGS_EVENTS_SHOWN, &rows, &v->n_events) != 0) return -1;
    v->events = arena_alloc(a, sizeof(*v->events) * SETTINGS_EVENTS_SHOWN);
    for (int i = 0; i < v->n_events; i++)
        v->events[i] = (struct set_event){rows[i].event, rows[i].ip, rows[i].detail, rows[i].at};
    return 0;
}

int settings_view(struct arena *a, int64_t account_id, const char *current, struct settings_view *v)
{
    memset(v, 0, sizeof(*v));
    struct st_conn *c = st_get();
    if (!c) return -1;
    if (account_by_id(c, a, account_id, &v->acct) != ACCT_OK) return -1;
    enum st_rc rc = tokens_latest_unused(c, a, account_id, "email", time(NULL), &v->pending_email);
    if (rc != ST_OK && rc != ST_NOTFOUND) return -1;
    int64_t n = 0;
    if (identities_count(c, account_id, NULL, &n) != 0) return -1;
    v->identities = (int)n;
    if (load_sessions(c, a, account_id, current, v) != 0) return -1;
    return load_events(c, a, account_id, v);
}

/* ---- devices ---- */

struct ua_rule {
    const char *needle, *name;
};

static const char *match(const char *ua, const struct ua_rule *rules, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strstr(ua, rules[i].needle)) return rules[i].name;
    return "";
}

void settings_device(const char *ua, const char **browser, const char **os)
{
    /* order matters: Edge and Opera say "Chrome", Chrome says "Safari", WeChat says both */
    static const struct ua_rule browsers[] = {
        {"MicroMessenger", "WeChat"},
        {"Edg/", "Edge"},
        {"OPR/", "Opera"},
        {"Firefox/", "Firefox"},
        {"HeadlessChrome", "Chrome"},
        {"Chromium/", "Chromium"},
        {"Chrome/", "Chrome"},
        {"CriOS/", "Chrome"},
        {"Safari/", "Safari"},
        {"curl/", "curl"},
    };
    static const struct ua_rule systems[] = {
        {"Android", "Android"}, {"iPhone", "iOS"},    {"iPad", "iPadOS"}, {"Windows", "Windows"},
        {"Mac OS X", "macOS"},  {"CrOS", "ChromeOS"}, {"Linux", "Linux"},
    };
    ua = ua ? ua : "";
    *browser = match(ua, browsers, sizeof(browsers) / sizeof(browsers[0]));
    *os = match(ua, systems, sizeof(systems) / sizeof(systems[0]));
}
