/* registry_token: see registry_token.h. */
#include "registry_token.h"

#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access_token.h"
#include "account.h"
#include "arena.h"
#include "audit.h"
#include "config.h"
#include "login.h"
#include "mfa.h"
#include "opsmetrics.h"
#include "ratelimit.h"
#include "registry_jwt.h"
#include "registry_scope.h"
#include "store.h"
#include "token.h"

#define SELF_SUBJECT "@daoid"

static enum rt_rc refuse(struct reg_token_out *o, enum rt_rc rc, const char *code, const char *msg)
{
    o->code = code;
    o->message = msg;
    return rc;
}

/* "Basic base64(user:pass)" → *user, *pass (in a). 0, or -1 when malformed. */
static int basic_parse(struct arena *a, const char *h, char **user, char **pass)
{
    if (strncasecmp(h, "Basic ", 6)) return -1;
    h += 6;
    while (*h == ' ') h++;
    size_t n = strlen(h), cap = n + 1;
    unsigned char *raw = arena_alloc(a, cap);
    size_t len = 0;
    if (sodium_base642bin(raw, cap, h, n, NULL, &len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
        return -1;
    raw[len] = '\0';
    if (strlen((char *)raw) != len) return -1; /* a NUL inside */
    char *colon = strchr((char *)raw, ':');
    if (!colon || colon == (char *)raw) return -1;
    *colon = '\0';
    *user = (char *)raw;
    *pass = colon + 1;
    return 0;
}

/* 1 when username is listed in registry_admins. */
static int is_admin(const char *username)
{
    const char *p = cfg->registry_admins;
    size_t n = strlen(username);
    while (p && *p) {
        while (*p == ',' || *p == ' ') p++;
        size_t m = strcspn(p, ", ");
        if (m == n && !strncmp(p, username, n)) return 1;
        p += m;
    }
    return 0;
}

/* Splits every scope parameter at spaces and parses each: count, or -1 when one is malformed
 * or there are more than REG_SCOPE_MAX. */
static int scopes_parse(struct arena *a, const struct reg_token_in *in, struct reg_scope *out)
{
    int n = 0;
    for (int i = 0; i < in->nscopes; i++) {
        char *s = arena_strdup(a, in->scopes[i] ? in->scopes[i] : "");
        for (char *save = NULL, *t = strtok_r(s, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
            if (n >= REG_SCOPE_MAX || registry_scope_parse(t, &out[n]) != 0) return -1;
            n++;
        }
    }
    return n;
}

/* The signed token for subject with the granted access. NULL without a key. */
static char *sign(struct arena *a, const char *subject, const struct reg_scope *sc,
                  const unsigned *granted, int n, int64_t now)
{
    const char *kid = NULL;
    EVP_PKEY *k = registry_jwt_key(&kid);
    if (!k) return NULL;
    json_t *access = json_array();
    for (int i = 0; i < n; i++) {
        if (!granted[i]) continue;
        const char *words[4];
        int m = registry_scope_actions(granted[i], words);
        json_t *acts = json_array();
        for (int j = 0; j < m; j++) json_array_append_new(acts, json_string(words[j]));
        json_array_append_new(access, json_pack("{s:s, s:s, s:o}", "type", sc[i].type, "name",
                                                sc[i].name, "actions", acts));
    }
    char jti[TOKEN_LEN + 1];
    token_new(jti);
    json_t *claims = json_pack(
        "{s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:o}", "iss", cfg->registry_issuer, "sub", subject,
        "aud", cfg->registry_service, "exp", (json_int_t)(now + cfg->registry_token_ttl), "nbf",
        (json_int_t)now, "iat", (json_int_t)now, "jti", jti, "access", access);
    char *t = claims ? registry_jwt_sign(a, k, kid, claims) : NULL;
    json_decref(claims);
    return t;
}

static const struct rate fail_rate = {1000000, LOGIN_FAIL_WINDOW};

/* Two-step sign-in (mfa.h): a password alone is one factor, so an account with a second one
 * logs in with an access token; and under require_2fa an account without one gets nothing
 * until it sets one up. RT_OK when account may have a token. */
static enum rt_rc factor_gate(struct st_conn *c, struct arena *a, int64_t account, int password,
                              struct reg_token_out *o)
{
    int has = password ? mfa_has_factor(account) : 0;
    int due = has > 0 ? 0 : mfa_setup_due(c, account);
    if (has < 0 || due < 0)
        return refuse(o, RT_UNAVAILABLE, "UNAVAILABLE", "the service is busy, try again");
    if (has)
        return refuse(o, RT_UNAUTHORIZED, "DENIED",
                      "this account signs in with two steps: docker login with an access token "
                      "(settings, access tokens), not the password");
    if (due)
        return refuse(o, RT_UNAUTHORIZED, "DENIED",
                      arena_printf(a,
                                   "this site requires two-step sign-in: set up a passkey or an "
                                   "authenticator app at %s/settings/security first",
                                   cfg->origin));
    return RT_OK;
}

/* Password login through the web sign-in's limits. */
static enum rt_rc by_password(struct arena *a, const struct reg_token_in *in, const char *user,
                              const char *pass, struct reg_who *who, struct reg_token_out *o)
{
    struct st_conn *c = st_get();
    if (!c) return refuse(o, RT_UNAVAILABLE, "UNAVAILABLE", "the service is busy, try again");
    if (!cfg->registry_password_login) {
        struct account acct;
        if (account_by_login(c, a, user, &acct) == ACCT_OK)
            audit_log(c, acct.id, AUDIT_REGISTRY_LOGIN_REFUSED, in->ip, "password_login_off",
                      time(NULL));
        return refuse(o, RT_UNAUTHORIZED, "UNAUTHORIZED",
                      "password login to the registry is turned off: use an access token");
    }
    struct login_in li = {
        .identifier = user, .password = pass, .ip = in->ip, .channel = LOGIN_REGISTRY};
    struct login_out lo;
    enum login_rc rc = login_run(a, &li, &lo);
    opsmetrics_signin("registry", rc);
    if (rc == LOGIN_CAPTCHA_NEEDED) {
        struct account acct;
        if (account_by_login(c, a, user, &acct) == ACCT_OK)
            audit_log(c, acct.id, AUDIT_REGISTRY_LOGIN_REFUSED, in->ip, "captcha_needed",
                      time(NULL));
        return refuse(o, RT_LIMITED, "TOOMANYREQUESTS",
                      "too many failed sign-ins for this account or from this address: sign in "
                      "on the web once (it asks for a captcha) or wait 15 minutes");
    }
    if (rc == LOGIN_LIMITED)
        return refuse(o, RT_LIMITED, "TOOMANYREQUESTS", "too many sign-ins from this address");
    if (rc == LOGIN_DISABLED)
        return refuse(o, RT_UNAUTHORIZED, "UNAUTHORIZED", "this account is disabled");
    if (rc == LOGIN_BUSY)
        return refuse(o, RT_UNAVAILABLE, "UNAVAILABLE", "the service is busy, try again");
    if (rc != LOGIN_OK)
        return refuse(o, RT_UNAUTHORIZED, "UNAUTHORIZED", "wrong username or password");
    enum rt_rc gate = factor_gate(c, a, lo.account_id, 1, o);
    if (gate != RT_OK) return gate;
    struct account acct;
    if (account_by_id(c, a, lo.account_id, &acct) != ACCT_OK)
        return refuse(o, RT_UNAVAILABLE, "UNAVAILABLE", "the service is busy, try again");
    who->username = acct.username;
    who->cred = REG_PULL | REG_PUSH; /* login_run audited it (registry_login) */
    return RT_OK;
}

static const char *const at_refusal[] = {
    [AT_NOTFOUND] = "unknown or revoked access token",
    [AT_EXPIRED] = "this access token has expired",
    [AT_DISABLED] = "this account is disabled",
    [AT_MISMATCH] = "this access token belongs to another username",
};
static const char *const at_reason[] = {
    [AT_NOTFOUND] = "unknown_token",
    [AT_EXPIRED] = "token_expired",
    [AT_DISABLED] = "account_disabled",
    [AT_MISMATCH] = "token_username_mismatch",
};

static enum rt_rc by_token(struct arena *a, const struct reg_token_in *in, const char *user,
                           const char *secret, int64_t now, struct reg_who *who,
                           struct reg_token_out *o)
{
    struct st_conn *c = st_get();
    if (!c) return refuse(o, RT_UNAVAILABLE, "UNAVAILABLE", "the service is busy, try again");
    const char *key = arena_printf(a, "regfail:ip:%s", in->ip);
    int64_t fails = ratelimit_peek(c, key, LOGIN_FAIL_WINDOW, now);
    if (fails < 0) return refuse(o, RT_UNAVAILABLE, "UNAVAILABLE", "the service is busy");
    if (fails >= cfg->limit_login_ip.count)
        return refuse(o, RT_LIMITED, "TOOMANYREQUESTS",
                      "too many failed registry logins from this address: wait 15 minutes");
    struct at_login l;
    enum at_rc rc = access_token_check(a, user, secret, now, &l);
    if (rc == AT_BUSY)
        return refuse(o, RT_UNAVAILABLE, "UNAVAILABLE", "the service is busy, try again");
    if (rc != AT_OK) {
        ratelimit_hit(c, key, &fail_rate, now);
        if (l.account_id && rc != AT_MISMATCH)
            audit_log(c, l.account_id, AUDIT_REGISTRY_LOGIN_REFUSED, in->ip, at_reason[rc], now);
        return refuse(o, RT_UNAUTHORIZED, "UNAUTHORIZED", at_refusal[rc]);
    }
    enum rt_rc gate = factor_gate(c, a, l.account_id, 0, o);
    if (gate != RT_OK) return gate;
    who->username = l.username;
    who->cred = (l.scopes & AT_PULL ? REG_PULL : 0) | (l.scopes & AT_PUSH ? REG_PUSH : 0);
    /* push implies the pulls a push needs (blob existence checks, manifests) */
    if (who->cred & REG_PUSH) who->cred |= REG_PULL;
    return RT_OK;
}

enum rt_rc registry_token_issue(struct arena *a, const struct reg_token_in *in,
                                struct reg_token_out *o)
{
    memset(o, 0, sizeof(*o));
    int64_t now = time(NULL);
    if (!in->service || !*in->service)
        return refuse(o, RT_BAD_REQUEST, "INVALID_REQUEST", "the service parameter is missing");
    if (strcmp(in->service, cfg->registry_service))
        return refuse(o, RT_BAD_REQUEST, "INVALID_REQUEST", "unknown service");
    if (in->authorization && strlen(in->authorization) > REG_AUTH_HEADER_MAX)
        return refuse(o, RT_BAD_REQUEST, "INVALID_REQUEST", "the Authorization header is too long");
    struct reg_scope sc[REG_SCOPE_MAX];
    int n = scopes_parse(a, in, sc);
    if (n < 0)
        return refuse(o, RT_BAD_REQUEST, "INVALID_REQUEST",
                      "malformed scope, or more than 16 scopes");
    const char *kid = NULL;
    if (!registry_jwt_key(&kid))
        return refuse(o, RT_UNAVAILABLE, "UNAVAILABLE", "the registry is not configured");
    struct reg_who who = {.official = cfg->registry_official_namespace,
                          .anonymous_ok = (int)cfg->registry_anonymous_pull};
    if (in->authorization) {
        char *user = NULL, *pass = NULL;
        if (basic_parse(a, in->authorization, &user, &pass) != 0)
            return refuse(o, RT_BAD_REQUEST, "INVALID_REQUEST",
                          "the Authorization header is not HTTP Basic username:password");
        enum rt_rc rc = !strncmp(pass, ACCESS_TOKEN_PREFIX, strlen(ACCESS_TOKEN_PREFIX))
                            ? by_token(a, in, user, pass, now, &who, o)
                            : by_password(a, in, user, pass, &who, o);
        if (rc != RT_OK) return rc;
        who.admin = is_admin(who.username);
    } else if (!cfg->registry_anonymous_pull) {
        return refuse(o, RT_UNAUTHORIZED, "UNAUTHORIZED", "sign in: docker login");
    }
    unsigned granted[REG_SCOPE_MAX];
    for (int i = 0; i < n; i++) granted[i] = registry_scope_grant(&who, &sc[i]);
    o->token = sign(a, who.username ? who.username : "", sc, granted, n, now);
    if (!o->token) return refuse(o, RT_UNAVAILABLE, "UNAVAILABLE", "signing failed");
    o->expires_in = cfg->registry_token_ttl;
    o->issued_at = now;
    return RT_OK;
}

char *registry_token_self(struct arena *a, const char *const *scopes, int n)
{
    struct reg_scope sc[REG_SCOPE_MAX];
    unsigned granted[REG_SCOPE_MAX];
    struct reg_who who = {.self = 1};
    int m = 0;
    for (int i = 0; i < n && m < REG_SCOPE_MAX; i++)
        if (registry_scope_parse(scopes[i], &sc[m]) == 0) {
            granted[m] = registry_scope_grant(&who, &sc[m]);
            m++;
        }
    return sign(a, SELF_SUBJECT, sc, granted, m, time(NULL));
}
