/* wechat_login: see wechat_login.h for the ticket's state machine and invariants. Pushes reach
 * wechat_login_push through wechat_push.c (signatures, safe mode, the reply's XML). */
#include "wechat_login.h"

#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "arena.h"
#include "audit.h"
#include "config.h"
#include "grants.h"
#include "identity.h"
#include "log.h"
#include "mail.h"
#include "ratelimit.h"
#include "store.h"
#include "verify.h"
#include "wechat_api.h"
#include "wechat_token.h"
#include "wechat_xml.h"

/* A ticket as read, its state derived at the time of reading. */
enum wxs_state { WXS_PENDING, WXS_SCANNED, WXS_CONSUMED, WXS_EXPIRED };

struct ticket {
    char *scene, *wx_ticket, *qr_url, *openid, *unionid, *lang;
    enum wxl_intent intent;
    enum wxs_state state;
    int64_t account_id, resolved, expires_at;
};

#define TICKET_COLS                                                                                \
    "scene, intent, account_id, wx_ticket, qr_url, state, openid, unionid, resolved, lang,"        \
    " expires_at"

static const char *const intent_names[] = {"signin", "bind", "reauth"};

static enum wxl_intent intent_parse(const char *s)
{
    for (int i = WXL_SIGNIN; i <= WXL_REAUTH; i++)
        if (!strcmp(s, intent_names[i])) return (enum wxl_intent)i;
    return WXL_SIGNIN;
}

/* The ticket of the browser holding secret (invariant 1): 0 found, 1 none, -1 store error. */
static int ticket_find(struct st_conn *c, struct arena *a, const char *secret, int64_t now,
                       struct ticket *t)
{
    memset(t, 0, sizeof(*t));
    if (!secret || !token_wellformed(secret)) return 1;
    char h[TOKEN_HASH_LEN + 1];
    token_hash(secret, h);
    char *intent = NULL, *state = NULL;
    enum st_rc rc =
        st_one(c, a, "SELECT " TICKET_COLS " FROM wechat_tickets WHERE secret_hash = ?", "s",
               "ssisssssisi", h, &t->scene, &intent, &t->account_id, &t->wx_ticket, &t->qr_url,
               &state, &t->openid, &t->unionid, &t->resolved, &t->lang, &t->expires_at);
    if (rc == ST_NOTFOUND) return 1;
    if (rc != ST_OK) return -1;
    t->intent = intent_parse(intent);
    if (!strcmp(state, "consumed"))
        t->state = WXS_CONSUMED;
    else if (now >= t->expires_at)
        t->state = WXS_EXPIRED;
    else
        t->state = !strcmp(state, "scanned") ? WXS_SCANNED : WXS_PENDING;
    return 0;
}

/* The identity's subject (invariant 6). */
static const char *subject(const struct ticket *t)
{
    return t->unionid && *t->unionid ? t->unionid : t->openid;
}

/* The identity's extra JSON: both ids. */
static char *extra(struct arena *a, const struct ticket *t)
{
    json_t *j = json_pack("{s:s, s:s?}", "openid", t->openid, "unionid", t->unionid);
    char *s = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(j);
    char *out = arena_strdup(a, s);
    free(s);
    return out;
}

/* scanned → consumed (invariant 3): 1 done now, 0 used or expired already, -1 error. */
static int consume(struct st_conn *c, const struct ticket *t, int64_t now)
{
    if (st_exec(c,
                "UPDATE wechat_tickets SET state = 'consumed'"
                " WHERE scene = ? AND state = 'scanned' AND expires_at > ?",
                "si", t->scene, now) != ST_OK)
        return -1;
    return st_changes(c) == 1;
}

/* ---- issuing ---- */

