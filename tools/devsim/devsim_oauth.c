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
 * /bitbucket, API /bitbucket/api; Coding team /coding. */
#include "devsim.h"

#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define DO_HTML       "text/html; charset=utf-8"
#define DO_TEXT       "text/plain; charset=utf-8"
#define DO_CODE_TTL   600
#define DO_MAX_EMAILS 4
#define DO_MAX_ITEMS  4096 /* codes and tokens kept; the oldest go first */

enum dprov { DP_GITHUB, DP_BITBUCKET, DP_CODING, DP_COUNT };
enum dmode { DM_UP, DM_SLOW, DM_ERROR, DM_BADJSON };

static const char *const dprov_names[DP_COUNT] = {"github", "bitbucket", "coding"};
static const char *const dprov_labels[DP_COUNT] = {"GitHub", "Bitbucket", "Coding"};
static const char *const dmode_names[] = {"up", "slow", "error", "badjson"};

struct demail {
    char *addr;
    int primary, verified;
};

struct duser {
    enum dprov prov;
    char *id, *login, *name, *public_email;
    struct demail emails[DO_MAX_EMAILS];
    int nemails;
};

struct dcode {
    char code[48];
    enum dprov prov;
    size_t user;
    char scope[160]; /* as asked for at the authorize endpoint */
    char *redirect;  /* as given to the authorize endpoint, NULL when none */
    char challenge[64];
    long long expires;
    int used;
};

struct dtoken {
    char token[64];
    enum dprov prov;
    size_t user;
    char scope[160];   /* granted, words separated by spaces */
    char refresh[64];  /* the grant's refresh token ("" for GitHub) */
    long long expires; /* 0: never */
    int revoked;       /* a later refresh of its grant ended it (Coding) */
};

static struct {
    pthread_mutex_t mu;
    char *redirect[DP_COUNT]; /* registered callback URLs */
    struct duser *users;
    size_t nusers;
    struct dcode *codes;
    size_t ncodes;
    struct dtoken *tokens;
    size_t ntokens;
    enum dmode mode;
    long delay_ms;
    unsigned long long token_calls, api_calls, refresh_calls;
    char last_ua[160];
    atomic_int stopping;
} S = {.mu = PTHREAD_MUTEX_INITIALIZER, .delay_ms = 30000};

/* Test clients: daoid's config for the simulator uses these. */
static const char *const client_ids[DP_COUNT] = {"devsim-github-client", "devsim-bitbucket-key",
                                                 "devsim-coding-client"};
static const char *const client_secrets[DP_COUNT] = {
    "devsim-github-secret", "devsim-bitbucket-secret", "devsim-coding-secret"};

/* ---- small helpers ---- */

static char *xstrdup(const char *s)
{
    if (!s) return NULL;
    char *d = strdup(s);
    if (!d) abort();
    return d;
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q) abort();
    return q;
}

static long long now_s(void)
{
    return (long long)time(NULL);
}

/* A fresh random token of n bytes as base64url (prefix first), into out[cap]. */
static void rand_token(char *out, size_t cap, const char *prefix, size_t n)
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

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* The decoded value of key in an x-www-form-urlencoded body (malloc'd), or NULL. */
static char *form_get(const char *body, const char *key)
{
    size_t kn = strlen(key);
    for (const char *p = body; p && *p;) {
        size_t n = strcspn(p, "&");
        if (n > kn && !strncmp(p, key, kn) && p[kn] == '=') {
            char *out = xrealloc(NULL, n), *o = out;
            for (const char *s = p + kn + 1; s < p + n; s++) {
                if (*s == '+')
                    *o++ = ' ';
                else if (*s == '%' && s + 2 < p + n && hexval(s[1]) >= 0 && hexval(s[2]) >= 0)
                    *o++ = (char)(hexval(s[1]) * 16 + hexval(s[2])), s += 2;
                else
                    *o++ = *s;
            }
            *o = 0;
            return out;
        }
        p += n;
        if (*p == '&') p++;
    }
    return NULL;
}

/* s percent-encoded for a query value, appended to f. */
static void put_enc(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~", *p))
            fputc(*p, f);
        else
            fprintf(f, "%%%02X", *p);
    }
}

static void put_esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

static const char *header(const struct devsim_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

/* A 302 to url?key=value&… built from pairs (NULL value: skipped), NULL-terminated. */
static void redirect_with(struct devsim_resp *resp, const char *url, ...)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) abort();
    fputs(url, f);
    char sep = strchr(url, '?') ? '&' : '?';
    va_list ap;
    va_start(ap, url);
    for (const char *k; (k = va_arg(ap, const char *));) {
        const char *v = va_arg(ap, const char *);
        if (!v) continue;
        fprintf(f, "%c%s=", sep, k);
        put_enc(f, v);
        sep = '&';
    }
    va_end(ap);
    fclose(f);
    free(resp->location);
    resp->location = buf;
    devsim_reply(resp, 302, DO_TEXT, "Found\n");
}

