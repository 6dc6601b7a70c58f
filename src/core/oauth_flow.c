/* oauth_flow: see oauth_flow.h for the flow and its invariants. The state and pending rows
 * are taken with DELETE … RETURNING, so a second use finds nothing whatever the timing; the
 * registration consumes its pending row inside the transaction that creates the account, so
 * a failed registration leaves the row for another try. */
#include "oauth_flow.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "arena.h"
#include "audit.h"
#include "clock.h"
#include "config.h"
#include "identity.h"
#include "log.h"
#include "mail.h"
#include "oauth2.h"
#include "oauth_pending.h"
#include "oauth_states.h"
#include "password.h"
#include "provider_token.h"
#include "ratelimit.h"
#include "registration.h"
#include "resolver.h"
#include "store.h"
#include "text.h"
#include "token.h"
#include "verify.h"
#include "ways_in.h"

#define SUGGEST_BASE_MAX 26

static const char *const intent_names[] = {"signin", "bind", "reauth"};

const char *oauth_intent_name(enum oauth_intent i)
{
    return i <= OAUTH_INTENT_REAUTH ? intent_names[i] : "signin";
}

static enum oauth_intent intent_parse(const char *s)
{
    for (int i = 0; i <= OAUTH_INTENT_REAUTH; i++)
        if (s && !strcmp(s, intent_names[i])) return (enum oauth_intent)i;
    return OAUTH_INTENT_SIGNIN;
}

/* The provider's address in display form when it is a valid address, else NULL. */
static const char *clean_email(struct arena *a, const char *email, const char **norm)
{
    const char *display = NULL, *n = NULL;
    if (!email || account_email_normalize(a, email, &display, &n) != EMAIL_OK) return NULL;
    if (norm) *norm = n;
    return display;
}

/* ---- start ---- */

enum oauth_start_rc oauth_flow_start(struct arena *a, const struct oauth_start_in *in,
                                     struct oauth_start_out *out)
{
    memset(out, 0, sizeof(*out));
    const struct oauth2_provider *p = oauth2_provider_get(a, in->provider);
    if (!p) return OSTART_OFF;
    if (in->repos && p->repos_scope) {
        struct oauth2_provider *wide = arena_memdup(a, p, sizeof(*p));
        wide->scope = p->repos_scope;
        p = wide;
    }
    struct st_conn *c = st_get();
    if (!c) return OSTART_ERR;
    int64_t now = time(NULL);
    enum rl_rc rl =
        ratelimit_hit(c, arena_printf(a, "oauth:ip:%s", in->ip), &cfg->limit_login_ip, now);
    if (rl == RL_ERR) return OSTART_ERR;
    if (rl == RL_DENY) return OSTART_LIMITED;

    char *browser = arena_alloc(a, TOKEN_LEN + 1), state[TOKEN_LEN + 1];
    char verifier[TOKEN_LEN + 1], sh[TOKEN_HASH_LEN + 1], bh[TOKEN_HASH_LEN + 1];
    if (token_wellformed(in->browser))
        memcpy(browser, in->browser, TOKEN_LEN + 1);
    else
        token_new(browser);
    token_new(state);
    token_new(verifier); /* 43 base64url characters: a valid RFC 7636 code_verifier */
    token_hash(state, sh);
    token_hash(browser, bh);
    struct oauth_state_row row = {
        .state_hash = sh,
        .browser_hash = bh,
        .provider = (char *)p->name,
        .intent = (char *)oauth_intent_name(in->intent),
        .verifier = p->pkce ? verifier : NULL,
        .next = (char *)in->next,
        .account_id = in->account_id,
        .created_at = now,
        .expires_at = now + OAUTH_STATE_TTL,
        .repos = in->repos && p->repos_scope,
    };
    if (oauth_states_insert(c, &row) != 0) return OSTART_ERR;
    out->url = oauth2_authorize_url(a, p, oauth2_redirect_uri(a, cfg->origin, p->name), state,
                                    p->pkce ? verifier : NULL);
    out->browser = browser;
    sodium_memzero(verifier, sizeof(verifier));
    return OSTART_OK;
}

/* ---- callback ---- */

/* Takes (deletes) the state row of state and checks it belongs to this browser and
 * provider and is still young. 1 valid, 0 not, -1 store error. */