static void issue(struct st_conn *c, struct arena *a, const struct wxl_open_in *in, int64_t now,
                  struct wxl_result *out)
{
    if (in->intent != WXL_SIGNIN) { /* bind: none yet; reauth: one to confirm with */
        struct identity id;
        enum ident_rc ir = identity_of(c, a, in->session_account, "wechat", &id);
        int bind = in->intent == WXL_BIND;
        if (ir == IDENT_STORE_ERR || ir == (bind ? IDENT_OK : IDENT_NOTFOUND)) {
            out->outcome = ir == IDENT_STORE_ERR ? WXO_ERR : bind ? WXO_HAS_OTHER : WXO_NOT_BOUND;
            return;
        }
    }
    enum rl_rc rl =
        ratelimit_hit(c, arena_printf(a, "wechat_qr:ip:%s", in->ip), &cfg->limit_wechat_qr_ip, now);
    if (rl != RL_ALLOW) {
        out->outcome = rl == RL_DENY ? WXO_LIMITED : WXO_ERR;
        return;
    }
    char scene[TOKEN_LEN + 1], h[TOKEN_HASH_LEN + 1];
    token_new(scene); /* 256 random bits in 43 characters: within scene_str's 64 */
    struct wechat_qr qr;
    if (wechat_token_qrcode(a, scene, cfg->wechat_qr_ttl, &qr) != WXAPI_OK) {
        out->outcome = WXO_ERR;
        return;
    }
    int64_t ttl = qr.expire_seconds > 0 && qr.expire_seconds < cfg->wechat_qr_ttl
                      ? qr.expire_seconds
                      : cfg->wechat_qr_ttl;
    if (in->secret && token_wellformed(in->secret)) { /* one live ticket per browser */
        token_hash(in->secret, h);
        st_exec(c, "DELETE FROM wechat_tickets WHERE secret_hash = ?", "s", h);
    }
    token_new(out->new_secret);
    token_hash(out->new_secret, h);
    if (st_exec(c,
                "INSERT INTO wechat_tickets (scene, secret_hash, intent, account_id, wx_ticket,"
                " qr_url, lang, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                "sssisssii", scene, h, intent_names[in->intent],
                in->intent == WXL_SIGNIN ? (int64_t)0 : in->session_account, qr.ticket, qr.url,
                in->lang, now, now + ttl) != ST_OK) {
        out->new_secret[0] = 0;
        out->outcome = WXO_ERR;
        return;
    }
    out->outcome = WXO_PENDING;
    out->intent = in->intent;
    out->qr_url = qr.url;
    out->expires_in = ttl;
}

/* ---- advancing ---- */

/* Asks user/info for the unionid once, and keeps the answer on the ticket. 0, 1 when the
 * scanner no longer follows the account (WeChat then hides the unionid, so the identity could
 * not be told), or -1. */
static int resolve(struct st_conn *c, struct arena *a, struct ticket *t)
{
    if (t->resolved) return 0;
    struct wechat_user u;
    if (wechat_token_user_info(a, t->openid, &u) != WXAPI_OK) return -1;
    if (!u.subscribed) return 1;
    t->unionid = u.unionid;
    t->resolved = 1;
    return st_exec(c, "UPDATE wechat_tickets SET unionid = ?, resolved = 1 WHERE scene = ?", "ss",
                   t->unionid, t->scene) == ST_OK
               ? 0
               : -1;
}

/* The identity whose extra JSON records openid (extra() writes it first: keys sorted), when
 * one is stored under its unionid: its subject in a, or NULL. -1 on a store error. */
static int by_recorded_openid(struct st_conn *c, struct arena *a, const char *openid,
                              char **subject_out)
{
    const char *alone = arena_printf(a, "{\"openid\":\"%s\"}", openid);
    const char *head = arena_printf(a, "{\"openid\":\"%s\",", openid);
    *subject_out = NULL;
    enum st_rc rc = st_one(c, a,
                           "SELECT subject FROM identities WHERE provider = 'wechat'"
                           " AND (extra = ? OR substr(extra, 1, length(?)) = ?) LIMIT 1",
                           "sss", "s", alone, head, head, subject_out);
    return rc == ST_OK || rc == ST_NOTFOUND ? 0 : -1;
}

