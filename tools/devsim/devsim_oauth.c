/* devsim_oauth: a fake GitHub, Bitbucket and Coding speaking their OAuth2 web flows, so that
 * daoid's real client code runs against them: an authorize page (pick a test user, then
 * "Authorize application" or "Cancel"), token endpoints that check the client id and secret
 * (in the form, or HTTP Basic for Bitbucket), the redirect URI exactly, a single-use code
 * that expires in 10 minutes and the PKCE verifier, and the user APIs (GitHub /user and
 * /user/emails, Bitbucket 2.0/user and 2.0/user/emails, Coding's open-api
 * DescribeCodingCurrentUser). Tokens carry the scope that was asked for; Bitbucket's and
 * Coding's expire and are renewed with their refresh token (grant_type=refresh_token; a
 * Coding refresh also ends the grant's earlier access tokens, as Coding documents).
 * /_ctl/oauth switches the server-to-server endpoints slow, to HTTP 500 or to malformed JSON,
 * registers daoid's callback base, adds test users, lists the tokens issued
 * (/_ctl/oauth/tokens) and expires them or an authorization code (/_ctl/oauth/expire). The
 * repositories behind these tokens are devsim_repos.c's.
 *
 * Paths (base URLs for daoid's config): GitHub web /github, API /github/api; Bitbucket web
 * /bitbucket, API /bitbucket/api; Coding team /coding.
 *
 * This file: the token endpoints, the user APIs and the routes; the authorize page is in
 * devsim_oauth_authz.c, the test users and /_ctl/oauth in devsim_oauth_ctl.c, and Coding's
 * open-api endpoint, which also serves devsim_repos.c's action, in devsim_coding.c. */
#include "devsim_oauth.h"

#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "devsim_oauth_int.h"

struct doauth_state doauth_s = {.mu = PTHREAD_MUTEX_INITIALIZER, .delay_ms = 30000};

const char *const doauth_prov_names[DP_COUNT] = {"github", "bitbucket", "coding"};
const char *const doauth_client_ids[DP_COUNT] = {"devsim-github-client", "devsim-bitbucket-key",
                                                 "devsim-coding-client"};
const char *const doauth_client_secrets[DP_COUNT] = {
    "devsim-github-secret", "devsim-bitbucket-secret", "devsim-coding-secret"};

/* ---- small helpers ---- */

long long doauth_now(void)
{
    return (long long)time(NULL);
}

