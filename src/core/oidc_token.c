/* oidc_token: see oidc_token.h. */
#include "oidc_token.h"

#include <openssl/sha.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "accounts.h"
#include "arena.h"
#include "config.h"
#include "log.h"
#include "mfa.h"
#include "oidc_authz.h"
#include "oidc_client.h"
#include "oidc_codes.h"
#include "oidc_consents.h"
#include "oidc_grants.h"
#include "oidc_key.h"
#include "oidc_tokens.h"
#include "store.h"
#include "token.h"

#define AT_PREFIX  "dao_at_"
#define RT_PREFIX  "dao_rt_"
#define PREFIX_LEN 7

static void fail(struct ot_out *out, int status, const char *error, const char *desc)
{
    out->status = status;
    out->body = desc ? json_pack("{s:s, s:s}", "error", error, "error_description", desc)
                     : json_pack("{s:s}", "error", error);
}

static void busy(struct ot_out *out)
{
    fail(out, 503, "temporarily_unavailable", "try again");
}

/* require_2fa (mfa.h): an account without a second factor gets no tokens until it sets one up.
 * Into *why the refusal, or left alone; -1 when the store failed. */
static int setup_gate(struct st_conn *c, int64_t account, const char **why)
{
    int due = mfa_setup_due(c, account);
    if (due > 0)
        *why = "this site requires two-step sign-in: set up a passkey or an authenticator app on "
               "the account's security settings page first";
    return due < 0 ? -1 : 0;
}

/* the store's hash of a token with prefix, or NULL when it has not that shape */
static const char *hash_of(struct arena *a, const char *tok, const char *prefix)
{
    if (!tok || strncmp(tok, prefix, PREFIX_LEN) || !token_wellformed(tok + PREFIX_LEN))
        return NULL;
    char *h = arena_alloc(a, TOKEN_HASH_LEN + 1);
    token_hash(tok + PREFIX_LEN, h);
    return h;
}

static char *new_token(struct arena *a, const char *prefix, char *hash)
{
    char t[TOKEN_LEN + 1];
    token_new(t);
    token_hash(t, hash);
    return arena_printf(a, "%s%s", prefix, t);
}

/* client authentication; 0, or -1 with out filled */
static int client_of(struct arena *a, const struct ot_in *in, struct oidc_client_row *cl,
                     struct ot_out *out)
{
    struct ocl_auth_in ai = {in->authorization, in->client_id, in->client_secret};
    int basic = 0;
    enum ocl_rc rc = oidc_client_auth(a, &ai, cl, &basic);
    if (rc == OCL_OK) return 0;
    if (rc == OCL_BUSY) {
        busy(out);
        return -1;
    }
    fail(out, 401, "invalid_client", "client authentication failed");
    out->www_authenticate = "Basic realm=\"daoid\", charset=\"UTF-8\"";
    return -1;
}

static json_t *amr_array(struct arena *a, const char *amr)
{
    json_t *arr = json_array();
    for (const char *p = amr ? amr : ""; *p;) {
        while (*p == ' ') p++;
        size_t w = strcspn(p, " ");
        if (w) json_array_append_new(arr, json_string(arena_strndup(a, p, w)));
        p += w;
    }
    return arr;
}

/* the claims scope allows about account */
static void person_claims(json_t *j, const struct account *acct, const char *scope)
{
    json_object_set_new(j, "sub", json_sprintf("%lld", (long long)acct->id));
    if (oidc_word_in(scope, "profile")) {
        json_object_set_new(j, "preferred_username", json_string(acct->username));
        json_object_set_new(j, "name", json_string(acct->username));
    }
    if (oidc_word_in(scope, "email") && acct->email) {
        json_object_set_new(j, "email", json_string(acct->email));
        json_object_set_new(j, "email_verified", json_boolean(acct->email_verified));
    }
}

/* What a grant issues tokens for: the code grant's new grant, or the refresh grant's. */
struct issued {
    int64_t grant_id, account_id, auth_time, client_row;
    const char *client, *alg, *scope, *amr, *nonce;
    int64_t grant_expires_at;
};

static struct issued issued_for(const struct oidc_client_row *cl, int64_t account_id,
                                int64_t auth_time, const char *scope, const char *amr)
{
    return (struct issued){
        .account_id = account_id,
        .auth_time = auth_time,
        .client_row = cl->id,
        .client = cl->client_id,
        .alg = cl->id_token_alg,
        .scope = scope,
        .amr = amr,
    };
}

/* access token (+ refresh token with offline_access, + ID token with openid) for a grant, in
 * the caller's transaction; 0 or -1 */