static int state_take(struct st_conn *c, struct arena *a, const struct oauth_callback_in *in,
                      struct oauth_state_row *row, int64_t now)
{
    if (!token_wellformed(in->state)) return 0;
    char sh[TOKEN_HASH_LEN + 1], bh[TOKEN_HASH_LEN + 1];
    token_hash(in->state, sh);
    enum st_rc rc = oauth_states_take(c, a, sh, row);
    if (rc == ST_NOTFOUND) return 0;
    if (rc != ST_OK) return -1;
    if (!token_wellformed(in->browser)) return 0;
    token_hash(in->browser, bh);
    return token_equal(bh, row->browser_hash) && !strcmp(row->provider, in->provider) &&
           now < row->expires_at;
}

static enum oauth_outcome from_rc(enum oauth2_rc rc)
{
    switch (rc) {
    case OAUTH2_OK:
        return OAUTH_SIGNED_IN;
    case OAUTH2_TIMEOUT:
        return OAUTH_TIMEOUT;
    case OAUTH2_REJECTED:
        return OAUTH_REJECTED;
    case OAUTH2_BAD_RESPONSE:
        return OAUTH_BAD_RESPONSE;
    default:
        return OAUTH_UNAVAILABLE;
    }
}

/* A pending sign-up for user; its token into out->pending. */
/* The provider's tokens as provider_token keeps them (times made absolute), in a. */
static struct pt_plain plain_of(const struct oauth2_token *t, int64_t now)
{
    return (struct pt_plain){t->access_token, t->refresh_token, t->scope,
                             t->expires_in ? now + t->expires_in : 0};
}

/* A pending sign-up for user, with its tokens sealed; its token into out->pending. */
static enum oauth_outcome pending_create(struct st_conn *c, struct arena *a,
                                         const struct oauth2_provider *p,
                                         const struct oauth2_result *res, const char *email,
                                         struct oauth_callback_out *out, int64_t now)
{
    const struct oauth2_user *u = &res->user;
    char *tok = arena_alloc(a, TOKEN_LEN + 1), h[TOKEN_HASH_LEN + 1];
    token_new(tok);
    token_hash(tok, h);
    struct pt_plain plain = plain_of(&res->token, now);
    struct pt_sealed s;
    if (provider_token_seal(a, p->name, u->id, &plain, &s) != 0) memset(&s, 0, sizeof(s));
    struct oauth_pending_row row = {
        .id_hash = h,
        .provider = (char *)p->name,
        .subject = u->id,
        .login = u->login,
        .name = u->name,
        .email = (char *)email,
        .next = (char *)out->next,
        .created_at = now,
        .expires_at = now + OAUTH_PENDING_TTL,
        .token_ct = (char *)s.access_ct,
        .refresh_ct = (char *)s.refresh_ct,
        .token_scope = (char *)s.scope,
        .token_expires_at = s.expires_at,
    };
    if (oauth_pending_insert(c, &row) != 0) return OAUTH_STORE_ERR;
    out->pending = tok;
    return OAUTH_COMPLETE;
}

/* The callback's outcome for each of the resolver's (RESOLVED_SIGNUP: a pending sign-up). */
static const enum oauth_outcome from_resolved[] = {
    [RESOLVED_SIGNIN] = OAUTH_SIGNED_IN,
    [RESOLVED_SIGNUP] = OAUTH_COMPLETE,
    [RESOLVED_BOUND] = OAUTH_BOUND,
    [RESOLVED_ALREADY] = OAUTH_ALREADY,
    [RESOLVED_REAUTHED] = OAUTH_REAUTHED,
    [RESOLVE_EMAIL_TAKEN] = OAUTH_EMAIL_TAKEN,
    [RESOLVE_TAKEN] = OAUTH_TAKEN,
    [RESOLVE_PROVIDER_TAKEN] = OAUTH_PROVIDER_TAKEN,
    [RESOLVE_MISMATCH] = OAUTH_REAUTH_MISMATCH,
    [RESOLVE_DISABLED] = OAUTH_DISABLED,
    [RESOLVE_ERR] = OAUTH_STORE_ERR,
};

/* The provider's user for the intent (resolver.h); an unknown one signing in gets a pending
 * sign-up. */