/* The identity of whoever scanned t (invariant 6), by either id: by subject; else, when t
 * knows the unionid, under the openid (stored before WeChat gave a unionid); else, when it
 * knows only the openid, an identity stored under a unionid that recorded this openid (a
 * ticket resolved before the Open Platform binding, completed after another one bound the
 * person under the unionid). IDENT_OK, IDENT_NOTFOUND or IDENT_STORE_ERR. */
static enum ident_rc scanner(struct st_conn *c, struct arena *a, const struct ticket *t,
                             struct identity *id)
{
    enum ident_rc rc = identity_find(c, a, "wechat", subject(t), id);
    if (rc != IDENT_NOTFOUND) return rc;
    if (t->unionid && *t->unionid) return identity_find(c, a, "wechat", t->openid, id);
    char *other = NULL;
    if (by_recorded_openid(c, a, t->openid, &other) != 0) return IDENT_STORE_ERR;
    return other ? identity_find(c, a, "wechat", other, id) : IDENT_NOTFOUND;
}

/* Refreshes the scanner's identity id (found by scanner) at a sign-in or re-authentication.
 * When t knows the unionid: both ids in extra, and a subject still under the openid moves to
 * the unionid (invariant 6: a later Open Platform login joins by the unionid; scanner()
 * looked the unionid up first and found none, so the move takes no other identity's
 * subject). A ticket that knows only the openid never moves a subject back. */
static int touch(struct st_conn *c, struct arena *a, const struct ticket *t,
                 const struct identity *id, int64_t now)
{
    int knows_union = t->unionid && *t->unionid;
    const char *x = knows_union || !strcmp(id->subject, t->openid) ? extra(a, t) : NULL;
    if (identity_touch(c, id->id, NULL, NULL, x, now) != IDENT_OK) return -1;
    if (!knows_union || !strcmp(id->subject, t->unionid)) return 0;
    if (st_exec(c,
                "UPDATE identities SET subject = ?, updated_at = ?"
                " WHERE id = ? AND provider = 'wechat' AND subject = ?",
                "siis", t->unionid, now, id->id, id->subject) != ST_OK)
        return -1;
    log_info("wechat: identity %lld now known by its unionid", (long long)id->id);
    return 0;
}

/* Locks the person who scanned t (their follower row, by openid; every scan wrote it) for the
 * caller's transaction, so that on PostgreSQL one person's identity and bonus change in one
 * transaction at a time, whichever id each ticket learnt (invariants 6, 7); SQLite writers
 * are serial anyway. 0, or -1 on a store error. */
static int lock_person(struct st_conn *c, const struct ticket *t)
{
    int64_t following = 0;
    enum st_rc rc =
        st_one(c, NULL, "SELECT following FROM wechat_followers WHERE openid = ? {{FOR_UPDATE}}",
               "s", "i", t->openid, &following);
    return rc == ST_OK || rc == ST_NOTFOUND ? 0 : -1;
}

/* The bonus for binding t's WeChat to account_id, once per person (invariant 7), under
 * lock_person: a grant under the hash of either id means it was given. */
static enum grant_rc bonus(struct st_conn *c, struct arena *a, int64_t account_id,
                           const struct ticket *t, int64_t now)
{
    int64_t n = 0;
    if (t->unionid && *t->unionid) {
        if (st_one(c, NULL, "SELECT COUNT(*) FROM grants WHERE reason = ? AND source IN (?, ?)",
                   "sss", "i", GRANT_WECHAT_BIND, grants_source(a, "wechat", t->openid),
                   grants_source(a, "wechat", t->unionid), &n) != ST_OK)
            return GRANT_ERR;
        if (n > 0) return GRANT_ALREADY;
    }
    return grants_wechat_bonus(c, a, account_id, subject(t), now);
}