/* A fresh random token of n bytes as base64url (prefix first), into out[cap]. */
void doauth_rand_token(char *out, size_t cap, const char *prefix, size_t n)
{
    unsigned char raw[32];
    size_t pn = strlen(prefix);
    if (n > sizeof(raw) ||
        pn + sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING) > cap)
        abort();
    randombytes_buf(raw, n);
    memcpy(out, prefix, pn);
    sodium_bin2base64(out + pn, cap - pn, raw, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static void s256(const char *verifier, char *out, size_t cap)
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)verifier, strlen(verifier));
    sodium_bin2base64(out, cap, h, sizeof(h), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* A 302 to url?key=value&… built from pairs (NULL value: skipped), NULL-terminated. */
void doauth_redirect_with(struct devsim_resp *resp, const char *url, ...)
{
    struct devsim_buf b;
    FILE *f = devsim_buf_open(&b);
    fputs(url, f);
    char sep = strchr(url, '?') ? '&' : '?';
    va_list ap;
    va_start(ap, url);
    for (const char *k; (k = va_arg(ap, const char *));) {
        const char *v = va_arg(ap, const char *);
        if (!v) continue;
        fprintf(f, "%c%s=", sep, k);
        devsim_url_enc(f, v);
        sep = '&';
    }
    va_end(ap);
    devsim_redirect_take(resp, 302, devsim_buf_close(&b));
}

static int all_digits(const char *s)
{
    if (!s || !*s || strlen(s) > 18) return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9') return 0;
    return 1;
}

/* The id as GitHub and Coding send it (a number when it is one), or a string. */
static json_t *id_json(const struct duser *u)
{
    if (u->prov != DP_BITBUCKET && all_digits(u->id)) return json_integer(atoll(u->id));
    return json_string(u->id);
}

const struct demail *doauth_primary_email(const struct duser *u)
{
    for (int i = 0; i < u->nemails; i++)
        if (u->emails[i].primary) return &u->emails[i];
    return NULL;
}

/* ---- fault modes ---- */

/* Applies the mode to a server-to-server call: 1 when the reply is already made. Slow mode
 * waits (in slices, so switching back or stopping ends the wait) and then answers. */
static int fault(struct devsim_resp *resp)
{
    pthread_mutex_lock(&doauth_s.mu);
    enum dmode m = doauth_s.mode;
    long delay = doauth_s.delay_ms;
    pthread_mutex_unlock(&doauth_s.mu);
    if (m == DM_SLOW) {
        for (long waited = 0; waited < delay && !doauth_s.stopping; waited += 20) {
            usleep(20 * 1000);
            pthread_mutex_lock(&doauth_s.mu);
            m = doauth_s.mode;
            pthread_mutex_unlock(&doauth_s.mu);
            if (m != DM_SLOW) break;
        }
        return 0;
    }
    if (m == DM_ERROR) {
        devsim_reply(resp, 500, DEVSIM_HTML,
                     "<html><body><h1>500 Internal Server Error</h1></body></html>\n");
        return 1;
    }
    if (m == DM_BADJSON) {
        devsim_reply(resp, 200, "application/json", "{\"access_token\": \"gho_trunc");
        return 1;
    }
    return 0;
}

/* ---- token ---- */

/* An OAuth error in the provider's style: GitHub answers 200, the others 400 (401 for the
 * client). */
static void token_error(struct devsim_resp *resp, enum dprov prov, const char *github_code,
                        const char *code, unsigned status, const char *desc)
{
    if (prov == DP_GITHUB)
        devsim_reply_json(resp, 200,
                          json_pack("{s:s, s:s, s:s}", "error", github_code, "error_description",
                                    desc, "error_uri",
                                    "https://docs.github.com/apps/troubleshooting"));
    else
        devsim_reply_json(resp, status,
                          json_pack("{s:s, s:s}", "error", code, "error_description", desc));
}

/* The client's credentials: HTTP Basic for Bitbucket, the form for the others. */
static int client_ok(const struct devsim_req *req, enum dprov prov)
{
    int ok = 0;
    if (prov == DP_BITBUCKET) {
        const char *auth = devsim_header(req, "Authorization");
        unsigned char raw[256];
        size_t n = 0;
        if (auth && !strncmp(auth, "Basic ", 6) &&
            sodium_base642bin(raw, sizeof(raw) - 1, auth + 6, strlen(auth + 6), NULL, &n, NULL,
                              sodium_base64_VARIANT_ORIGINAL) == 0) {
            raw[n] = 0;
            char want[128];
            snprintf(want, sizeof(want), "%s:%s", doauth_client_ids[prov],
                     doauth_client_secrets[prov]);
            ok = !strcmp((char *)raw, want);
        }
        return ok;
    }
    char *id = devsim_form_get(req->body, "client_id"),
         *secret = devsim_form_get(req->body, "client_secret");
    ok = id && secret && !strcmp(id, doauth_client_ids[prov]) &&
         !strcmp(secret, doauth_client_secrets[prov]);
    free(id);
    free(secret);
    return ok;
}

/* Finds and uses up the code; 0 with *user set, or -1 with the reason in *why. */
static int code_take(enum dprov prov, const char *code, const char *redirect, const char *verifier,
                     size_t *user, char *scope, size_t scope_cap, const char **why)
{
    int rc = -1;
    *why = "The code passed is incorrect or expired.";
    pthread_mutex_lock(&doauth_s.mu);
    for (size_t i = 0; code && i < doauth_s.ncodes; i++) {
        struct dcode *c = &doauth_s.codes[i];
        if (c->prov != prov || strcmp(c->code, code)) continue;
        if (c->used || c->expires <= doauth_now()) break;
        c->used = 1; /* single use, whatever follows */
        if (c->redirect && (!redirect || strcmp(c->redirect, redirect))) {
            *why = "The redirect_uri MUST match the one of the authorization request.";
            break;
        }
        if (*c->challenge) {
            char got[64] = "";
            if (verifier) s256(verifier, got, sizeof(got));
            if (strcmp(got, c->challenge)) {
                *why = "The code_verifier does not match the code_challenge.";
                break;
            }
        }
        *user = c->user;
        snprintf(scope, scope_cap, "%s", c->scope);
        rc = 0;
        break;
    }
    pthread_mutex_unlock(&doauth_s.mu);
    return rc;
}

/* Lifetime of access tokens: GitHub's OAuth tokens do not expire; Bitbucket's last 2 hours;
 * Coding gives 10 days (as a string). */
static const long long token_life[DP_COUNT] = {0, 7200, 863999};

/* A new access token for user's grant (refresh: the grant's refresh token, NULL for a new
 * grant, which gets one unless the provider is GitHub); *out_refresh gets the grant's refresh
 * token. Both malloc'd. Called with doauth_s.mu held. */
static char *token_issue_locked(enum dprov prov, size_t user, const char *scope,
                                const char *refresh, char **out_refresh)
{
    static const char *const prefix[DP_COUNT] = {"gho_", "bbt_", "cdt_"};
    static const char *const rprefix[DP_COUNT] = {"", "bbr_", "cdr_"};
    if (doauth_s.ntokens == DO_MAX_ITEMS)
        memmove(doauth_s.tokens, doauth_s.tokens + 1,
                sizeof(*doauth_s.tokens) * --doauth_s.ntokens);
    doauth_s.tokens =
        devsim_xrealloc(doauth_s.tokens, sizeof(*doauth_s.tokens) * (doauth_s.ntokens + 1));
    struct dtoken *t = &doauth_s.tokens[doauth_s.ntokens++];
    memset(t, 0, sizeof(*t));
    doauth_rand_token(t->token, sizeof(t->token), prefix[prov], 27);
    t->prov = prov;
    t->user = user;
    snprintf(t->scope, sizeof(t->scope), "%s", scope ? scope : "");
    for (char *c = t->scope; *c; c++)
        if (*c == ',') *c = ' ';
    t->expires = token_life[prov] ? doauth_now() + token_life[prov] : 0;
    if (refresh)
        snprintf(t->refresh, sizeof(t->refresh), "%s", refresh);
    else if (prov != DP_GITHUB)
        doauth_rand_token(t->refresh, sizeof(t->refresh), rprefix[prov], 27);
    *out_refresh = devsim_xstrdup(t->refresh);
    return devsim_xstrdup(t->token);
}

static char *token_issue(enum dprov prov, size_t user, const char *scope, char **refresh)
{
    pthread_mutex_lock(&doauth_s.mu);
    char *out = token_issue_locked(prov, user, scope, NULL, refresh);
    pthread_mutex_unlock(&doauth_s.mu);
    return out;
}

/* The scope as the provider reports it: GitHub joins with commas, Coding with spaces. */
static void scope_as(enum dprov prov, const char *scope, char *out, size_t cap)
{
    snprintf(out, cap, "%s", scope ? scope : "");
    for (char *c = out; *c; c++)
        if (*c == ' ' || *c == ',') *c = prov == DP_GITHUB ? ',' : ' ';
}

static void token_reply(const struct devsim_req *req, enum dprov prov, const char *tok,
                        const char *refresh, const char *scope, struct devsim_resp *resp)
{
    char granted[160];
    scope_as(prov, scope, granted, sizeof(granted));
    if (prov == DP_GITHUB) {
        const char *accept = devsim_header(req, "Accept");
        if (accept && strstr(accept, "application/json")) {
            devsim_reply_json(resp, 200,
                              json_pack("{s:s, s:s, s:s}", "access_token", tok, "token_type",
                                        "bearer", "scope", granted));
        } else { /* GitHub's default answer is form-encoded */
            struct devsim_buf b;
            FILE *f = devsim_buf_open(&b);
            fprintf(f, "access_token=%s&scope=", tok);
            devsim_url_enc(f, granted);
            fputs("&token_type=bearer", f);
            char *body = devsim_buf_close(&b);
            devsim_reply_take(resp, 200, "application/x-www-form-urlencoded", body, b.len);
        }
    } else if (prov == DP_BITBUCKET) { /* scopes are the consumer's */
        devsim_reply_json(resp, 200,
                          json_pack("{s:s, s:s, s:i, s:s, s:s, s:s}", "access_token", tok, "scopes",
                                    "account email repository", "expires_in", (int)token_life[prov],
                                    "refresh_token", refresh, "token_type", "bearer", "state",
                                    "authorization_code"));
    } else { /* Coding sends expires_in as a string */
        devsim_reply_json(resp, 200,
                          json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "access_token", tok,
                                    "refresh_token", refresh, "scope", granted, "team", "devsim",
                                    "token_type", "Bearer", "expires_in", "863999"));
    }
}