/* ---- users ---- */

static void user_add(enum dprov prov, const char *id, const char *login, const char *name,
                     const char *public_email, const struct demail *emails, int n)
{
    S.users = xrealloc(S.users, sizeof(*S.users) * (S.nusers + 1));
    struct duser *u = &S.users[S.nusers++];
    memset(u, 0, sizeof(*u));
    u->prov = prov;
    u->id = xstrdup(id);
    u->login = xstrdup(login);
    u->name = xstrdup(name);
    u->public_email = xstrdup(public_email);
    for (int i = 0; i < n && i < DO_MAX_EMAILS; i++) {
        u->emails[i].addr = xstrdup(emails[i].addr);
        u->emails[i].primary = emails[i].primary;
        u->emails[i].verified = emails[i].verified;
        u->nemails++;
    }
}

static void user_free(struct duser *u)
{
    free(u->id);
    free(u->login);
    free(u->name);
    free(u->public_email);
    for (int i = 0; i < u->nemails; i++) free(u->emails[i].addr);
}

static void users_builtin(void)
{
    struct demail octo[] = {{"octocat@github.example", 1, 1}, {"octo-work@example.com", 0, 1}};
    user_add(DP_GITHUB, "583231", "octocat", "The Octocat", "octocat@github.example", octo, 2);
    struct demail dot[] = {{"octo.cat@example.com", 1, 1}};
    user_add(DP_GITHUB, "1002", "Octo.Cat", "Octo Cat", NULL, dot, 1);
    struct demail hubot[] = {{"hubot@example.com", 1, 0}, {"hubot-alt@example.com", 0, 1}};
    user_add(DP_GITHUB, "1003", "hubot", NULL, NULL, hubot, 2);
    struct demail mona[] = {{"mona@example.com", 1, 1}};
    user_add(DP_GITHUB, "1004", "mona", "Mona Lisa", "mona@example.com", mona, 1);
    struct demail bob[] = {{"bob@bitbucket.example", 1, 1}};
    user_add(DP_BITBUCKET, "{2a1f5b1e-0c4d-4d67-9f43-6e0e3c1c7a10}", "bitbucket-bob", "Bob Bucket",
             NULL, bob, 1);
    struct demail alice[] = {{"alice.b@example.com", 1, 0}};
    user_add(DP_BITBUCKET, "{7d9e2c44-1b3a-4f0e-8a55-3c2d1e0f9b21}", "alice_b", "Alice B", NULL,
             alice, 1);
    struct demail coder[] = {{"coder@coding.example", 1, 1}};
    user_add(DP_CODING, "7001", "coder", "\xe7\xa0\x81\xe5\x86\x9c", NULL, coder, 1);
    struct demail two[] = {{"two@coding.example", 1, 0}};
    user_add(DP_CODING, "7002", "coder-two", "Coder Two", NULL, two, 1);
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

static const struct demail *primary_email(const struct duser *u)
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
    pthread_mutex_lock(&S.mu);
    enum dmode m = S.mode;
    long delay = S.delay_ms;
    pthread_mutex_unlock(&S.mu);
    if (m == DM_SLOW) {
        for (long waited = 0; waited < delay && !S.stopping; waited += 20) {
            usleep(20 * 1000);
            pthread_mutex_lock(&S.mu);
            m = S.mode;
            pthread_mutex_unlock(&S.mu);
            if (m != DM_SLOW) break;
        }
        return 0;
    }
    if (m == DM_ERROR) {
        devsim_reply(resp, 500, DO_HTML,
                     "<html><body><h1>500 Internal Server Error</h1></body></html>\n");
        return 1;
    }
    if (m == DM_BADJSON) {
        devsim_reply(resp, 200, "application/json", "{\"access_token\": \"gho_trunc");
        return 1;
    }
    return 0;
}

/* ---- authorize ---- */

struct authz {
    enum dprov prov;
    char *client_id, *redirect_uri, *state, *scope, *response_type, *challenge, *method;
};

static void authz_free(struct authz *z)
{
    free(z->client_id);
    free(z->redirect_uri);
    free(z->state);
    free(z->scope);
    free(z->response_type);
    free(z->challenge);
    free(z->method);
}

static char *param(const struct devsim_req *req, int post, const char *key)
{
    return post ? form_get(req->body, key) : xstrdup(devsim_query(req, key));
}

static void authz_read(const struct devsim_req *req, int post, struct authz *z)
{
    z->client_id = param(req, post, "client_id");
    z->redirect_uri = param(req, post, "redirect_uri");
    z->state = param(req, post, "state");
    z->scope = param(req, post, "scope");
    z->response_type = param(req, post, "response_type");
    z->challenge = param(req, post, "code_challenge");
    z->method = param(req, post, "code_challenge_method");
}