/* A valid username that no account has: "wx-" and six random characters. */
static const char *suggest(struct st_conn *c, struct arena *a)
{
    static const char alpha[] = "abcdefghijkmnpqrstuvwxyz23456789";
    for (int tries = 0; tries < 5; tries++) {
        char name[10] = "wx-";
        for (int i = 3; i < 9; i++) name[i] = alpha[randombytes_uniform(sizeof(alpha) - 1)];
        name[9] = 0;
        if (account_username_exists(c, name) == 0) return arena_strdup(a, name);
    }
    return "";
}

static enum wxl_outcome sign_in(struct st_conn *c, struct arena *a, struct ticket *t,
                                const struct identity *id, const char *ip, int64_t now)
{
    struct account acct;
    if (st_begin(c) != ST_OK) return WXO_ERR;
    enum wxl_outcome out = WXO_ERR;
    int used = consume(c, t, now);
    if (used == 0) out = WXO_CONSUMED;
    if (used <= 0 || lock_person(c, t) != 0) goto fail;
    if (account_by_id(c, a, id->account_id, &acct) != ACCT_OK) goto fail;
    if (acct.status != 0) {
        audit_log(c, acct.id, "login_refused_disabled", ip, "wechat", now);
        if (st_commit(c) != ST_OK) return WXO_ERR;
        return WXO_DISABLED;
    }
    if (touch(c, a, t, id, now) != 0) goto fail;
    audit_log(c, acct.id, "login", ip, "wechat", now);
    if (st_commit(c) != ST_OK) return WXO_ERR;
    return WXO_SIGNIN;
fail:
    st_rollback(c);
    return out;
}

/* Consumes t alone: a refused bind or registration still spends its QR code. */
static void use_up(struct st_conn *c, const struct ticket *t, int64_t now)
{
    if (consume(c, t, now) < 0) log_warnx("wechat: cannot mark a ticket used");
}

/* Begins the transaction that spends t: 0 with t consumed and its person locked; otherwise
 * -1, the transaction rolled back and *out WXO_CONSUMED (used already) or WXO_ERR. */
static int spend(struct st_conn *c, struct ticket *t, int64_t now, enum wxl_outcome *out)
{
    *out = WXO_ERR;
    if (st_begin(c) != ST_OK) return -1;
    int used = consume(c, t, now);
    if (used == 0) *out = WXO_CONSUMED;
    if (used > 0 && lock_person(c, t) == 0) return 0;
    st_rollback(c);
    return -1;
}

static enum wxl_outcome bind_to(struct st_conn *c, struct arena *a, struct ticket *t,
                                const char *ip, int64_t now, int *granted)
{
    enum wxl_outcome out;
    if (spend(c, t, now, &out) != 0) return out;
    out = WXO_ERR;
    struct identity id;
    enum ident_rc ir = scanner(c, a, t, &id); /* by either id: one account per person */
    if (ir == IDENT_OK) ir = id.account_id == t->account_id ? IDENT_PROVIDER_TAKEN : IDENT_TAKEN;
    if (ir == IDENT_NOTFOUND)
        ir = identity_link(c, t->account_id, "wechat", subject(t), NULL, NULL, extra(a, t), now);
    if (ir == IDENT_TAKEN) out = WXO_TAKEN;
    if (ir == IDENT_PROVIDER_TAKEN) out = WXO_HAS_OTHER;
    if (ir != IDENT_OK) goto fail;
    enum grant_rc g = bonus(c, a, t->account_id, t, now);
    if (g == GRANT_ERR) goto fail;
    *granted = g == GRANT_OK;
    audit_log(c, t->account_id, "wechat_bound", ip, *granted ? "bonus granted" : "no bonus", now);
    if (st_commit(c) != ST_OK) return WXO_ERR;
    log_info("wechat: bound to account %lld%s", (long long)t->account_id,
             *granted ? ", bonus granted" : "");
    return WXO_BOUND;
fail:
    st_rollback(c);
    if (out == WXO_TAKEN || out == WXO_HAS_OTHER) use_up(c, t, now); /* a refusal spends it */
    return out;
}