/* grant_type=refresh_token: a new access token for the grant of the refresh token (which stays
 * the same); Coding ends the grant's earlier access tokens. */
static void token_refresh(const struct devsim_req *req, enum dprov prov, const char *refresh,
                          struct devsim_resp *resp)
{
    char *tok = NULL, *rt = NULL, scope[160] = "";
    pthread_mutex_lock(&doauth_s.mu);
    doauth_s.refresh_calls++;
    long found = -1;
    for (size_t i = 0; refresh && *refresh && i < doauth_s.ntokens; i++)
        if (doauth_s.tokens[i].prov == prov && !strcmp(doauth_s.tokens[i].refresh, refresh))
            found = (long)i;
    if (found >= 0) {
        size_t user = doauth_s.tokens[found].user;
        snprintf(scope, sizeof(scope), "%s", doauth_s.tokens[found].scope);
        if (prov == DP_CODING)
            for (size_t i = 0; i < doauth_s.ntokens; i++)
                if (doauth_s.tokens[i].prov == prov && !strcmp(doauth_s.tokens[i].refresh, refresh))
                    doauth_s.tokens[i].revoked = 1;
        tok = token_issue_locked(prov, user, scope, refresh, &rt);
    }
    pthread_mutex_unlock(&doauth_s.mu);
    if (!tok)
        token_error(resp, prov, "bad_refresh_token", "invalid_grant", 400,
                    "The refresh token is invalid or expired.");
    else
        token_reply(req, prov, tok, rt, scope, resp);
    free(tok);
    free(rt);
}