/* Checks the request like the provider does; on a problem the reply is made and -1 returned.
 * *redirect gets the URL to send the browser back to (malloc'd). */
static int authz_check(const struct authz *z, struct devsim_resp *resp, char **redirect)
{
    pthread_mutex_lock(&S.mu);
    char *registered = xstrdup(S.redirect[z->prov]);
    pthread_mutex_unlock(&S.mu);
    int rc = -1;
    if (!z->client_id || strcmp(z->client_id, client_ids[z->prov]) || !registered) {
        devsim_reply(resp, 404, DO_HTML, "<h1>Application not found</h1>\n");
    } else if (z->redirect_uri && strcmp(z->redirect_uri, registered)) {
        redirect_with(resp, registered, "error", "redirect_uri_mismatch", "error_description",
                      "The redirect_uri MUST match the registered callback URL for this "
                      "application.",
                      "state", z->state, NULL);
    } else if (z->prov != DP_GITHUB && (!z->response_type || strcmp(z->response_type, "code"))) {
        devsim_reply(resp, 400, DO_HTML, "<h1>response_type must be code</h1>\n");
    } else if (z->challenge &&
               (!z->method || strcmp(z->method, "S256") || strlen(z->challenge) != 43)) {
        devsim_reply(resp, 400, DO_HTML, "<h1>code_challenge_method must be S256</h1>\n");
    } else {
        *redirect = xstrdup(z->redirect_uri ? z->redirect_uri : registered);
        rc = 0;
    }
    free(registered);
    return rc;
}

static void hidden(FILE *f, const char *name, const char *val)
{
    if (!val) return;
    fprintf(f, "<input type=\"hidden\" name=\"%s\" value=\"", name);
    put_esc(f, val);
    fputs("\">\n", f);
}

/* The page: the app asks for access; radio buttons for the test users of this provider. */
static void authz_page(const struct authz *z, struct devsim_resp *resp)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) abort();
    fprintf(f,
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Authorize "
            "application · %s (devsim)</title></head><body>\n<h1 id=\"provider\">%s</h1>\n"
            "<p>The application <strong>daoid</strong> (client <code>",
            dprov_labels[z->prov], dprov_labels[z->prov]);
    put_esc(f, z->client_id);
    fputs("</code>) would like to read your profile and email addresses", f);
    if (z->scope) {
        fputs(" (scope <code id=\"scope\">", f);
        put_esc(f, z->scope);
        fputs("</code>)", f);
    }
    fputs(".</p>\n<form method=\"post\">\n<fieldset><legend>Sign in as</legend>\n", f);
    pthread_mutex_lock(&S.mu);
    int first = 1;
    for (size_t i = 0; i < S.nusers; i++) {
        const struct duser *u = &S.users[i];
        if (u->prov != z->prov) continue;
        const struct demail *pe = primary_email(u);
        fprintf(f,
                "<label><input type=\"radio\" name=\"user\" value=\"%zu\" id=\"user-%zu\"%s "
                "data-login=\"",
                i, i, first ? " checked" : "");
        put_esc(f, u->login);
        fputs("\"> ", f);
        put_esc(f, u->login);
        fputs(" <small>", f);
        put_esc(f, u->name);
        fputs(" · ", f);
        put_esc(f, pe ? pe->addr : "no email");
        fputs("</small></label><br>\n", f);
        first = 0;
    }
    pthread_mutex_unlock(&S.mu);
    fputs("</fieldset>\n", f);
    hidden(f, "client_id", z->client_id);
    hidden(f, "redirect_uri", z->redirect_uri);
    hidden(f, "state", z->state);
    hidden(f, "scope", z->scope);
    hidden(f, "response_type", z->response_type);
    hidden(f, "code_challenge", z->challenge);
    hidden(f, "code_challenge_method", z->method);
    fputs("<p><button type=\"submit\" name=\"decision\" value=\"authorize\" id=\"authorize\">"
          "Authorize application</button>\n<button type=\"submit\" name=\"decision\" "
          "value=\"cancel\" id=\"cancel\">Cancel</button></p>\n</form></body></html>\n",
          f);
    fclose(f);
    devsim_reply_take(resp, 200, DO_HTML, buf, len);
}