/* A re-authentication: the scanner's WeChat must be the one bound to t->account_id. Either
 * way the ticket is spent; a mismatch changes nothing else (and is audited). */
static enum wxl_outcome reauth(struct st_conn *c, struct arena *a, struct ticket *t, const char *ip,
                               int64_t now)
{
    enum wxl_outcome out;
    if (spend(c, t, now, &out) != 0) return out;
    out = WXO_ERR;
    struct identity id;
    enum ident_rc ir = scanner(c, a, t, &id);
    if (ir == IDENT_STORE_ERR) goto fail;
    int own = ir == IDENT_OK && id.account_id == t->account_id;
    if (own && touch(c, a, t, &id, now) != 0) goto fail;
    audit_log(c, t->account_id, own ? "reauth" : "reauth_refused", ip, "wechat", now);
    if (st_commit(c) != ST_OK) return WXO_ERR;
    return own ? WXO_REAUTHED : WXO_MISMATCH;
fail:
    st_rollback(c);
    return out;
}

/* Moves a found ticket on as far as it goes without the person's input. */
static void advance(struct st_conn *c, struct arena *a, struct ticket *t, int64_t session_account,
                    const char *ip, int64_t now, struct wxl_result *out)
{
    out->intent = t->intent;
    switch (t->state) {
    case WXS_CONSUMED:
        out->outcome = WXO_CONSUMED;
        return;
    case WXS_EXPIRED:
        out->outcome = WXO_EXPIRED;
        return;
    case WXS_PENDING:
        out->outcome = WXO_PENDING;
        out->qr_url = t->qr_url;
        out->expires_in = t->expires_at - now;
        return;
    case WXS_SCANNED:
        break;
    }
    out->outcome = WXO_ERR;
    int r = resolve(c, a, t);
    if (r > 0) { /* unfollowed since the scan: the code is spent, follow and scan again */
        use_up(c, t, now);
        out->outcome = WXO_EXPIRED;
    }
    if (r != 0) return;
    if (t->intent != WXL_SIGNIN) {
        if (session_account != t->account_id)
            out->outcome = WXO_WRONG_ACCOUNT;
        else if (t->intent == WXL_BIND)
            out->outcome = bind_to(c, a, t, ip, now, &out->granted);
        else
            out->outcome = reauth(c, a, t, ip, now);
        out->account_id = t->account_id;
        return;
    }
    struct identity id;
    enum ident_rc rc = scanner(c, a, t, &id);
    if (rc == IDENT_NOTFOUND) {
        out->outcome = WXO_REGISTER;
        out->suggested = suggest(c, a);
    } else if (rc == IDENT_OK) {
        out->outcome = sign_in(c, a, t, &id, ip, now);
        out->account_id = id.account_id;
    }
}

void wechat_login_advance(struct arena *a, const char *secret, int64_t session_account,
                          const char *ip, int64_t now, struct wxl_result *out)
{
    memset(out, 0, sizeof(*out));
    struct st_conn *c = st_get();
    struct ticket t;
    int found = c ? ticket_find(c, a, secret, now, &t) : -1;
    if (found != 0) {
        out->outcome = found > 0 ? WXO_NONE : WXO_ERR;
        return;
    }
    advance(c, a, &t, session_account, ip, now, out);
}