static enum oauth_outcome resolve(struct st_conn *c, struct arena *a,
                                  const struct oauth2_provider *p, const struct oauth2_result *res,
                                  const struct oauth_callback_in *in,
                                  struct oauth_callback_out *out, int64_t now)
{
    const struct oauth2_user *u = &res->user;
    const char *norm = NULL, *email = clean_email(a, u->email, &norm);
    struct resolve_in rin = {
        .provider = p->name,
        .intent = out->intent == OAUTH_INTENT_BIND     ? RESOLVE_BIND
                  : out->intent == OAUTH_INTENT_REAUTH ? RESOLVE_REAUTH
                                                       : RESOLVE_SIGNIN,
        .account_id = in->session_account,
        .subject = u->id,
        .login = u->login,
        .email = email,
        .email_norm = norm,
        .ip = in->ip,
    };
    struct resolve_out rout;
    enum resolve_outcome ro = resolver_run(c, a, &rin, now, &rout);
    if (ro == RESOLVED_SIGNUP) return pending_create(c, a, p, res, email, out, now);
    if (ro == RESOLVE_EMAIL_TAKEN) out->email = email;
    if (ro == RESOLVED_SIGNIN) out->account_id = rout.account_id;
    return from_resolved[ro];
}

/* Keeps the provider's tokens for the account the callback signed in, bound or
 * re-authenticated (invariant 5; the pending sign-up keeps its own). A bind replaces what is
 * stored; a sign-in or a re-authentication keeps a wider grant. A failure costs only the Code
 * Build listing (it will ask to bind again), so it is logged, not returned. */
static void keep_token(struct st_conn *c, struct arena *a, const struct oauth2_provider *p,
                       const struct oauth2_result *res, int64_t account_id, enum oauth_outcome o,
                       int64_t now)
{
    if (o != OAUTH_SIGNED_IN && o != OAUTH_BOUND && o != OAUTH_ALREADY && o != OAUTH_REAUTHED)
        return;
    int bind = o == OAUTH_BOUND || o == OAUTH_ALREADY;
    struct pt_plain plain = plain_of(&res->token, now);
    struct pt_sealed s;
    if (provider_token_seal(a, p->name, res->user.id, &plain, &s) != 0 ||
        provider_token_put(c, account_id, p->name, res->user.id, &s, bind ? NULL : p->repos_grant,
                           now) < 0)
        log_warnx("oauth: %s: the token for account %lld was not kept", p->name,
                  (long long)account_id);
}

/* The part after a valid state: the provider's error, the exchange, then the intent. */
static enum oauth_outcome callback_run(struct st_conn *c, struct arena *a,
                                       const struct oauth2_provider *p,
                                       const struct oauth_callback_in *in,
                                       const struct oauth_state_row *st,
                                       struct oauth_callback_out *out, int64_t now)
{
    if (out->intent != OAUTH_INTENT_SIGNIN &&
        (!in->session_account || in->session_account != st->account_id))
        return OAUTH_SESSION_CHANGED;
    if (!in->code || !*in->code || strlen(in->code) > 512) return OAUTH_PROVIDER_ERROR;
    int64_t timeout = cfg->oauth_timeout > 0 ? cfg->oauth_timeout : 10;
    struct oauth2_result res;
    enum oauth2_rc rc =
        oauth2_complete(a, p, in->code, oauth2_redirect_uri(a, cfg->origin, p->name), st->verifier,
                        clock_mono_us() + timeout * 1000000, &res);
    if (rc != OAUTH2_OK) return from_rc(rc);
    out->login = res.user.login;
    enum oauth_outcome o = resolve(c, a, p, &res, in, out, now);
    keep_token(c, a, p, &res, o == OAUTH_SIGNED_IN ? out->account_id : in->session_account, o, now);
    return o;
}

static const char *const outcome_names[] = {
    "signed in", "complete",       "bound",           "already bound", "reauthenticated",
    "off",       "denied",         "provider error",  "bad state",     "session changed",
    "rejected",  "timeout",        "unavailable",     "bad response",  "email taken",
    "taken",     "provider taken", "reauth mismatch", "disabled",      "store error",
};
_Static_assert(sizeof(outcome_names) / sizeof(outcome_names[0]) == OAUTH_STORE_ERR + 1,
               "a name per outcome");

