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
#include "resources.h"
#include "identities.h"
#include "identity.h"
#include "log.h"
#include "mail.h"
#include "ratelimit.h"
#include "registration.h"
#include "resolver.h"
#include "store.h"
#include "verify.h"
#include "wechat_followers.h"
#include "wechat_pushes.h"
#include "wechat_tickets.h"
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
    struct wechat_ticket_row row;
    enum st_rc rc = wechat_tickets_by_secret(c, a, h, &row);
    if (rc == ST_NOTFOUND) return 1;
    if (rc != ST_OK) return -1;
    t->scene = row.scene;
    t->wx_ticket = row.wx_ticket;
    t->qr_url = row.qr_url;
    t->openid = row.openid;
    t->unionid = row.unionid;
    t->lang = row.lang;
    t->account_id = row.account_id;
    t->resolved = row.resolved;
    t->expires_at = row.expires_at;
    t->intent = intent_parse(row.intent);
    if (!strcmp(row.state, "consumed"))
        t->state = WXS_CONSUMED;
    else if (now >= t->expires_at)
        t->state = WXS_EXPIRED;
    else
        t->state = !strcmp(row.state, "scanned") ? WXS_SCANNED : WXS_PENDING;
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
    return wechat_tickets_consume(c, t->scene, now);
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
        wechat_tickets_delete_secret(c, h);
    }
    token_new(out->new_secret);
    token_hash(out->new_secret, h);
    struct wechat_ticket_row row = {
        .scene = scene,
        .secret_hash = h,
        .intent = (char *)intent_names[in->intent],
        .account_id = in->intent == WXL_SIGNIN ? 0 : in->session_account,
        .wx_ticket = qr.ticket,
        .qr_url = qr.url,
        .lang = (char *)in->lang,
        .created_at = now,
        .expires_at = now + ttl,
    };
    if (wechat_tickets_insert(c, &row) != 0) {
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
    return wechat_tickets_resolve(c, t->scene, t->unionid);
}

/* The identity whose extra JSON records openid (extra() writes it first: keys sorted), when
 * one is stored under its unionid: its subject in a, or NULL. -1 on a store error. */
static int by_recorded_openid(struct st_conn *c, struct arena *a, const char *openid,
                              char **subject_out)
{
    const char *alone = arena_printf(a, "{\"openid\":\"%s\"}", openid);
    const char *head = arena_printf(a, "{\"openid\":\"%s\",", openid);
    *subject_out = NULL;
    enum st_rc rc = identities_find_by_extra(c, a, "wechat", alone, head, subject_out);
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
    if (identities_resubject(c, id->id, id->subject, t->unionid, now) != 0) return -1;
    log_info("wechat: identity %lld now known by its unionid", (long long)id->id);
    return 0;
}

/* Locks the person who scanned t (their follower row, by openid; every scan wrote it) for the
 * caller's transaction, so that on PostgreSQL one person's identity and bonus change in one
 * transaction at a time, whichever id each ticket learnt (invariants 6, 7); SQLite writers
 * are serial anyway. 0, or -1 on a store error. */
static int lock_person(struct st_conn *c, const struct ticket *t)
{
    return wechat_followers_lock(c, t->openid);
}

/* The bonus for binding t's WeChat to account_id, once per person (invariant 7), under
 * lock_person: a grant under the hash of either id means it was given. */