static int tokens_for(struct arena *a, struct st_conn *c, const struct issued *g,
                      const struct account *acct, int64_t now, struct ot_out *out)
{
    char ah[TOKEN_HASH_LEN + 1], rh[TOKEN_HASH_LEN + 1];
    int64_t at_exp = now + cfg->oidc_access_token_ttl;
    if (at_exp > g->grant_expires_at) at_exp = g->grant_expires_at;
    char *at = new_token(a, AT_PREFIX, ah);
    if (oidc_tokens_insert(c, ah, g->grant_id, "access", now, at_exp) != ST_OK) return -1;
    json_t *j = json_pack("{s:s, s:s, s:I, s:s}", "access_token", at, "token_type", "Bearer",
                          "expires_in", (json_int_t)(at_exp - now), "scope", g->scope);
    if (oidc_word_in(g->scope, "offline_access")) {
        char *rt = new_token(a, RT_PREFIX, rh);
        if (oidc_tokens_insert(c, rh, g->grant_id, "refresh", now, g->grant_expires_at) != ST_OK)
            goto fail;
        json_object_set_new(j, "refresh_token", json_string(rt));
    }
    if (oidc_word_in(g->scope, "openid")) {
        json_t *claims = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I}", "iss", oidc_issuer(), "aud",
                                   g->client, "azp", g->client, "iat", (json_int_t)now, "exp",
                                   (json_int_t)(now + cfg->oidc_id_token_ttl), "auth_time",
                                   (json_int_t)g->auth_time);
        person_claims(claims, acct, g->scope);
        if (g->nonce) json_object_set_new(claims, "nonce", json_string(g->nonce));
        json_t *amr = amr_array(a, g->amr);
        if (json_array_size(amr))
            json_object_set_new(claims, "amr", amr);
        else
            json_decref(amr);
        /* at_hash: the left half of SHA-256 of the access token (Core §3.1.3.6) */
        unsigned char h[SHA256_DIGEST_LENGTH];
        char b64[32];
        SHA256((const unsigned char *)at, strlen(at), h);
        sodium_bin2base64(b64, sizeof(b64), h, 16, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        json_object_set_new(claims, "at_hash", json_string(b64));
        char *idt = oidc_key_sign(a, now, g->alg, claims);
        json_decref(claims);
        if (!idt) goto fail;
        json_object_set_new(j, "id_token", json_string(idt));
    }
    if (oidc_consents_touch(c, g->account_id, g->client_row, now) != 0) goto fail;
    out->status = 200;
    out->body = j;
    return 0;
fail:
    json_decref(j);
    return -1;
}

/* tokens_for, then the commit: the caller's transaction ends here either way */
static void issue_commit(struct arena *a, struct st_conn *c, const struct issued *g,
                         const struct account *acct, int64_t now, struct ot_out *out)
{
    if (tokens_for(a, c, g, acct, now, out) == 0) {
        if (st_commit(c) == ST_OK) return;
        json_decref(out->body);
        out->body = NULL;
    }
    st_rollback(c);
    busy(out);
}