void oauth_flow_callback(struct arena *a, const struct oauth_callback_in *in,
                         struct oauth_callback_out *out)
{
    memset(out, 0, sizeof(*out));
    const struct oauth2_provider *p = oauth2_provider_get(a, in->provider);
    out->label = oauth2_provider_label(in->provider);
    if (!p) {
        out->outcome = OAUTH_OFF;
        return;
    }
    struct st_conn *c = st_get();
    int64_t now = time(NULL);
    struct oauth_state_row st;
    memset(&st, 0, sizeof(st));
    int valid = c ? state_take(c, a, in, &st, now) : -1;
    if (valid > 0) {
        out->intent = intent_parse(st.intent);
        out->next = st.next;
        out->repos = st.repos != 0;
    }
    if (valid < 0)
        out->outcome = OAUTH_STORE_ERR;
    else if (in->error) /* the state is used up either way */
        out->outcome = !strcmp(in->error, "access_denied") ? OAUTH_DENIED : OAUTH_PROVIDER_ERROR;
    else if (!valid)
        out->outcome = OAUTH_BAD_STATE;
    else
        out->outcome = callback_run(c, a, p, in, &st, out, now);
    log_info("oauth: %s %s callback: %s", p->name, oauth_intent_name(out->intent),
             outcome_names[out->outcome]);
}

/* ---- complete your account ---- */

static int taken_in_store(void *ctx, const char *name)
{
    return account_username_exists(ctx, name);
}

/* The suggestion's base: folded login, other characters as single '-', trimmed, short. */
static char *suggest_base(struct arena *a, const char *login)
{
    const char *f = login ? text_fold(a, login) : NULL;
    char *b = arena_alloc(a, SUGGEST_BASE_MAX + 1);
    size_t n = 0;
    for (const char *s = f ? f : ""; *s && n < SUGGEST_BASE_MAX; s++) {
        int alnum = (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9');
        char ch = alnum ? *s : *s == '_' ? '_' : '-';
        if (!alnum && (n == 0 || b[n - 1] == '-' || b[n - 1] == '_')) continue;
        b[n++] = ch;
    }
    while (n && (b[n - 1] == '-' || b[n - 1] == '_')) n--;
    b[n] = 0;
    return n ? b : arena_strdup(a, "user");
}

/* 1 when name is a free, valid, unreserved username; 0 when not; -1 on error. */
static int suggest_ok(struct arena *a, const char *name, int (*taken)(void *ctx, const char *name),
                      void *ctx)
{
    const char *canon;
    if (account_username_normalize(a, name, &canon) != NAME_OK || strcmp(canon, name)) return 0;
    int t = taken(ctx, name);
    return t < 0 ? -1 : !t;
}

const char *oauth_flow_suggest_username(struct arena *a, const char *login,
                                        int (*taken)(void *ctx, const char *name), void *ctx)
{
    const char *base = suggest_base(a, login);
    for (int i = 1; i < 110; i++) {
        const char *name = i == 1 ? base
                           : i < 100
                               ? arena_printf(a, "%s-%d", base, i)
                               : arena_printf(a, "%s-%u", base, 1000 + randombytes_uniform(9000));
        int ok = suggest_ok(a, name, taken, ctx);
        if (ok < 0) return NULL;
        if (ok) return name;
    }
    return base; /* nothing free: the form says so when it is sent */
}

static int pending_read(struct st_conn *c, struct arena *a, const char *token,
                        struct oauth_pending *out, int64_t now)
{
    memset(out, 0, sizeof(*out));
    if (!token_wellformed(token)) return 0;
    char h[TOKEN_HASH_LEN + 1];
    token_hash(token, h);
    struct oauth_pending_row row;
    enum st_rc rc = oauth_pending_get(c, a, h, now, &row);
    if (rc == ST_NOTFOUND) return 0;
    if (rc != ST_OK) return -1;
    out->provider = row.provider;
    out->label = oauth2_provider_label(row.provider);
    out->subject = row.subject;
    out->login = row.login;
    out->name = row.name;
    out->email = row.email;
    out->next = row.next;
    return 1;
}

int oauth_flow_pending(struct arena *a, const char *token, struct oauth_pending *out)
{
    struct st_conn *c = st_get();
    if (!c) return -1;
    int rc = pending_read(c, a, token, out, time(NULL));
    if (rc <= 0) return rc;
    out->suggestion =
        oauth_flow_suggest_username(a, out->login ? out->login : out->name, taken_in_store, c);
    return out->suggestion ? 1 : -1;
}

/* The pending sign-up being registered: registration_create's claim and extras. */
struct reg_claim {
    const char *token; /* OAUTH_PENDING_COOKIE */
    const struct oauth_pending *pd;
    struct pt_sealed tok; /* the provider's tokens, taken with the row */
    int64_t now;
};

/* Takes the pending row inside the transaction (invariant 3: a rollback leaves it). */
static enum reg_outcome reg_take(struct st_conn *c, struct arena *a, void *ctx)
{
    struct reg_claim *k = ctx;
    char h[TOKEN_HASH_LEN + 1];
    token_hash(k->token, h);
    struct oauth_pending_row row;
    enum st_rc rc = oauth_pending_take(c, a, h, k->now, &row);
    if (rc == ST_NOTFOUND) return REG_GONE;
    if (rc != ST_OK) return REG_STORE_ERR;
    k->tok =
        (struct pt_sealed){row.token_ct, row.refresh_ct, row.token_scope, row.token_expires_at};
    return REG_OK;
}

/* Moves the provider's tokens to the new account (invariant 5). */
static enum reg_outcome reg_tokens(struct st_conn *c, struct arena *a, int64_t account_id,
                                   void *ctx)
{
    (void)a;
    struct reg_claim *k = ctx;
    if (!k->tok.access_ct) return REG_OK;
    return provider_token_put(c, account_id, k->pd->provider, k->pd->subject, &k->tok, NULL,
                              k->now) < 0
               ? REG_STORE_ERR
               : REG_OK;
}

enum reg_outcome oauth_flow_register(struct arena *a, const struct oauth_register_in *in,
                                     struct oauth_register_out *out)
{
    memset(out, 0, sizeof(*out));
    int64_t now = time(NULL);
    struct st_conn *c = NULL;
    enum reg_outcome o = registration_start(a, in->ip, now, &c);
    if (o != REG_OK) return o;
    struct oauth_pending pd;
    int have = pending_read(c, a, in->pending, &pd, now);
    if (have <= 0) return have < 0 ? REG_STORE_ERR : REG_GONE;
    struct reg_fields f = {
        .username = in->username,
        .email = in->email,
        .terms = in->terms,
        .email_taken_key = "oauth.err.email_taken",
    };
    struct reg_form form;
    o = registration_check(c, a, &f, &form, out->errors);
    if (o != REG_OK) return o;
    const char *pnorm = NULL;
    out->verified = clean_email(a, pd.email, &pnorm) && !strcmp(pnorm, form.email_norm);
    struct reg_identity id = {pd.provider, pd.subject, pd.login, pd.email, NULL};
    struct reg_claim k = {.token = in->pending, .pd = &pd, .now = now};
    struct reg_new n = {
        .form = &form,
        .email_verified = out->verified,
        .identity = &id,
        .email_taken_key = f.email_taken_key,
        .ip = in->ip,
        .lang = in->lang,
        .audit_detail = pd.provider,
        .claim = reg_take,
        .extras = reg_tokens,
        .ctx = &k,
    };
    o = registration_create(c, a, &n, out->errors, &out->account_id);
    if (o != REG_OK) out->verified = 0;
    out->next = pd.next;
    out->provider = pd.provider;
    return o;
}

/* ---- linked accounts ---- */

int oauth_flow_identities(struct arena *a, int64_t account_id, struct identity **out, int *n)
{
    struct st_conn *c = st_get();
    return c ? identity_list(c, a, account_id, out, n) : -1;
}

static const struct identity *find_ident(const struct identity *v, int n, const char *provider)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(v[i].provider, provider)) return &v[i];
    return NULL;
}