void wechat_login_open(struct arena *a, const struct wxl_open_in *in, int64_t now,
                       struct wxl_result *out)
{
    memset(out, 0, sizeof(*out));
    out->intent = in->intent;
    struct st_conn *c = st_get();
    struct ticket t;
    int found = c ? ticket_find(c, a, in->secret, now, &t) : -1;
    if (found < 0) {
        out->outcome = WXO_ERR;
        return;
    }
    int reuse = found == 0 && t.intent == in->intent && t.state != WXS_CONSUMED &&
                (in->intent == WXL_SIGNIN || t.account_id == in->session_account) &&
                (t.state == WXS_SCANNED || (!in->fresh && t.state == WXS_PENDING) ||
                 (!in->fresh && t.state == WXS_EXPIRED));
    if (reuse)
        advance(c, a, &t, in->session_account, in->ip, now, out);
    else
        issue(c, a, in, now, out);
}

/* ---- registering ---- */

static int reg_errors(const struct wxl_register_out *o)
{
    for (int i = 0; i < WRF_COUNT; i++)
        if (o->errors[i]) return 1;
    return 0;
}

static void reg_fail(struct wxl_register_out *out, int status, const char *key)
{
    out->status = status;
    out->error = key;
}

/* The fields' rules; fills out->errors and the canonical forms (*email NULL: none given). */
static void reg_fields(struct st_conn *c, struct arena *a, const struct wxl_register_in *in,
                       struct wxl_register_out *out, const char **user, const char **email,
                       const char **email_norm)
{
    enum name_rc nr = account_username_normalize(a, in->username, user);
    if (nr != NAME_OK) out->errors[WRF_USERNAME] = account_name_error(nr);
    *email = *email_norm = NULL;
    enum email_rc er = account_email_normalize(a, in->email, email, email_norm);
    if (er == EMAIL_EMPTY)
        *email = *email_norm = NULL;
    else if (er == EMAIL_TOO_LONG)
        out->errors[WRF_EMAIL] = "signup.err.email_long";
    else if (er != EMAIL_OK)
        out->errors[WRF_EMAIL] = "signup.err.email_invalid";
    if (!in->terms) out->errors[WRF_TERMS] = "signup.err.terms";
    if (reg_errors(out)) return;
    int taken = account_username_exists(c, *user);
    if (taken > 0) out->errors[WRF_USERNAME] = "signup.err.username_taken";
    if (taken >= 0 && *email_norm) {
        taken = account_email_verified_elsewhere(c, *email_norm, 0);
        if (taken > 0) out->errors[WRF_EMAIL] = "signup.err.email_taken";
    }
    if (taken < 0) reg_fail(out, 503, "error.unavailable");
}

/* The ticket must be a resolved, scanned sign-in with no account yet. 0 when it is. */
static int reg_ticket(struct st_conn *c, struct arena *a, const struct wxl_register_in *in,
                      int64_t now, struct ticket *t, struct wxl_register_out *out)
{
    int found = ticket_find(c, a, in->secret, now, t);
    if (found < 0) {
        reg_fail(out, 503, "error.unavailable");
        return -1;
    }
    out->outcome = found                      ? WXO_NONE
                   : t->state == WXS_EXPIRED  ? WXO_EXPIRED
                   : t->state == WXS_CONSUMED ? WXO_CONSUMED
                                              : WXO_PENDING;
    if (found || t->state != WXS_SCANNED || t->intent != WXL_SIGNIN || !t->resolved) {
        reg_fail(out, 410, out->outcome == WXO_EXPIRED ? "wechat.expired" : "wechat.err.ticket");
        return -1;
    }
    out->outcome = WXO_REGISTER;
    return 0;
}