static enum grant_rc bonus(struct st_conn *c, struct arena *a, int64_t account_id,
                           const struct ticket *t, int64_t now)
{
    if (t->unionid && *t->unionid) {
        int given = grants_given(c, GRANT_WECHAT_BIND, grants_source(a, "wechat", t->openid),
                                 grants_source(a, "wechat", t->unionid));
        if (given < 0) return GRANT_ERR;
        if (given) return GRANT_ALREADY;
    }
    return resources_wechat_bonus(c, a, account_id, subject(t), now);
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

/* The ticket's outcome for each of the resolver's. */
static const enum wxl_outcome from_resolved[] = {
    [RESOLVED_SIGNIN] = WXO_SIGNIN,
    [RESOLVED_SIGNUP] = WXO_REGISTER,
    [RESOLVED_BOUND] = WXO_BOUND,
    [RESOLVED_ALREADY] = WXO_HAS_OTHER, /* its one WeChat is bound already */
    [RESOLVED_REAUTHED] = WXO_REAUTHED,
    [RESOLVE_EMAIL_TAKEN] = WXO_ERR, /* never: WeChat gives no address */
    [RESOLVE_TAKEN] = WXO_TAKEN,
    [RESOLVE_PROVIDER_TAKEN] = WXO_HAS_OTHER,
    [RESOLVE_MISMATCH] = WXO_MISMATCH,
    [RESOLVE_DISABLED] = WXO_DISABLED,
    [RESOLVE_ERR] = WXO_ERR,
};

static enum ident_rc find_scanner(struct st_conn *c, struct arena *a, void *ctx,
                                  struct identity *out)
{
    return scanner(c, a, ctx, out); /* by either id: one account per person */
}

/* Spends t and resolves whoever scanned it for its intent (resolver.h), in one transaction
 * (invariant 3). Kept: a sign-in or a re-authentication (the identity touched), a bind (with
 * the bonus: *granted), and the refusals the resolver audited (disabled, mismatch); anything
 * else is rolled back, a refused bind still spending its QR code. */
static enum wxl_outcome complete(struct st_conn *c, struct arena *a, struct ticket *t,
                                 const char *ip, int64_t now, int *granted)
{
    enum wxl_outcome out;
    if (spend(c, t, now, &out) != 0) return out;
    struct resolve_in in = {
        .provider = "wechat",
        .intent = t->intent == WXL_BIND     ? RESOLVE_BIND
                  : t->intent == WXL_REAUTH ? RESOLVE_REAUTH
                                            : RESOLVE_SIGNIN,
        .account_id = t->account_id,
        .subject = subject(t),
        .extra = t->intent == WXL_BIND ? extra(a, t) : NULL, /* touch() keeps it otherwise */
        .ip = ip,
        .find = find_scanner,
        .find_ctx = t,
    };
    struct resolve_out res;
    enum resolve_outcome ro = resolver_run(c, a, &in, now, &res);
    out = from_resolved[ro];
    if ((ro == RESOLVED_SIGNIN || ro == RESOLVED_REAUTHED) && touch(c, a, t, &res.identity, now))
        out = WXO_ERR;
    enum grant_rc g = ro == RESOLVED_BOUND ? bonus(c, a, t->account_id, t, now) : GRANT_ALREADY;
    if (g == GRANT_ERR) out = WXO_ERR;
    *granted = g == GRANT_OK;
    if (out == WXO_SIGNIN || out == WXO_BOUND || out == WXO_REAUTHED || out == WXO_DISABLED ||
        out == WXO_MISMATCH) {
        if (st_commit(c) != ST_OK) return WXO_ERR;
        if (out == WXO_BOUND)
            log_info("wechat: bound to account %lld%s", (long long)t->account_id,
                     *granted ? ", bonus granted" : "");
        return out;
    }
    st_rollback(c);
    if (out == WXO_TAKEN || out == WXO_HAS_OTHER) use_up(c, t, now); /* a refusal spends it */
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
        else
            out->outcome = complete(c, a, t, ip, now, &out->granted);
        out->account_id = t->account_id;
        return;
    }
    struct identity id; /* known: sign in (the resolver looks again, under the lock) */
    enum ident_rc rc = scanner(c, a, t, &id);
    if (rc == IDENT_OK) {
        out->outcome = complete(c, a, t, ip, now, &out->granted);
        out->account_id = id.account_id;
    }
    if (rc == IDENT_NOTFOUND || out->outcome == WXO_REGISTER) {
        out->outcome = WXO_REGISTER;
        out->suggested = suggest(c, a);
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

/* The ticket must be a resolved, scanned sign-in with no account yet. 0 when it is; else
 * -1 with out->outcome the ticket's state (WXO_NONE when it could not be read: *rc REG_STORE_ERR).
 */
static int reg_ticket(struct st_conn *c, struct arena *a, const struct wxl_register_in *in,
                      int64_t now, struct ticket *t, struct wxl_register_out *out,
                      enum reg_outcome *rc)
{
    int found = ticket_find(c, a, in->secret, now, t);
    *rc = found < 0 ? REG_STORE_ERR : REG_GONE;
    if (found < 0) return -1;
    out->outcome = found                      ? WXO_NONE
                   : t->state == WXS_EXPIRED  ? WXO_EXPIRED
                   : t->state == WXS_CONSUMED ? WXO_CONSUMED
                                              : WXO_PENDING;
    if (found || t->state != WXS_SCANNED || t->intent != WXL_SIGNIN || !t->resolved) return -1;
    out->outcome = WXO_REGISTER;
    return 0;
}

struct reg_claim {
    struct ticket *t;
    int64_t now;
    int *granted; /* set when the bonus was granted */
};

/* registration_create's claim: the ticket consumed, its person locked and still without an
 * account (by either id). */
static enum reg_outcome reg_consume(struct st_conn *c, struct arena *a, void *ctx)
{
    struct reg_claim *k = ctx;
    int used = consume(c, k->t, k->now);
    if (used <= 0) return used < 0 ? REG_STORE_ERR : REG_GONE;
    if (lock_person(c, k->t) != 0) return REG_STORE_ERR;
    struct identity id;
    enum ident_rc ir = scanner(c, a, k->t, &id); /* registered meanwhile, by either id */
    return ir == IDENT_NOTFOUND ? REG_OK : ir == IDENT_OK ? REG_TAKEN : REG_STORE_ERR;
}

/* registration_create's extras: the bonus. */
static enum reg_outcome reg_bonus(struct st_conn *c, struct arena *a, int64_t account_id, void *ctx)
{
    struct reg_claim *k = ctx;
    enum grant_rc g = bonus(c, a, account_id, k->t, k->now);
    *k->granted = g == GRANT_OK;
    return g == GRANT_ERR ? REG_STORE_ERR : REG_OK;
}

enum reg_outcome wechat_login_register(struct arena *a, const struct wxl_register_in *in,
                                       struct wxl_register_out *out)
{
    memset(out, 0, sizeof(*out));
    int64_t now = time(NULL);
    struct st_conn *c = NULL;
    enum reg_outcome rc = registration_start(a, in->ip, now, &c);
    if (rc != REG_OK) return rc;
    struct ticket t;
    if (reg_ticket(c, a, in, now, &t, out, &rc) != 0) return rc;
    struct reg_fields f = {
        .username = in->username,
        .email = in->email,
        .terms = in->terms,
        .email_optional = 1,
        .email_taken_key = "signup.err.email_taken",
    };
    struct reg_form form;
    rc = registration_check(c, a, &f, &form, out->errors);
    if (rc != REG_OK) return rc;
    struct reg_identity id = {"wechat", subject(&t), NULL, NULL, extra(a, &t)};
    struct reg_claim k = {&t, now, &out->granted};
    struct reg_new n = {
        .form = &form,
        .identity = &id,
        .email_taken_key = f.email_taken_key,
        .ip = in->ip,
        .lang = in->lang,
        .audit_detail = "wechat",
        .claim = reg_consume,
        .extras = reg_bonus,
        .ctx = &k,
    };
    rc = registration_create(c, a, &n, out->errors, &out->account_id);
    if (rc == REG_TAKEN) { /* registered from another browser meanwhile */
        out->outcome = WXO_CONSUMED;
        use_up(c, &t, now); /* the QR code is spent all the same */
    }
    return rc;
}

/* ---- pushes ---- */

/* The scan of scene by p->from_user: the reply's key (in out); -1 on a store error. */
static int scan(struct st_conn *c, struct arena *a, const struct wechat_push *p, const char *scene,
                int64_t now, struct wxl_push_out *out)
{
    struct wechat_ticket_row row;
    enum st_rc rc = wechat_tickets_by_scene(c, a, scene, &row);
    if (rc == ST_NOTFOUND || (rc == ST_OK && (!p->ticket || strcmp(p->ticket, row.wx_ticket)))) {
        if (rc == ST_OK) log_warnx("wechat: a push's Ticket is missing or not its scene's");
        out->reply_key = "wechat.reply.unknown";
        return 0;
    }
    if (rc != ST_OK) return -1;
    out->lang = row.lang;
    const char *state = row.state, *openid = row.openid;
    int64_t expires = row.expires_at;
    if (!strcmp(state, "pending") && now < expires) {
        int moved = wechat_tickets_scan(c, scene, p->from_user, now, now + WECHAT_COMPLETE_TTL);
        if (moved < 0) return -1;
        if (moved) {
            out->reply_key = "wechat.reply.scanned";
            return 0;
        }
        /* another scan committed first (PostgreSQL re-checked the row): answer as after it */
        if (wechat_tickets_by_scene(c, a, scene, &row) != ST_OK) return -1;
        state = row.state;
        openid = row.openid;
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
        if (wechat_followers_set(c, p->from_user, 1, now) != 0) return -1;
        return scan(c, a, p, scene, now, out);
    case WXP_FOLLOW:
        out->reply_key = "wechat.reply.welcome";
        return wechat_followers_set(c, p->from_user, 1, now);
    case WXP_UNFOLLOW:
        return wechat_followers_set(c, p->from_user, 0, now);
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
    int fresh = wechat_pushes_insert(c, p->from_user, p->create_time, p->event, now);
    if (fresh < 0) goto fail;
    if (!fresh) { /* a retry: the first delivery's answer, nothing else */
        char *reply = NULL, *lang = NULL;
        if (wechat_pushes_reply_of(c, a, p->from_user, p->create_time, &reply, &lang) != ST_OK)
            goto fail;
        st_rollback(c);
        out->duplicate = 1;
        out->reply_key = *reply ? reply : NULL;
        if (*lang) out->lang = lang;
        return 0;
    }
    if (apply(c, a, p, now, out) != 0) goto fail;
    if (wechat_pushes_set_reply(c, p->from_user, p->create_time,
                                out->reply_key ? out->reply_key : "", out->lang) != 0)
        goto fail;
    if (st_commit(c) != ST_OK) return -1;
    return 0;
fail:
    st_rollback(c);
    return -1;
}