static void add_row(struct arena *a, struct oauth_account_row *r, const char *provider,
                    const char *label, int offered, const struct identity *id)
{
    r->provider = provider;
    r->label = label;
    r->offered = offered;
    r->bind_href = arena_printf(a, "/auth/%s?intent=bind", provider);
    r->bound = id != NULL;
    r->login = id ? id->login : NULL;
    r->linked_at = id ? id->created_at : 0;
}

int oauth_flow_accounts(struct arena *a, int64_t account_id, struct oauth_account_row **rows,
                        int *n, int *has_password)
{
    struct st_conn *c = st_get();
    struct identity *ids = NULL;
    int nid = 0;
    struct account acct;
    if (!c || identity_list(c, a, account_id, &ids, &nid) != 0 ||
        account_by_id(c, a, account_id, &acct) != ACCT_OK)
        return -1;
    *has_password = acct.password_hash != NULL;
    struct oauth_account_row *v = arena_alloc(a, sizeof(*v) * 4);
    int k = 0;
    for (int i = 0; oauth2_provider_names[i]; i++) {
        const char *name = oauth2_provider_names[i];
        const struct identity *id = find_ident(ids, nid, name);
        int offered = oauth2_provider_enabled(name);
        if (offered || id) add_row(a, &v[k++], name, oauth2_provider_label(name), offered, id);
    }
    const struct identity *wx = find_ident(ids, nid, "wechat");
    if (*cfg->wechat_app_id || wx) add_row(a, &v[k++], "wechat", NULL, *cfg->wechat_app_id, wx);
    *rows = v;
    *n = k;
    return 0;
}