/* The transaction: ticket consumed, account, identity, bonus, verification mail, audit. */
static void reg_commit(struct st_conn *c, struct arena *a, const struct wxl_register_in *in,
                       struct ticket *t, const char *user, const char *email,
                       const char *email_norm, int64_t now, struct wxl_register_out *out)
{
    if (st_begin(c) != ST_OK) return reg_fail(out, 503, "error.unavailable");
    int used = consume(c, t, now);
    if (used == 0) reg_fail(out, 410, "wechat.err.ticket");
    if (used <= 0 || lock_person(c, t) != 0) goto fail;
    struct identity id;
    enum ident_rc ir = scanner(c, a, t, &id); /* registered meanwhile, by either id */
    if (ir == IDENT_OK) {
        out->outcome = WXO_CONSUMED;
        reg_fail(out, 409, "wechat.err.registered");
    }
    if (ir != IDENT_NOTFOUND) goto fail;
    enum acct_rc ar = account_insert(c, user, email, email_norm, 0, NULL, now, &out->account_id);
    if (ar == ACCT_USERNAME_TAKEN) out->errors[WRF_USERNAME] = "signup.err.username_taken";
    if (ar != ACCT_OK) goto fail;
    ir = identity_link(c, out->account_id, "wechat", subject(t), NULL, NULL, extra(a, t), now);
    if (ir == IDENT_TAKEN) { /* registered from another browser meanwhile */
        out->outcome = WXO_CONSUMED;
        reg_fail(out, 409, "wechat.err.registered");
    }
    if (ir != IDENT_OK) goto fail;
    if (bonus(c, a, out->account_id, t, now) == GRANT_ERR) goto fail;
    if (email && verify_send(c, a, out->account_id, email, in->lang, now) != 0) goto fail;
    audit_log(c, out->account_id, "signup", in->ip, "wechat", now);
    if (st_commit(c) != ST_OK) goto fail;
    if (email) mail_kick();
    out->status = 200;
    log_info("signup: account %lld created with WeChat", (long long)out->account_id);
    return;
fail:
    st_rollback(c);
    out->account_id = 0;
    if (out->status == 409) use_up(c, t, now); /* the QR code is spent all the same */
    if (!out->status && !reg_errors(out)) reg_fail(out, 503, "error.unavailable");
    if (!out->status) out->status = 400;
}

void wechat_login_register(struct arena *a, const struct wxl_register_in *in,
                           struct wxl_register_out *out)
{
    memset(out, 0, sizeof(*out));
    int64_t now = time(NULL);
    struct st_conn *c = st_get();
    if (!c) return reg_fail(out, 503, "error.unavailable");
    enum rl_rc rl =
        ratelimit_hit(c, arena_printf(a, "signup:ip:%s", in->ip), &cfg->limit_signup_ip, now);
    if (rl != RL_ALLOW)
        return reg_fail(out, rl == RL_DENY ? 429 : 503,
                        rl == RL_DENY ? "signup.err.rate" : "error.unavailable");
    struct ticket t;
    if (reg_ticket(c, a, in, now, &t, out) != 0) return;
    const char *user = NULL, *email = NULL, *email_norm = NULL;
    reg_fields(c, a, in, out, &user, &email, &email_norm);
    if (out->status) return;
    if (reg_errors(out)) return reg_fail(out, 400, "signup.err.summary");
    reg_commit(c, a, in, &t, user, email, email_norm, now, out);
    if (out->status == 400 && !out->error) out->error = "signup.err.summary";
}

/* ---- pushes ---- */

static int follower(struct st_conn *c, const char *openid, int following, int64_t now)
{
    return st_exec(c,
                   "INSERT INTO wechat_followers (openid, following, updated_at) VALUES (?, ?, ?)"
                   " ON CONFLICT (openid) DO UPDATE SET following = excluded.following,"
                   " updated_at = excluded.updated_at",
                   "sii", openid, (int64_t)following, now) == ST_OK
               ? 0
               : -1;
}