/* POST: the token endpoint of the provider req->arg. */
static void token(const struct devsim_req *req, struct devsim_resp *resp)
{
    enum dprov prov = (enum dprov)req->arg;
    pthread_mutex_lock(&doauth_s.mu);
    doauth_s.token_calls++;
    pthread_mutex_unlock(&doauth_s.mu);
    if (fault(resp)) return;
    if (!client_ok(req, prov)) {
        token_error(resp, prov, "incorrect_client_credentials", "invalid_client", 401,
                    "The client_id and/or client_secret passed are incorrect.");
        return;
    }
    char *grant = devsim_form_get(req->body, "grant_type"),
         *code = devsim_form_get(req->body, "code");
    char *redirect = devsim_form_get(req->body, "redirect_uri");
    char *verifier = devsim_form_get(req->body, "code_verifier");
    const char *why = NULL;
    size_t user = 0;
    char scope[160] = "";
    if (prov != DP_GITHUB && grant && !strcmp(grant, "refresh_token")) {
        char *rt = devsim_form_get(req->body, "refresh_token");
        token_refresh(req, prov, rt, resp);
        free(rt);
    } else if (prov != DP_GITHUB && (!grant || strcmp(grant, "authorization_code")))
        token_error(resp, prov, "unsupported_grant_type", "unsupported_grant_type", 400,
                    "grant_type must be authorization_code or refresh_token");
    else if (code_take(prov, code, redirect, verifier, &user, scope, sizeof(scope), &why) != 0)
        token_error(resp, prov,
                    strstr(why, "redirect_uri") ? "redirect_uri_mismatch" : "bad_verification_code",
                    "invalid_grant", 400, why);
    else {
        if (prov == DP_BITBUCKET) snprintf(scope, sizeof(scope), "account email repository");
        char *rt = NULL, *tok = token_issue(prov, user, scope, &rt);
        token_reply(req, prov, tok, rt, scope, resp);
        free(tok);
        free(rt);
    }
    free(grant);
    free(code);
    free(redirect);
    free(verifier);
}

/* ---- user APIs ---- */

/* The user behind the request's bearer token (a copy of the index; its granted scope into
 * scope[160] when not NULL), or -1 after replying. Expired and ended tokens are refused. */