/* The person's decision: a code, or access_denied, back at the redirect URI. */
static void authz_decide(const struct devsim_req *req, const struct authz *z, const char *back,
                         struct devsim_resp *resp)
{
    char *decision = form_get(req->body, "decision"), *user = form_get(req->body, "user");
    if (!decision || strcmp(decision, "authorize")) {
        redirect_with(resp, back, "error", "access_denied", "error_description",
                      "The user has denied your application access.", "state", z->state, NULL);
        goto out;
    }
    size_t ui = user ? (size_t)strtoull(user, NULL, 10) : (size_t)-1;
    pthread_mutex_lock(&S.mu);
    if (ui >= S.nusers || S.users[ui].prov != z->prov) {
        pthread_mutex_unlock(&S.mu);
        devsim_reply(resp, 400, DO_HTML, "<h1>Pick a user</h1>\n");
        goto out;
    }
    if (S.ncodes == DO_MAX_ITEMS) {
        free(S.codes[0].redirect);
        memmove(S.codes, S.codes + 1, sizeof(*S.codes) * --S.ncodes);
    }
    S.codes = xrealloc(S.codes, sizeof(*S.codes) * (S.ncodes + 1));
    struct dcode *c = &S.codes[S.ncodes++];
    memset(c, 0, sizeof(*c));
    rand_token(c->code, sizeof(c->code), "", 15);
    c->prov = z->prov;
    c->user = ui;
    c->redirect = xstrdup(z->redirect_uri);
    snprintf(c->challenge, sizeof(c->challenge), "%s", z->challenge ? z->challenge : "");
    snprintf(c->scope, sizeof(c->scope), "%s", z->scope ? z->scope : "");
    c->expires = now_s() + DO_CODE_TTL;
    char code[48];
    memcpy(code, c->code, sizeof(code));
    pthread_mutex_unlock(&S.mu);
    redirect_with(resp, back, "code", code, "state", z->state, NULL);
out:
    free(decision);
    free(user);
}

static void authorize(const struct devsim_req *req, enum dprov prov, struct devsim_resp *resp)
{
    int post = !strcmp(req->method, "POST");
    if (!post && strcmp(req->method, "GET")) {
        devsim_reply(resp, 405, DO_TEXT, "method not allowed\n");
        return;
    }
    struct authz z = {.prov = prov};
    authz_read(req, post, &z);
    char *back = NULL;
    if (authz_check(&z, resp, &back) == 0) {
        if (post)
            authz_decide(req, &z, back, resp);
        else
            authz_page(&z, resp);
    }
    free(back);
    authz_free(&z);
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
        const char *auth = header(req, "Authorization");
        unsigned char raw[256];
        size_t n = 0;
        if (auth && !strncmp(auth, "Basic ", 6) &&
            sodium_base642bin(raw, sizeof(raw) - 1, auth + 6, strlen(auth + 6), NULL, &n, NULL,
                              sodium_base64_VARIANT_ORIGINAL) == 0) {
            raw[n] = 0;
            char want[128];
            snprintf(want, sizeof(want), "%s:%s", client_ids[prov], client_secrets[prov]);
            ok = !strcmp((char *)raw, want);
        }
        return ok;
    }
    char *id = form_get(req->body, "client_id"), *secret = form_get(req->body, "client_secret");
    ok = id && secret && !strcmp(id, client_ids[prov]) && !strcmp(secret, client_secrets[prov]);
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
    pthread_mutex_lock(&S.mu);
    for (size_t i = 0; code && i < S.ncodes; i++) {
        struct dcode *c = &S.codes[i];
        if (c->prov != prov || strcmp(c->code, code)) continue;
        if (c->used || c->expires <= now_s()) break;
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
    pthread_mutex_unlock(&S.mu);
    return rc;
}

/* Lifetime of access tokens: GitHub's OAuth tokens do not expire; Bitbucket's last 2 hours;
 * Coding gives 10 days (as a string). */
static const long long token_life[DP_COUNT] = {0, 7200, 863999};

/* A new access token for user's grant (refresh: the grant's refresh token, NULL for a new
 * grant, which gets one unless the provider is GitHub); *out_refresh gets the grant's refresh
 * token. Both malloc'd. Called with S.mu held. */
static char *token_issue_locked(enum dprov prov, size_t user, const char *scope,
                                const char *refresh, char **out_refresh)
{
    static const char *const prefix[DP_COUNT] = {"gho_", "bbt_", "cdt_"};
    static const char *const rprefix[DP_COUNT] = {"", "bbr_", "cdr_"};
    if (S.ntokens == DO_MAX_ITEMS) memmove(S.tokens, S.tokens + 1, sizeof(*S.tokens) * --S.ntokens);
    S.tokens = xrealloc(S.tokens, sizeof(*S.tokens) * (S.ntokens + 1));
    struct dtoken *t = &S.tokens[S.ntokens++];
    memset(t, 0, sizeof(*t));
    rand_token(t->token, sizeof(t->token), prefix[prov], 27);
    t->prov = prov;
    t->user = user;
    snprintf(t->scope, sizeof(t->scope), "%s", scope ? scope : "");
    for (char *c = t->scope; *c; c++)
        if (*c == ',') *c = ' ';
    t->expires = token_life[prov] ? now_s() + token_life[prov] : 0;
    if (refresh)
        snprintf(t->refresh, sizeof(t->refresh), "%s", refresh);
    else if (prov != DP_GITHUB)
        rand_token(t->refresh, sizeof(t->refresh), rprefix[prov], 27);
    *out_refresh = xstrdup(t->refresh);
    return xstrdup(t->token);
}