/* 1 when verifier (RFC 7636: 43-128 unreserved characters) hashes to challenge */
static int pkce_ok(const char *verifier, const char *challenge)
{
    size_t n = verifier ? strlen(verifier) : 0;
    if (n < 43 || n > 128 ||
        strspn(verifier, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~") != n)
        return 0;
    unsigned char h[SHA256_DIGEST_LENGTH];
    char b64[48];
    SHA256((const unsigned char *)verifier, n, h);
    sodium_bin2base64(b64, sizeof(b64), h, sizeof(h), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return token_equal(b64, challenge);
}

static void grant_code(struct arena *a, const struct ot_in *in, const struct oidc_client_row *cl,
                       int64_t now, struct ot_out *out)
{
    char hash[TOKEN_HASH_LEN + 1];
    if (!in->code || !token_wellformed(in->code))
        return fail(out, 400, "invalid_grant", "unknown code");
    token_hash(in->code, hash);
    struct st_conn *c = st_get();
    int64_t grant = 0, code_client = 0;
    if (!c) return busy(out);
    enum st_rc rc = oidc_codes_grant_of(c, hash, &grant, &code_client);
    if (rc == ST_NOTFOUND || (rc == ST_OK && code_client != cl->id))
        return fail(out, 400, "invalid_grant", "unknown code");
    if (rc != ST_OK || st_begin(c) != ST_OK) return busy(out);
    struct oidc_code_row code;
    rc = oidc_codes_take(c, a, hash, now, &code);
    if (rc == ST_NOTFOUND) {
        /* a replay: what the code issued is revoked (RFC 6749 §4.1.2) */
        if (oidc_codes_grant_of(c, hash, &grant, &code_client) == ST_OK && grant &&
            oidc_grants_revoke(c, grant, now) == 1)
            log_warnx("oidc: code of client %s used twice: grant %lld revoked", cl->client_id,
                      (long long)grant);
        if (st_commit(c) != ST_OK) return busy(out);
        return fail(out, 400, "invalid_grant", "code already used");
    }
    const char *why = NULL;
    if (rc != ST_OK) goto busy;
    if (code.expires_at <= now)
        why = "code expired";
    else if (!in->redirect_uri || strcmp(in->redirect_uri, code.redirect_uri))
        why = "redirect_uri does not match";
    else if (code.challenge ? !pkce_ok(in->code_verifier, code.challenge) : !!in->code_verifier)
        why = "PKCE verification failed";
    struct account acct;
    if (!why) {
        rc = accounts_by_id(c, a, code.account_id, &acct);
        if (rc != ST_OK && rc != ST_NOTFOUND) goto busy;
        if (rc == ST_NOTFOUND || acct.status != 0) why = "the account is not active";
    }
    if (!why && setup_gate(c, code.account_id, &why) != 0) goto busy;
    if (why) {
        if (st_commit(c) != ST_OK) return busy(out); /* the code stays used */
        return fail(out, 400, "invalid_grant", why);
    }
    int offline = oidc_word_in(code.scope, "offline_access");
    struct issued g = issued_for(cl, code.account_id, code.auth_time, code.scope, code.amr);
    g.nonce = code.nonce;
    g.grant_expires_at = now + (offline ? cfg->oidc_refresh_token_ttl : cfg->oidc_access_token_ttl);
    if (oidc_grants_insert(c, cl->id, code.account_id, code.scope, code.auth_time, code.amr, now,
                           g.grant_expires_at, &g.grant_id) == ST_OK &&
        oidc_codes_set_grant(c, hash, g.grant_id) == ST_OK)
        return issue_commit(a, c, &g, &acct, now, out);
busy:
    st_rollback(c);
    busy(out);
}

static void grant_refresh(struct arena *a, const struct ot_in *in, const struct oidc_client_row *cl,
                          int64_t now, struct ot_out *out)
{
    const char *hash = hash_of(a, in->refresh_token, RT_PREFIX);
    if (!hash) return fail(out, 400, "invalid_grant", "unknown refresh token");
    struct st_conn *c = st_get();
    if (!c || st_begin(c) != ST_OK) return busy(out);
    struct oidc_token_row t;
    enum st_rc rc = oidc_tokens_get(c, a, hash, &t);
    const char *why = NULL;
    if (rc == ST_NOTFOUND || (rc == ST_OK && (strcmp(t.kind, "refresh") || t.client_id != cl->id)))
        why = "unknown refresh token";
    else if (rc != ST_OK)
        goto busy;
    else if (t.revoked_at || t.grant_revoked_at)
        why = "refresh token revoked";
    else if (t.expires_at <= now)
        why = "refresh token expired";
    else if (t.account_status != 0)
        why = "the account is not active";
    else if (setup_gate(c, t.account_id, &why) != 0)
        goto busy;
    if (!why && in->scope && !oidc_words_within(a, in->scope, t.scope)) {
        st_rollback(c);
        return fail(out, 400, "invalid_scope", "more than the grant allows");
    }
    if (!why) {
        int used = oidc_tokens_use(c, hash, now);
        if (used < 0) goto busy;
        if (used == 0) {
            /* reuse of a rotated refresh token: the family is revoked */
            if (oidc_grants_revoke(c, t.grant_id, now) < 0) goto busy;
            log_warnx("oidc: refresh token of client %s reused: grant %lld revoked", cl->client_id,
                      (long long)t.grant_id);
            why = "refresh token reused: every token of this grant is revoked";
        }
    }
    if (why) {
        if (st_commit(c) != ST_OK) return busy(out);
        return fail(out, 400, "invalid_grant", why);
    }
    struct account acct;
    if (accounts_by_id(c, a, t.account_id, &acct) != ST_OK) goto busy;
    struct issued g = issued_for(cl, t.account_id, t.auth_time, t.scope, t.amr);
    g.grant_id = t.grant_id;
    g.grant_expires_at = t.grant_expires_at;
    return issue_commit(a, c, &g, &acct, now, out);
busy:
    st_rollback(c);
    busy(out);
}

void oidc_token_endpoint(struct arena *a, const struct ot_in *in, int64_t now, struct ot_out *out)
{
    memset(out, 0, sizeof(*out));
    struct oidc_client_row cl;
    if (client_of(a, in, &cl, out) != 0) return;
    if (!in->grant_type) return fail(out, 400, "invalid_request", "grant_type is missing");
    if (!strcmp(in->grant_type, "authorization_code")) return grant_code(a, in, &cl, now, out);
    if (!strcmp(in->grant_type, "refresh_token")) return grant_refresh(a, in, &cl, now, out);
    fail(out, 400, "unsupported_grant_type", NULL);
}

/* the token's row when it is live (any kind), else ST_NOTFOUND */
static enum st_rc live_token(struct arena *a, struct st_conn *c, const char *tok, int64_t now,
                             struct oidc_token_row *t)
{
    const char *hash = hash_of(a, tok, AT_PREFIX);
    if (!hash) hash = hash_of(a, tok, RT_PREFIX);
    if (!hash) return ST_NOTFOUND;
    enum st_rc rc = oidc_tokens_get(c, a, hash, t);
    if (rc != ST_OK) return rc;
    int dead = t->revoked_at || t->grant_revoked_at || t->expires_at <= now ||
               t->account_status != 0 || (!strcmp(t->kind, "refresh") && t->used_at);
    return dead ? ST_NOTFOUND : ST_OK;
}

void oidc_token_revoke(struct arena *a, const struct ot_in *in, int64_t now, struct ot_out *out)
{
    memset(out, 0, sizeof(*out));
    struct oidc_client_row cl;
    if (client_of(a, in, &cl, out) != 0) return;
    if (!in->token) return fail(out, 400, "invalid_request", "token is missing");
    struct st_conn *c = st_get();
    struct oidc_token_row t;
    if (!c) return busy(out);
    enum st_rc rc = live_token(a, c, in->token, now, &t);
    if (rc != ST_OK && rc != ST_NOTFOUND) return busy(out);
    /* RFC 7009 §2.2: an unknown or invalid token is answered 200 too */
    if (rc == ST_OK && t.client_id == cl.id) {
        const char *hash = hash_of(a, in->token, !strcmp(t.kind, "access") ? AT_PREFIX : RT_PREFIX);
        /* a refresh token takes its grant's access tokens with it */
        int n = !strcmp(t.kind, "refresh") ? oidc_grants_revoke(c, t.grant_id, now)
                                           : oidc_tokens_revoke(c, hash, now);
        if (n < 0) return busy(out);
    }
    out->status = 200;
    out->body = json_object();
}

void oidc_token_introspect(struct arena *a, const struct ot_in *in, int64_t now, struct ot_out *out)
{
    memset(out, 0, sizeof(*out));
    struct oidc_client_row cl;
    if (client_of(a, in, &cl, out) != 0) return;
    if (cl.is_public) {
        fail(out, 401, "invalid_client", "introspection is for confidential clients");
        return;
    }
    if (!in->token) return fail(out, 400, "invalid_request", "token is missing");
    struct st_conn *c = st_get();
    struct oidc_token_row t;
    if (!c) return busy(out);
    enum st_rc rc = live_token(a, c, in->token, now, &t);
    if (rc != ST_OK && rc != ST_NOTFOUND) return busy(out);
    out->status = 200;
    if (rc != ST_OK) {
        out->body = json_pack("{s:b}", "active", 0);
        return;
    }
    out->body =
        json_pack("{s:b, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s}", "active", 1, "scope", t.scope,
                  "client_id", t.client, "username", t.username, "token_type",
                  !strcmp(t.kind, "access") ? "Bearer" : "refresh_token", "exp",
                  (json_int_t)t.expires_at, "iss", oidc_issuer(), "aud", t.client, "sub", "");
    json_object_set_new(out->body, "sub", json_sprintf("%lld", (long long)t.account_id));
}

void oidc_userinfo(struct arena *a, const char *authorization, const char *form_token, int64_t now,
                   struct ot_out *out)
{
    memset(out, 0, sizeof(*out));
    const char *tok = form_token;
    if (authorization && !strncasecmp(authorization, "Bearer ", 7)) tok = authorization + 7;
    struct st_conn *c = st_get();
    struct oidc_token_row t;
    enum st_rc rc = !c                                  ? ST_ERR
                    : tok && hash_of(a, tok, AT_PREFIX) ? live_token(a, c, tok, now, &t)
                                                        : ST_NOTFOUND;
    if (rc != ST_OK && rc != ST_NOTFOUND) return busy(out);
    struct account acct;
    if (rc == ST_OK && !oidc_word_in(t.scope, "openid")) rc = ST_NOTFOUND;
    if (rc == ST_OK) {
        rc = accounts_by_id(c, a, t.account_id, &acct);
        if (rc != ST_OK && rc != ST_NOTFOUND) return busy(out);
    }
    if (rc != ST_OK) {
        fail(out, 401, "invalid_token", "the access token is not valid");
        out->www_authenticate = "Bearer error=\"invalid_token\"";
        return;
    }
    out->status = 200;
    out->body = json_object();
    person_claims(out->body, &acct, t.scope);
}