static long api_user_scope(const struct devsim_req *req, enum dprov prov, struct devsim_resp *resp,
                           char *scope)
{
    const char *ua = devsim_header(req, "User-Agent"), *auth = devsim_header(req, "Authorization");
    pthread_mutex_lock(&doauth_s.mu);
    doauth_s.api_calls++;
    snprintf(doauth_s.last_ua, sizeof(doauth_s.last_ua), "%s", ua ? ua : "");
    pthread_mutex_unlock(&doauth_s.mu);
    if (prov == DP_GITHUB && (!ua || !*ua)) {
        devsim_reply(resp, 403, DEVSIM_TEXT,
                     "Request forbidden by administrative rules. Please make sure your request "
                     "has a User-Agent header (https://docs.github.com/en/rest/overview/"
                     "resources-in-the-rest-api#user-agent-required).\n");
        return -1;
    }
    if (fault(resp)) return -1;
    const char *tok = NULL;
    if (auth && !strncmp(auth, "Bearer ", 7))
        tok = auth + 7;
    else if (auth && !strncmp(auth, "token ", 6))
        tok = auth + 6;
    long user = -1;
    pthread_mutex_lock(&doauth_s.mu);
    for (size_t i = 0; tok && i < doauth_s.ntokens; i++) {
        const struct dtoken *t = &doauth_s.tokens[i];
        if (t->prov != prov || strcmp(t->token, tok)) continue;
        if (t->revoked || (t->expires && t->expires <= doauth_now())) break;
        user = (long)t->user;
        if (scope) memcpy(scope, t->scope, sizeof(t->scope));
    }
    pthread_mutex_unlock(&doauth_s.mu);
    if (user >= 0) return user;
    if (prov == DP_CODING)
        devsim_reply_json(resp, 200,
                          json_pack("{s:{s:{s:s, s:s}, s:s}}", "Response", "Error", "Code",
                                    "AuthFailure", "Message", "invalid access token", "RequestId",
                                    "devsim"));
    else if (prov == DP_GITHUB)
        devsim_reply_json(resp, 401,
                          json_pack("{s:s, s:s}", "message", "Bad credentials", "documentation_url",
                                    "https://docs.github.com/rest"));
    else
        devsim_reply_json(resp, 401,
                          json_pack("{s:s, s:{s:s}}", "type", "error", "error", "message",
                                    "Access token expired."));
    return -1;
}

static long api_user(const struct devsim_req *req, enum dprov prov, struct devsim_resp *resp)
{
    return api_user_scope(req, prov, resp, NULL);
}

int doauth_api_user(const struct devsim_req *req, const char *provider, struct devsim_resp *resp,
                    char **login, char **scope)
{
    int p = -1;
    for (int i = 0; i < DP_COUNT; i++)
        if (!strcmp(provider, doauth_prov_names[i])) p = i;
    if (p < 0) abort();
    char granted[160] = "";
    long ui = api_user_scope(req, (enum dprov)p, resp, granted);
    if (ui < 0) return -1;
    pthread_mutex_lock(&doauth_s.mu);
    *login = devsim_xstrdup(doauth_s.users[ui].login);
    pthread_mutex_unlock(&doauth_s.mu);
    *scope = devsim_xstrdup(granted);
    return 0;
}

static json_t *github_user(const struct duser *u)
{
    json_t *j =
        json_pack("{s:s, s:o, s:s, s:s, s:s}", "login", u->login, "id", id_json(u), "node_id",
                  "MDQ6VXNlcjE=", "avatar_url", "https://avatars.example/u", "type", "User");
    json_object_set_new(j, "name", u->name ? json_string(u->name) : json_null());
    json_object_set_new(j, "email", u->public_email ? json_string(u->public_email) : json_null());
    return j;
}

/* u's addresses as a list of {"email", primary_key, verified_key, extra_key}: extra_key gets
 * extra_primary for the primary address and extra_other for the others. */
static json_t *emails_json(const struct duser *u, const char *primary_key, const char *verified_key,
                           const char *extra_key, const char *extra_primary,
                           const char *extra_other)
{
    json_t *list = json_array();
    for (int i = 0; i < u->nemails; i++) {
        const struct demail *e = &u->emails[i];
        json_array_append_new(list, json_pack("{s:s, s:b, s:b, s:s}", "email", e->addr, primary_key,
                                              e->primary, verified_key, e->verified, extra_key,
                                              e->primary ? extra_primary : extra_other));
    }
    return list;
}

static json_t *github_emails(const struct duser *u)
{
    return emails_json(u, "primary", "verified", "visibility", "public", "private");
}

static json_t *bitbucket_emails(const struct duser *u)
{
    json_t *list = emails_json(u, "is_primary", "is_confirmed", "type", "email", "email");
    return json_pack("{s:i, s:o, s:i, s:i}", "pagelen", 10, "values", list, "page", 1, "size",
                     u->nemails);
}