static char *token_issue(enum dprov prov, size_t user, const char *scope, char **refresh)
{
    pthread_mutex_lock(&S.mu);
    char *out = token_issue_locked(prov, user, scope, NULL, refresh);
    pthread_mutex_unlock(&S.mu);
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
        const char *accept = header(req, "Accept");
        if (accept && strstr(accept, "application/json")) {
            devsim_reply_json(resp, 200,
                              json_pack("{s:s, s:s, s:s}", "access_token", tok, "token_type",
                                        "bearer", "scope", granted));
        } else { /* GitHub's default answer is form-encoded */
            char *body = NULL;
            size_t len = 0;
            FILE *f = open_memstream(&body, &len);
            if (!f) abort();
            fprintf(f, "access_token=%s&scope=", tok);
            put_enc(f, granted);
            fputs("&token_type=bearer", f);
            fclose(f);
            devsim_reply_take(resp, 200, "application/x-www-form-urlencoded", body, len);
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
    pthread_mutex_lock(&S.mu);
    S.refresh_calls++;
    long found = -1;
    for (size_t i = 0; refresh && *refresh && i < S.ntokens; i++)
        if (S.tokens[i].prov == prov && !strcmp(S.tokens[i].refresh, refresh)) found = (long)i;
    if (found >= 0) {
        size_t user = S.tokens[found].user;
        snprintf(scope, sizeof(scope), "%s", S.tokens[found].scope);
        if (prov == DP_CODING)
            for (size_t i = 0; i < S.ntokens; i++)
                if (S.tokens[i].prov == prov && !strcmp(S.tokens[i].refresh, refresh))
                    S.tokens[i].revoked = 1;
        tok = token_issue_locked(prov, user, scope, refresh, &rt);
    }
    pthread_mutex_unlock(&S.mu);
    if (!tok)
        token_error(resp, prov, "bad_refresh_token", "invalid_grant", 400,
                    "The refresh token is invalid or expired.");
    else
        token_reply(req, prov, tok, rt, scope, resp);
    free(tok);
    free(rt);
}

static void token(const struct devsim_req *req, enum dprov prov, struct devsim_resp *resp)
{
    if (strcmp(req->method, "POST")) {
        devsim_reply(resp, 405, DO_TEXT, "method not allowed\n");
        return;
    }
    pthread_mutex_lock(&S.mu);
    S.token_calls++;
    pthread_mutex_unlock(&S.mu);
    if (fault(resp)) return;
    if (!client_ok(req, prov)) {
        token_error(resp, prov, "incorrect_client_credentials", "invalid_client", 401,
                    "The client_id and/or client_secret passed are incorrect.");
        return;
    }
    char *grant = form_get(req->body, "grant_type"), *code = form_get(req->body, "code");
    char *redirect = form_get(req->body, "redirect_uri");
    char *verifier = form_get(req->body, "code_verifier");
    const char *why = NULL;
    size_t user = 0;
    char scope[160] = "";
    if (prov != DP_GITHUB && grant && !strcmp(grant, "refresh_token")) {
        char *rt = form_get(req->body, "refresh_token");
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
    const char *ua = header(req, "User-Agent"), *auth = header(req, "Authorization");
    pthread_mutex_lock(&S.mu);
    S.api_calls++;
    snprintf(S.last_ua, sizeof(S.last_ua), "%s", ua ? ua : "");
    pthread_mutex_unlock(&S.mu);
    if (prov == DP_GITHUB && (!ua || !*ua)) {
        devsim_reply(resp, 403, DO_TEXT,
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
    pthread_mutex_lock(&S.mu);
    for (size_t i = 0; tok && i < S.ntokens; i++) {
        const struct dtoken *t = &S.tokens[i];
        if (t->prov != prov || strcmp(t->token, tok)) continue;
        if (t->revoked || (t->expires && t->expires <= now_s())) break;
        user = (long)t->user;
        if (scope) memcpy(scope, t->scope, sizeof(t->scope));
    }
    pthread_mutex_unlock(&S.mu);
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
        if (!strcmp(provider, dprov_names[i])) p = i;
    if (p < 0) abort();
    char granted[160] = "";
    long ui = api_user_scope(req, (enum dprov)p, resp, granted);
    if (ui < 0) return -1;
    pthread_mutex_lock(&S.mu);
    *login = xstrdup(S.users[ui].login);
    pthread_mutex_unlock(&S.mu);
    *scope = xstrdup(granted);
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

static json_t *github_emails(const struct duser *u)
{
    json_t *list = json_array();
    for (int i = 0; i < u->nemails; i++)
        json_array_append_new(list, json_pack("{s:s, s:b, s:b, s:s}", "email", u->emails[i].addr,
                                              "primary", u->emails[i].primary, "verified",
                                              u->emails[i].verified, "visibility",
                                              u->emails[i].primary ? "public" : "private"));
    return list;
}

static json_t *bitbucket_emails(const struct duser *u)
{
    json_t *list = json_array();
    for (int i = 0; i < u->nemails; i++)
        json_array_append_new(list, json_pack("{s:s, s:b, s:b, s:s}", "email", u->emails[i].addr,
                                              "is_primary", u->emails[i].primary, "is_confirmed",
                                              u->emails[i].verified, "type", "email"));
    return json_pack("{s:i, s:o, s:i, s:i}", "pagelen", 10, "values", list, "page", 1, "size",
                     u->nemails);
}

static json_t *coding_user(const struct duser *u)
{
    const struct demail *pe = primary_email(u);
    json_t *user = json_pack("{s:o, s:i, s:s, s:s, s:s, s:i}", "Id", id_json(u), "TeamId", 1,
                             "Name", u->name ? u->name : u->login, "GlobalKey", u->login, "Email",
                             pe ? pe->addr : "", "EmailValidation", pe && pe->verified ? 1 : 0);
    return json_pack("{s:{s:o, s:s}}", "Response", "User", user, "RequestId", "devsim");
}

/* what: "user" or "emails". */
static void api(const struct devsim_req *req, enum dprov prov, const char *what,
                struct devsim_resp *resp)
{
    long ui = api_user(req, prov, resp);
    if (ui < 0) return;
    json_t *j = NULL;
    pthread_mutex_lock(&S.mu);
    const struct duser *u = &S.users[ui];
    if (prov == DP_GITHUB)
        j = !strcmp(what, "user") ? github_user(u) : github_emails(u);
    else if (prov == DP_CODING)
        j = coding_user(u);
    else if (!strcmp(what, "user"))
        j = json_pack("{s:s, s:s, s:s, s:s, s:s}", "uuid", u->id, "username", u->login,
                      "display_name", u->name ? u->name : u->login, "account_id", "557058:devsim",
                      "type", "user");
    else
        j = bitbucket_emails(u);
    pthread_mutex_unlock(&S.mu);
    devsim_reply_json(resp, 200, j);
}

/* ---- routes ---- */

static void github(const struct devsim_req *req, struct devsim_resp *resp)
{
    const char *r = req->rest;
    if (!strcmp(r, "/login/oauth/authorize"))
        authorize(req, DP_GITHUB, resp);
    else if (!strcmp(r, "/login/oauth/access_token"))
        token(req, DP_GITHUB, resp);
    else if (!strcmp(r, "/api/user"))
        api(req, DP_GITHUB, "user", resp);
    else if (!strcmp(r, "/api/user/emails"))
        api(req, DP_GITHUB, "emails", resp);
}

static void bitbucket(const struct devsim_req *req, struct devsim_resp *resp)
{
    const char *r = req->rest;
    if (!strcmp(r, "/site/oauth2/authorize"))
        authorize(req, DP_BITBUCKET, resp);
    else if (!strcmp(r, "/site/oauth2/access_token"))
        token(req, DP_BITBUCKET, resp);
    else if (!strcmp(r, "/api/2.0/user"))
        api(req, DP_BITBUCKET, "user", resp);
    else if (!strcmp(r, "/api/2.0/user/emails"))
        api(req, DP_BITBUCKET, "emails", resp);
}

static void coding(const struct devsim_req *req, struct devsim_resp *resp)
{
    const char *r = req->rest;
    if (!strcmp(r, "/oauth_authorize.html"))
        authorize(req, DP_CODING, resp);
    else if (!strcmp(r, "/api/oauth/access_token"))
        token(req, DP_CODING, resp);
    else if (!strcmp(r, "/open-api")) {
        json_error_t err;
        json_t *j = json_loadb(req->body, req->body_len, 0, &err);
        const char *action = json_string_value(json_object_get(j, "Action"));
        if (!action) action = devsim_query(req, "Action");
        if (!strcmp(req->method, "POST") && action && strcmp(action, "DescribeCodingCurrentUser") &&
            drepos_coding(req, action, j, resp))
            ; /* a repository action, answered */
        else if (strcmp(req->method, "POST") || !action ||
                 strcmp(action, "DescribeCodingCurrentUser"))
            devsim_reply_json(resp, 400,
                              json_pack("{s:{s:{s:s, s:s}, s:s}}", "Response", "Error", "Code",
                                        "InvalidAction", "Message", "unknown Action", "RequestId",
                                        "devsim"));
        else
            api(req, DP_CODING, "user", resp);
        json_decref(j);
    }
}

/* ---- control ---- */

static void ctl_status(struct devsim_resp *resp)
{
    pthread_mutex_lock(&S.mu);
    json_t *j =
        json_pack("{s:s, s:I, s:I, s:I, s:I, s:s, s:I}", "mode", dmode_names[S.mode], "delay_ms",
                  (json_int_t)S.delay_ms, "token_calls", (json_int_t)S.token_calls, "api_calls",
                  (json_int_t)S.api_calls, "refresh_calls", (json_int_t)S.refresh_calls,
                  "last_user_agent", S.last_ua, "users", (json_int_t)S.nusers);
    pthread_mutex_unlock(&S.mu);
    devsim_reply_json(resp, 200, j);
}

/* {"mode":"up|slow|error|badjson","delay_ms":N} */
static void ctl_mode(json_t *j, struct devsim_resp *resp)
{
    const char *m = json_string_value(json_object_get(j, "mode"));
    int mode = -1;
    for (int i = 0; m && i < (int)(sizeof(dmode_names) / sizeof(dmode_names[0])); i++)
        if (!strcmp(m, dmode_names[i])) mode = i;
    json_t *d = json_object_get(j, "delay_ms");
    if (mode < 0 || (d && (!json_is_integer(d) || json_integer_value(d) < 0))) {
        devsim_reply_error(resp, 400,
                           "body must be {\"mode\":\"up|slow|error|badjson\"[,\"delay_ms\":N]}");
        return;
    }
    pthread_mutex_lock(&S.mu);
    S.mode = (enum dmode)mode;
    if (d) S.delay_ms = (long)json_integer_value(d);
    pthread_mutex_unlock(&S.mu);
    ctl_status(resp);
}

static void set_callback_base(const char *base)
{
    for (int p = 0; p < DP_COUNT; p++) {
        char url[512];
        snprintf(url, sizeof(url), "%s/auth/%s/callback", base, dprov_names[p]);
        free(S.redirect[p]);
        S.redirect[p] = xstrdup(url);
    }
}

/* {"callback_base":"http://127.0.0.1:PORT"}: the redirect URIs registered for the clients. */
static void ctl_apps(json_t *j, struct devsim_resp *resp)
{
    const char *base = json_string_value(json_object_get(j, "callback_base"));
    if (!base || strncmp(base, "http", 4) || strlen(base) > 400) {
        devsim_reply_error(resp, 400, "body must be {\"callback_base\":\"http://host:port\"}");
        return;
    }
    pthread_mutex_lock(&S.mu);
    set_callback_base(base);
    json_t *out = json_object();
    for (int p = 0; p < DP_COUNT; p++)
        json_object_set_new(out, dprov_names[p],
                            json_pack("{s:s, s:s, s:s}", "client_id", client_ids[p],
                                      "client_secret", client_secrets[p], "redirect_uri",
                                      S.redirect[p]));
    pthread_mutex_unlock(&S.mu);
    devsim_reply_json(resp, 200, out);
}

/* {"provider","id","login","name","public_email","emails":[{"email","primary","verified"}]} */
static void ctl_user(json_t *j, struct devsim_resp *resp)
{
    const char *prov = json_string_value(json_object_get(j, "provider"));
    int p = -1;
    for (int i = 0; prov && i < DP_COUNT; i++)
        if (!strcmp(prov, dprov_names[i])) p = i;
    json_t *idj = json_object_get(j, "id"), *emails = json_object_get(j, "emails");
    const char *login = json_string_value(json_object_get(j, "login"));
    char id[64];
    if (json_is_integer(idj))
        snprintf(id, sizeof(id), "%lld", (long long)json_integer_value(idj));
    else
        snprintf(id, sizeof(id), "%s", json_is_string(idj) ? json_string_value(idj) : "");
    if (p < 0 || !*id || !login || (emails && !json_is_array(emails))) {
        devsim_reply_error(resp, 400, "body must be {\"provider\",\"id\",\"login\",...}");
        return;
    }
    struct demail em[DO_MAX_EMAILS];
    int n = 0;
    size_t i;
    json_t *e;
    json_array_foreach(emails, i, e)
    {
        if (n == DO_MAX_EMAILS || !json_is_string(json_object_get(e, "email"))) continue;
        em[n].addr = (char *)json_string_value(json_object_get(e, "email"));
        em[n].primary = json_is_true(json_object_get(e, "primary"));
        em[n].verified = json_is_true(json_object_get(e, "verified"));
        n++;
    }
    pthread_mutex_lock(&S.mu);
    user_add((enum dprov)p, id, login, json_string_value(json_object_get(j, "name")),
             json_string_value(json_object_get(j, "public_email")), em, n);
    json_int_t index = (json_int_t)S.nusers - 1;
    pthread_mutex_unlock(&S.mu);
    devsim_reply_json(resp, 200, json_pack("{s:I}", "index", index));
}

/* 1 when token t matches the filter: provider name (NULL: any) and login (NULL: any). */
static int token_match(const struct dtoken *t, const char *prov, const char *login)
{
    if (prov && strcmp(prov, dprov_names[t->prov])) return 0;
    return !login || (t->user < S.nusers && !strcmp(S.users[t->user].login, login));
}

/* {"provider":P,"login":L} (both optional): their access tokens expire now (refresh tokens
 * stay valid). {"code":C}: that authorization code expires now instead (as one left unused
 * for DO_CODE_TTL). Answers how many. */
static void ctl_expire(json_t *j, struct devsim_resp *resp)
{
    const char *prov = json_string_value(json_object_get(j, "provider"));
    const char *login = json_string_value(json_object_get(j, "login"));
    const char *code = json_string_value(json_object_get(j, "code"));
    json_int_t n = 0;
    pthread_mutex_lock(&S.mu);
    for (size_t i = 0; code && i < S.ncodes; i++)
        if (!strcmp(S.codes[i].code, code)) S.codes[i].expires = now_s() - 1, n++;
    for (size_t i = 0; !code && i < S.ntokens; i++)
        if (token_match(&S.tokens[i], prov, login)) S.tokens[i].expires = now_s() - 1, n++;
    pthread_mutex_unlock(&S.mu);
    devsim_reply_json(resp, 200, json_pack("{s:I}", "expired", n));
}

/* GET /_ctl/oauth/tokens?provider=P&login=L: the tokens issued (for tests that look for them
 * where they must not be), oldest first. */
static void ctl_tokens(const struct devsim_req *req, struct devsim_resp *resp)
{
    const char *prov = devsim_query(req, "provider"), *login = devsim_query(req, "login");
    json_t *list = json_array();
    pthread_mutex_lock(&S.mu);
    for (size_t i = 0; i < S.ntokens; i++) {
        const struct dtoken *t = &S.tokens[i];
        if (!token_match(t, prov, login)) continue;
        json_array_append_new(
            list, json_pack("{s:s, s:s, s:s, s:s, s:s, s:b}", "provider", dprov_names[t->prov],
                            "login", S.users[t->user].login, "token", t->token, "refresh_token",
                            t->refresh, "scope", t->scope, "valid",
                            !t->revoked && (!t->expires || t->expires > now_s())));
    }
    pthread_mutex_unlock(&S.mu);
    devsim_reply_json(resp, 200, list);
}

/* GET /_ctl/oauth: status; /_ctl/oauth/tokens. POST /_ctl/oauth (mode), /_ctl/oauth/apps,
 * /_ctl/oauth/users, /_ctl/oauth/expire. */
static void ctl(const struct devsim_req *req, struct devsim_resp *resp)
{
    if (!strcmp(req->method, "GET") && !*req->rest) {
        ctl_status(resp);
        return;
    }
    if (!strcmp(req->method, "GET") && !strcmp(req->rest, "/tokens")) {
        ctl_tokens(req, resp);
        return;
    }
    if (strcmp(req->method, "POST")) {
        devsim_reply_error(resp, 405, "method not allowed");
        return;
    }
    json_error_t err;
    json_t *j = json_loadb(req->body, req->body_len, 0, &err);
    if (!json_is_object(j))
        devsim_reply_error(resp, 400, "body must be a JSON object");
    else if (!*req->rest)
        ctl_mode(j, resp);
    else if (!strcmp(req->rest, "/apps"))
        ctl_apps(j, resp);
    else if (!strcmp(req->rest, "/users"))
        ctl_user(j, resp);
    else if (!strcmp(req->rest, "/expire"))
        ctl_expire(j, resp);
    else
        devsim_reply_error(resp, 404, "not found");
    json_decref(j);
}

const struct devsim_route doauth_routes[] = {
    {"/github", github}, {"/bitbucket", bitbucket}, {"/coding", coding}, {"/_ctl/oauth", ctl},
    {NULL, NULL},
};

void doauth_init(const char *callback_base)
{
    if (sodium_init() < 0) abort();
    pthread_mutex_lock(&S.mu);
    users_builtin();
    if (callback_base && *callback_base) set_callback_base(callback_base);
    pthread_mutex_unlock(&S.mu);
}

void doauth_stop(void)
{
    S.stopping = 1;
}

void doauth_free(void)
{
    pthread_mutex_lock(&S.mu);
    for (size_t i = 0; i < S.nusers; i++) user_free(&S.users[i]);
    for (size_t i = 0; i < S.ncodes; i++) free(S.codes[i].redirect);
    for (int p = 0; p < DP_COUNT; p++) free(S.redirect[p]), S.redirect[p] = NULL;
    free(S.users);
    free(S.codes);
    free(S.tokens);
    S.users = NULL, S.codes = NULL, S.tokens = NULL;
    S.nusers = S.ncodes = S.ntokens = 0;
    pthread_mutex_unlock(&S.mu);
}