/* The scan of scene by p->from_user: the reply's key (in out); -1 on a store error. */
static int scan(struct st_conn *c, struct arena *a, const struct wechat_push *p, const char *scene,
                int64_t now, struct wxl_push_out *out)
{
    char *wx_ticket = NULL, *state = NULL, *openid = NULL, *lang = NULL;
    int64_t expires = 0;
    enum st_rc rc = st_one(c, a,
                           "SELECT wx_ticket, state, openid, lang, expires_at FROM wechat_tickets"
                           " WHERE scene = ?",
                           "s", "ssssi", scene, &wx_ticket, &state, &openid, &lang, &expires);
    if (rc == ST_NOTFOUND || (rc == ST_OK && p->ticket && strcmp(p->ticket, wx_ticket) != 0)) {
        if (rc == ST_OK) log_warnx("wechat: a push's Ticket does not match its scene");
        out->reply_key = "wechat.reply.unknown";
        return 0;
    }
    if (rc != ST_OK) return -1;
    out->lang = lang;
    if (!strcmp(state, "pending") && now < expires) {
        if (st_exec(c,
                    "UPDATE wechat_tickets SET state = 'scanned', openid = ?, scanned_at = ?,"
                    " expires_at = ? WHERE scene = ? AND state = 'pending'",
                    "siis", p->from_user, now, now + WECHAT_COMPLETE_TTL, scene) != ST_OK)
            return -1;
        if (st_changes(c) == 1) {
            out->reply_key = "wechat.reply.scanned";
            return 0;
        }
        /* another scan committed first (PostgreSQL re-checked the row): answer as after it */
        if (st_one(c, a, "SELECT state, openid FROM wechat_tickets WHERE scene = ?", "s", "ss",
                   scene, &state, &openid) != ST_OK)
            return -1;
    }
    if (!strcmp(state, "consumed") || (!strcmp(state, "scanned") && strcmp(openid, p->from_user)))
        out->reply_key = "wechat.reply.used";
    else if (now >= expires)
        out->reply_key = "wechat.reply.expired";
    else
        out->reply_key = "wechat.reply.scanned";
    return 0;
}

/* Applies a new push inside the caller's transaction. */
static int apply(struct st_conn *c, struct arena *a, const struct wechat_push *p, int64_t now,
                 struct wxl_push_out *out)
{
    const char *scene = NULL;
    switch (wechat_push_kind(p, &scene)) {
    case WXP_SCAN_FOLLOW:
    case WXP_SCAN:
        if (follower(c, p->from_user, 1, now) != 0) return -1;
        return scan(c, a, p, scene, now, out);
    case WXP_FOLLOW:
        out->reply_key = "wechat.reply.welcome";
        return follower(c, p->from_user, 1, now);
    case WXP_UNFOLLOW:
        return follower(c, p->from_user, 0, now);
    default:
        return 0;
    }
}

int wechat_login_push(struct arena *a, const struct wechat_push *p, int64_t now,
                      struct wxl_push_out *out)
{
    memset(out, 0, sizeof(*out));
    out->lang = cfg->default_lang;
    struct st_conn *c = st_get();
    if (!c || !p->from_user || st_begin(c) != ST_OK) return -1;
    if (st_exec(c,
                "INSERT INTO wechat_pushes (from_user, create_time, event, received_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                "sisi", p->from_user, p->create_time, p->event ? p->event : "", now) != ST_OK)
        goto fail;
    if (st_changes(c) == 0) { /* a retry: the first delivery's answer, nothing else */
        char *reply = NULL, *lang = NULL;
        if (st_one(c, a,
                   "SELECT reply, lang FROM wechat_pushes WHERE from_user = ? AND create_time = ?",
                   "si", "ss", p->from_user, p->create_time, &reply, &lang) != ST_OK)
            goto fail;
        st_rollback(c);
        out->duplicate = 1;
        out->reply_key = *reply ? reply : NULL;
        if (*lang) out->lang = lang;
        return 0;
    }
    if (apply(c, a, p, now, out) != 0) goto fail;
    if (st_exec(
            c,
            "UPDATE wechat_pushes SET reply = ?, lang = ? WHERE from_user = ? AND create_time = ?",
            "sssi", out->reply_key ? out->reply_key : "", out->lang, p->from_user,
            p->create_time) != ST_OK)
        goto fail;
    if (st_commit(c) != ST_OK) return -1;
    return 0;
fail:
    st_rollback(c);
    return -1;
}