static json_t *coding_user(const struct duser *u)
{
    const struct demail *pe = doauth_primary_email(u);
    json_t *user = json_pack("{s:o, s:i, s:s, s:s, s:s, s:i}", "Id", id_json(u), "TeamId", 1,
                             "Name", u->name ? u->name : u->login, "GlobalKey", u->login, "Email",
                             pe ? pe->addr : "", "EmailValidation", pe && pe->verified ? 1 : 0);
    return json_pack("{s:{s:o, s:s}}", "Response", "User", user, "RequestId", "devsim");
}

/* The user's profile (emails: 0) or email addresses (1) as prov's API gives them. Under
 * doauth_s.mu. */
static json_t *api_json(enum dprov prov, const struct duser *u, int emails)
{
    if (prov == DP_GITHUB) return emails ? github_emails(u) : github_user(u);
    if (prov == DP_CODING) return coding_user(u);
    if (emails) return bitbucket_emails(u);
    return json_pack("{s:s, s:s, s:s, s:s, s:s}", "uuid", u->id, "username", u->login,
                     "display_name", u->name ? u->name : u->login, "account_id", "557058:devsim",
                     "type", "user");
}

/* The user behind the bearer token at prov: emails 0 the profile, 1 the addresses. */
static void api(const struct devsim_req *req, enum dprov prov, int emails, struct devsim_resp *resp)
{
    long ui = api_user(req, prov, resp);
    if (ui < 0) return;
    pthread_mutex_lock(&doauth_s.mu);
    json_t *j = api_json(prov, &doauth_s.users[ui], emails);
    pthread_mutex_unlock(&doauth_s.mu);
    devsim_reply_json(resp, 200, j);
}

static void api_profile(const struct devsim_req *req, struct devsim_resp *resp)
{
    api(req, (enum dprov)req->arg, 0, resp);
}

static void api_emails(const struct devsim_req *req, struct devsim_resp *resp)
{
    api(req, (enum dprov)req->arg, 1, resp);
}

void doauth_coding_user(const struct devsim_req *req, json_t *body, struct devsim_resp *resp)
{
    (void)body;
    api(req, DP_CODING, 0, resp);
}

/* ---- routes ---- */

/* The authorize endpoints take GET (the page) and POST (the decision), the token endpoints
 * POST; the user APIs answer any method. req->arg: the provider. daoid reaches these paths
 * below the base URLs its config names (see the top of this file). */
const struct devsim_route doauth_routes[] = {
    {"GET POST", "/github/login/oauth/authorize", doauth_authorize, DP_GITHUB},
    {"POST", "/github/login/oauth/access_token", token, DP_GITHUB},
    {NULL, "/github/api/user", api_profile, DP_GITHUB},
    {NULL, "/github/api/user/emails", api_emails, DP_GITHUB},
    {"GET POST", "/bitbucket/site/oauth2/authorize", doauth_authorize, DP_BITBUCKET},
    {"POST", "/bitbucket/site/oauth2/access_token", token, DP_BITBUCKET},
    {NULL, "/bitbucket/api/2.0/user", api_profile, DP_BITBUCKET},
    {NULL, "/bitbucket/api/2.0/user/emails", api_emails, DP_BITBUCKET},
    {"GET POST", "/coding/oauth_authorize.html", doauth_authorize, DP_CODING},
    {"POST", "/coding/api/oauth/access_token", token, DP_CODING},
    {NULL},
};

void doauth_init(const char *callback_base)
{
    if (sodium_init() < 0) abort();
    pthread_mutex_lock(&doauth_s.mu);
    doauth_users_builtin();
    if (callback_base && *callback_base) doauth_set_callback_base(callback_base);
    pthread_mutex_unlock(&doauth_s.mu);
}

void doauth_stop(void)
{
    doauth_s.stopping = 1;
}

void doauth_free(void)
{
    pthread_mutex_lock(&doauth_s.mu);
    for (size_t i = 0; i < doauth_s.nusers; i++) doauth_user_free(&doauth_s.users[i]);
    for (size_t i = 0; i < doauth_s.ncodes; i++) free(doauth_s.codes[i].redirect);
    for (int p = 0; p < DP_COUNT; p++) free(doauth_s.redirect[p]), doauth_s.redirect[p] = NULL;
    free(doauth_s.users);
    free(doauth_s.codes);
    free(doauth_s.tokens);
    doauth_s.users = NULL, doauth_s.codes = NULL, doauth_s.tokens = NULL;
    doauth_s.nusers = doauth_s.ncodes = doauth_s.ntokens = 0;
    pthread_mutex_unlock(&doauth_s.mu);
}