/* The provider to re-authenticate with: the one being unbound when it is an OAuth2
 * provider still offered, else another offered one the account is bound to. */
static const char *reauth_provider(struct st_conn *c, struct arena *a, int64_t account_id,
                                   const char *unbinding)
{
    /* WeChat too: /auth/wechat?intent=reauth confirms by a scan */
    if (ways_in_provider(unbinding)) return unbinding;
    struct identity *ids = NULL;
    int n = 0;
    if (identity_list(c, a, account_id, &ids, &n) != 0) return NULL;
    for (int i = 0; i < n; i++)
        if (ways_in_provider(ids[i].provider)) return ids[i].provider;
    return NULL;
}

/* Not fresh: the password when the account has one, else a re-authentication. */
static enum oauth_unbind_rc unbind_confirm(struct st_conn *c, struct arena *a,
                                           const struct oauth_unbind_in *in,
                                           struct oauth_unbind_out *out, int64_t now)
{
    struct account acct;
    if (account_by_id(c, a, in->account_id, &acct) != ACCT_OK) return OUNBIND_ERR;
    if (!acct.password_hash) {
        out->reauth_provider = reauth_provider(c, a, in->account_id, in->provider);
        return OUNBIND_NEED_REAUTH;
    }
    if (!in->password || !*in->password) return OUNBIND_NEED_PASSWORD;
    enum rl_rc rl = ratelimit_hit(c, arena_printf(a, "reauth:acct:%lld", (long long)acct.id),
                                  &cfg->limit_login_account, now);
    if (rl == RL_ERR) return OUNBIND_ERR;
    if (rl == RL_DENY) return OUNBIND_LIMITED;
    const char *pw = password_normalize(a, in->password);
    int rehash = 0;
    switch (password_verify(acct.password_hash, pw ? pw : "", &rehash)) {
    case PWR_OK:
        out->password_ok = 1;
        return OUNBIND_OK;
    case PWR_MISMATCH:
        return OUNBIND_BAD_PASSWORD;
    case PWR_BUSY:
        return OUNBIND_BUSY;
    default:
        return OUNBIND_ERR;
    }
}

/* Why the unbind would leave no way in: LAST_UNUSABLE when the account has other identities
 * that no longer count (their provider is not configured now), else LAST. */
static enum oauth_unbind_rc last_rc(struct st_conn *c, const struct oauth_unbind_in *in)
{
    int n = identity_unusable_count(c, in->account_id, in->provider);
    return n < 0 ? OUNBIND_ERR : n > 0 ? OUNBIND_LAST_UNUSABLE : OUNBIND_LAST;
}

enum oauth_unbind_rc oauth_flow_unbind(struct arena *a, const struct oauth_unbind_in *in,
                                       struct oauth_unbind_out *out)
{
    memset(out, 0, sizeof(*out));
    struct st_conn *c = st_get();
    if (!c) return OUNBIND_ERR;
    int64_t now = time(NULL);
    struct identity id;
    enum ident_rc ir = identity_of(c, a, in->account_id, in->provider, &id);
    if (ir == IDENT_NOTFOUND) return OUNBIND_NOTFOUND;
    if (ir != IDENT_OK) return OUNBIND_ERR;
    int methods = identity_signin_methods(c, in->account_id);
    if (methods < 0) return OUNBIND_ERR;
    if (methods - ways_in_provider(in->provider) < 1) return last_rc(c, in);
    if (!in->fresh) {
        enum oauth_unbind_rc rc = unbind_confirm(c, a, in, out, now);
        if (rc != OUNBIND_OK) return rc;
    }
    switch (identity_unlink(c, in->account_id, in->provider)) {
    case IDENT_OK:
        break;
    case IDENT_NOTFOUND:
        return OUNBIND_NOTFOUND;
    case IDENT_LAST_METHOD:
        return last_rc(c, in);
    default:
        return OUNBIND_ERR;
    }
    audit_log(c, in->account_id, AUDIT_IDENTITY_UNLINKED, in->ip, in->provider, now);
    return OUNBIND_OK;
}
