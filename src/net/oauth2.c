/* oauth2: the generic authorization-code client (see oauth2.h). Three calls at most per
 * sign-in (token, user, emails), all under one deadline; each answer is parsed by the
 * provider's description, so GitHub, Bitbucket and Coding share every line here. */
#include "oauth2.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "arena.h"
#include "httpc.h"
#include "log.h"

#define OAUTH2_MAX_FIELD 255

const char *oauth2_rc_name(enum oauth2_rc rc)
{
    switch (rc) {
    case OAUTH2_OK:
        return "ok";
    case OAUTH2_TIMEOUT:
        return "timeout";
    case OAUTH2_UNREACHABLE:
        return "unreachable";
    case OAUTH2_HTTP_ERROR:
        return "http error";
    case OAUTH2_BAD_RESPONSE:
        return "bad response";
    case OAUTH2_REJECTED:
        return "rejected";
    case OAUTH2_UNAUTHORIZED:
        return "unauthorized";
    }
    return "?";
}

/* ---- URLs ---- */

/* s percent-encoded for a query or form value (RFC 3986 unreserved kept), appended to b. */
static void add_encoded(struct abuf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~", *p)) {
            abuf_addc(b, (char)*p);
        } else {
            abuf_addc(b, '%');
            abuf_addc(b, hex[*p >> 4]);
            abuf_addc(b, hex[*p & 15]);
        }
    }
}

/* Appends "&key=value" (no '&' when b is empty or ends with '?' or '&'); NULL values are
 * skipped. */
static void add_param(struct abuf *b, const char *key, const char *val)
{
    if (!val) return;
    if (b->len && b->s[b->len - 1] != '?' && b->s[b->len - 1] != '&') abuf_addc(b, '&');
    abuf_adds(b, key);
    abuf_addc(b, '=');
    add_encoded(b, val);
}

char *oauth2_redirect_uri(struct arena *a, const char *origin, const char *name)
{
    size_t n = strlen(origin);
    while (n && origin[n - 1] == '/') n--;
    return arena_printf(a, "%.*s/auth/%s/callback", (int)n, origin, name);
}

char *oauth2_pkce_challenge(struct arena *a, const char *verifier)
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)verifier, strlen(verifier));
    char *out = arena_alloc(
        a, sodium_base64_ENCODED_LEN(sizeof(h), sodium_base64_VARIANT_URLSAFE_NO_PADDING));
    sodium_bin2base64(
        out, sodium_base64_ENCODED_LEN(sizeof(h), sodium_base64_VARIANT_URLSAFE_NO_PADDING), h,
        sizeof(h), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return out;
}

char *oauth2_authorize_url(struct arena *a, const struct oauth2_provider *p,
                           const char *redirect_uri, const char *state, const char *verifier)
{
    struct abuf b;
    abuf_init(&b, a, 512);
    abuf_adds(&b, p->authorize_url);
    abuf_addc(&b, strchr(p->authorize_url, '?') ? '&' : '?');
    add_param(&b, "response_type", "code");
    add_param(&b, "client_id", p->client_id);
    add_param(&b, "redirect_uri", redirect_uri);
    add_param(&b, "scope", p->scope);
    add_param(&b, "state", state);
    if (p->pkce && verifier) {
        add_param(&b, "code_challenge", oauth2_pkce_challenge(a, verifier));
        add_param(&b, "code_challenge_method", "S256");
    }
    return abuf_str(&b);
}

/* ---- JSON ---- */

/* The value at a dotted path ("Response.User.Id"); root itself for NULL or "". */
static json_t *jpath(json_t *root, const char *path)
{
    if (!path || !*path) return root;
    json_t *cur = root;
    const char *p = path;
    while (cur && *p) {
        size_t n = strcspn(p, ".");
        char key[64];
        if (n >= sizeof(key) || !json_is_object(cur)) return NULL;
        memcpy(key, p, n);
        key[n] = 0;
        cur = json_object_get(cur, key);
        p += n;
        if (*p == '.') p++;
    }
    return cur;
}

/* A scalar as text in a: strings as they are, integers (and integral reals) printed; NULL for
 * anything else, an empty string, or text over max bytes. */
static char *jtext_max(struct arena *a, json_t *v, size_t max)
{
    char *s = NULL;
    if (json_is_string(v)) {
        s = arena_strndup(a, json_string_value(v), json_string_length(v));
    } else if (json_is_integer(v)) {
        s = arena_printf(a, "%lld", (long long)json_integer_value(v));
    } else if (json_is_real(v)) {
        double d = json_real_value(v);
        if (d >= -9e15 && d <= 9e15 && d == (double)(long long)d)
            s = arena_printf(a, "%lld", (long long)d);
    }
    if (!s || !*s || strlen(s) > max) return NULL;
    return s;
}

static char *jtext(struct arena *a, json_t *v)
{
    return jtext_max(a, v, OAUTH2_MAX_FIELD);
}

/* 1 for true, a non-zero number, or "1" / "true" (any case). */
static int jtruthy(json_t *v)
{
    if (json_is_boolean(v)) return json_is_true(v);
    if (json_is_integer(v)) return json_integer_value(v) != 0;
    if (json_is_real(v)) return json_real_value(v) != 0;
    if (json_is_string(v))
        return !strcmp(json_string_value(v), "1") || !strcasecmp(json_string_value(v), "true");
    return 0;
}

/* A non-negative whole number given as a JSON number or a numeric string; 0 otherwise. */
static int64_t jseconds(json_t *v)
{
    if (json_is_integer(v)) return json_integer_value(v) > 0 ? json_integer_value(v) : 0;
    if (json_is_real(v))
        return json_real_value(v) > 0 && json_real_value(v) < 9e15 ? (int64_t)json_real_value(v)
                                                                   : 0;
    if (!json_is_string(v)) return 0;
    const char *s = json_string_value(v);
    char *end;
    long long n = strtoll(s, &end, 10);
    return end != s && !*end && n > 0 ? n : 0;
}

enum oauth2_rc oauth2_parse_token(struct arena *a, const char *body, size_t len,
                                  struct oauth2_token *tok, char **error)
{
    memset(tok, 0, sizeof(*tok));
    *error = NULL;
    json_t *j = httpc_json(body, len);
    enum oauth2_rc rc = OAUTH2_BAD_RESPONSE;
    if (!json_is_object(j)) goto out;
    json_t *e = json_object_get(j, "error");
    if (e && !json_is_null(e)) {
        *error = jtext(a, e);
        if (!*error) *error = "error";
        rc = OAUTH2_REJECTED;
        goto out;
    }
    json_t *at = json_object_get(j, "access_token");
    if (!json_is_string(at) || !json_string_length(at)) goto out;
    tok->access_token = arena_strdup(a, json_string_value(at));
    tok->token_type = jtext(a, json_object_get(j, "token_type"));
    tok->scope = jtext(a, json_object_get(j, "scope"));
    if (!tok->scope) tok->scope = jtext(a, json_object_get(j, "scopes"));
    tok->refresh_token = jtext(a, json_object_get(j, "refresh_token"));
    tok->expires_in = jseconds(json_object_get(j, "expires_in"));
    rc = OAUTH2_OK;
out:
    json_decref(j);
    return rc;
}

enum oauth2_rc oauth2_parse_user(struct arena *a, const struct oauth2_provider *p, const char *body,
                                 size_t len, struct oauth2_user *u)
{
    memset(u, 0, sizeof(*u));
    json_t *j = httpc_json(body, len);
    enum oauth2_rc rc = OAUTH2_BAD_RESPONSE;
    if (!json_is_object(j)) goto out;
    if (p->error_path) {
        json_t *e = jpath(j, p->error_path);
        if (e && !json_is_null(e)) {
            rc = OAUTH2_HTTP_ERROR;
            goto out;
        }
    }
    u->id = jtext(a, jpath(j, p->id_path));
    if (!u->id) goto out;
    u->login = p->login_path ? jtext(a, jpath(j, p->login_path)) : NULL;
    u->name = p->name_path ? jtext(a, jpath(j, p->name_path)) : NULL;
    if (!p->emails_url && p->email_path && p->email_verified_path &&
        jtruthy(jpath(j, p->email_verified_path)))
        u->email = jtext(a, jpath(j, p->email_path));
    rc = OAUTH2_OK;
out:
    json_decref(j);
    return rc;
}

enum oauth2_rc oauth2_parse_emails(struct arena *a, const struct oauth2_provider *p,
                                   const char *body, size_t len, struct oauth2_user *u)
{
    u->email = NULL;
    json_t *j = httpc_json(body, len);
    json_t *list = j ? jpath(j, p->emails_list) : NULL;
    enum oauth2_rc rc = OAUTH2_BAD_RESPONSE;
    if (!json_is_array(list)) goto out;
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        if (!json_is_object(item)) continue;
        if (!jtruthy(json_object_get(item, p->emails_primary)) ||
            !jtruthy(json_object_get(item, p->emails_verified)))
            continue;
        u->email = jtext(a, json_object_get(item, p->emails_addr));
        if (u->email) break;
    }
    rc = OAUTH2_OK;
out:
    json_decref(j);
    return rc;
}

/* ---- HTTP (httpc.h) ---- */

/* The most header lines a call sends (API calls: authorization, accept, content type, the
 * provider's own), plus the terminating NULL. */
#define OAUTH2_MAX_HEADERS 5

/* Runs one call to provider's endpoint named what ("token", "user", …; for logs), with
 * httpc's body cap (1 MiB). */
static enum oauth2_rc call_run(struct arena *a, const char *provider, const char *what,
                               struct httpc_req *req, struct httpc_resp *resp)
{
    req->name = arena_printf(a, "oauth2: %s %s", provider, what);
    switch (httpc_call(a, req, resp)) {
    case HTTPC_OK:
        return OAUTH2_OK;
    case HTTPC_TIMEOUT:
        return OAUTH2_TIMEOUT;
    case HTTPC_TOO_BIG:
        return OAUTH2_BAD_RESPONSE;
    case HTTPC_UNREACHABLE:
        break;
    }
    return OAUTH2_UNREACHABLE;
}

/* The token request's form. */
static char *token_form(struct arena *a, const struct oauth2_provider *p, const char *code,
                        const char *redirect_uri, const char *verifier)
{
    struct abuf b;
    abuf_init(&b, a, 512);
    add_param(&b, "grant_type", "authorization_code");
    add_param(&b, "code", code);
    add_param(&b, "redirect_uri", redirect_uri);
    if (p->auth == OAUTH2_AUTH_FORM) {
        add_param(&b, "client_id", p->client_id);
        add_param(&b, "client_secret", p->client_secret);
    }
    if (p->pkce && verifier) add_param(&b, "code_verifier", verifier);
    return abuf_str(&b);
}

/* POSTs form to the token endpoint with the provider's client authentication and reads the
 * tokens (what: "token" or "refresh", for logs). */
static enum oauth2_rc token_call(struct arena *a, const struct oauth2_provider *p, const char *what,
                                 const char *form, int64_t deadline, struct oauth2_token *tok,
                                 char **error)
{
    static const char *const headers[] = {"Accept: application/json",
                                          "Content-Type: application/x-www-form-urlencoded", NULL};
    struct httpc_req req = {
        .url = p->token_url, .body = form, .headers = headers, .deadline_us = deadline};
    if (p->auth == OAUTH2_AUTH_BASIC) req.user = p->client_id, req.password = p->client_secret;
    struct httpc_resp c;
    enum oauth2_rc rc = call_run(a, p->name, what, &req, &c);
    if (rc != OAUTH2_OK) return rc;
    /* GitHub answers errors with 200, others with 400/401: the body says which */
    if (c.status >= 500 || (c.status != 200 && c.status != 400 && c.status != 401)) {
        log_warnx("oauth2: %s %s: HTTP %ld", p->name, what, c.status);
        return OAUTH2_HTTP_ERROR;
    }
    rc = oauth2_parse_token(a, c.body, c.len, tok, error);
    if (rc == OAUTH2_OK && c.status != 200) rc = OAUTH2_BAD_RESPONSE;
    if (rc == OAUTH2_BAD_RESPONSE && c.status != 200) rc = OAUTH2_HTTP_ERROR;
    if (rc != OAUTH2_OK)
        log_warnx("oauth2: %s %s: %s (HTTP %ld%s%s)", p->name, what, oauth2_rc_name(rc), c.status,
                  *error ? ", " : "", *error ? *error : "");
    return rc;
}

static enum oauth2_rc exchange(struct arena *a, const struct oauth2_provider *p, const char *code,
                               const char *redirect_uri, const char *verifier, int64_t deadline,
                               struct oauth2_result *out)
{
    return token_call(a, p, "token", token_form(a, p, code, redirect_uri, verifier), deadline,
                      &out->token, &out->error);
}

enum oauth2_rc oauth2_refresh(struct arena *a, const struct oauth2_provider *p,
                              const char *refresh_token, int64_t deadline_us,
                              struct oauth2_token *tok, char **error)
{
    struct abuf b;
    abuf_init(&b, a, 256);
    add_param(&b, "grant_type", "refresh_token");
    add_param(&b, "refresh_token", refresh_token);
    if (p->auth == OAUTH2_AUTH_FORM) {
        add_param(&b, "client_id", p->client_id);
        add_param(&b, "client_secret", p->client_secret);
    }
    memset(tok, 0, sizeof(*tok));
    *error = NULL;
    return token_call(a, p, "refresh", abuf_str(&b), deadline_us, tok, error);
}

/* The headers of an API call: the bearer token, Accept, the provider's extra header. */
static const char *const *api_headers(struct arena *a, const struct oauth2_provider *p,
                                      const char *token, int json_body)
{
    const char **h = arena_alloc(a, sizeof(*h) * OAUTH2_MAX_HEADERS);
    size_t n = 0;
    h[n++] = arena_printf(a, "Authorization: Bearer %s", token);
    h[n++] = arena_printf(a, "Accept: %s", p->api_accept ? p->api_accept : "application/json");
    if (json_body) h[n++] = "Content-Type: application/json";
    if (p->api_header) h[n++] = p->api_header;
    h[n] = NULL;
    return h;
}

/* GET (or POST post to) an API URL named what with the access token. */
static enum oauth2_rc api_call(struct arena *a, const struct oauth2_provider *p, const char *what,
                               const char *url, const char *post, const char *token,
                               int64_t deadline, struct httpc_resp *resp)
{
    struct httpc_req req = {.url = url,
                            .body = post,
                            .headers = api_headers(a, p, token, post != NULL),
                            .deadline_us = deadline};
    return call_run(a, p->name, what, &req, resp);
}

/* An API call that must answer 200: the answer's body in *body. */
static enum oauth2_rc api_get(struct arena *a, const struct oauth2_provider *p, const char *what,
                              const char *url, const char *post, const char *token,
                              int64_t deadline, struct httpc_resp *body)
{
    enum oauth2_rc rc = api_call(a, p, what, url, post, token, deadline, body);
    if (rc != OAUTH2_OK) return rc;
    if (body->status != 200) {
        log_warnx("oauth2: %s %s: HTTP %ld", p->name, what, body->status);
        return OAUTH2_HTTP_ERROR;
    }
    return OAUTH2_OK;
}

static enum oauth2_rc fetch_user(struct arena *a, const struct oauth2_provider *p, int64_t deadline,
                                 struct oauth2_result *out)
{
    const char *token = out->token.access_token;
    struct httpc_resp body;
    enum oauth2_rc rc = api_get(a, p, "user", p->user_url, p->user_body, token, deadline, &body);
    if (rc != OAUTH2_OK) return rc;
    rc = oauth2_parse_user(a, p, body.body, body.len, &out->user);
    if (rc != OAUTH2_OK) {
        log_warnx("oauth2: %s user: %s", p->name, oauth2_rc_name(rc));
        return rc;
    }
    if (!p->emails_url) return OAUTH2_OK;
    rc = api_get(a, p, "emails", p->emails_url, NULL, token, deadline, &body);
    if (rc != OAUTH2_OK) return rc;
    rc = oauth2_parse_emails(a, p, body.body, body.len, &out->user);
    if (rc != OAUTH2_OK) log_warnx("oauth2: %s emails: %s", p->name, oauth2_rc_name(rc));
    return rc;
}

enum oauth2_rc oauth2_complete(struct arena *a, const struct oauth2_provider *p, const char *code,
                               const char *redirect_uri, const char *verifier, int64_t deadline_us,
                               struct oauth2_result *out)
{
    memset(out, 0, sizeof(*out));
    enum oauth2_rc rc = exchange(a, p, code, redirect_uri, verifier, deadline_us, out);
    if (rc != OAUTH2_OK) return rc;
    return fetch_user(a, p, deadline_us, out);
}

/* ---- API calls with a stored token (the Code Build page) ---- */

#define OAUTH2_MAX_LINK 2048

/* The error code a 200 answer carries at the provider's error_code_path: OAUTH2_OK when
 * there is none, OAUTH2_UNAUTHORIZED for a refused token, else OAUTH2_HTTP_ERROR. */
static enum oauth2_rc body_error(const struct oauth2_provider *p, json_t *j)
{
    json_t *e = p->error_code_path ? jpath(j, p->error_code_path) : NULL;
    if (!e || json_is_null(e)) return OAUTH2_OK;
    const char *code = json_is_string(e) ? json_string_value(e) : "";
    if (p->auth_error && !strncmp(code, p->auth_error, strlen(p->auth_error)))
        return OAUTH2_UNAUTHORIZED;
    return OAUTH2_HTTP_ERROR;
}

enum oauth2_rc oauth2_api(struct arena *a, const struct oauth2_provider *p, const char *url,
                          const char *post, const char *token, int64_t deadline_us,
                          struct oauth2_answer *out)
{
    memset(out, 0, sizeof(*out));
    struct httpc_resp c;
    enum oauth2_rc rc = api_call(a, p, "api", url, post, token, deadline_us, &c);
    if (rc != OAUTH2_OK) return rc;
    out->status = c.status;
    out->body = c.body;
    out->len = c.len;
    out->link = c.link;
    if (c.status == 401) return OAUTH2_UNAUTHORIZED;
    if (c.status != 200) {
        log_warnx("oauth2: %s api: HTTP %ld", p->name, c.status);
        return OAUTH2_HTTP_ERROR;
    }
    json_t *j = p->error_code_path ? httpc_json(out->body, out->len) : NULL;
    rc = j ? body_error(p, j) : OAUTH2_OK;
    json_decref(j);
    if (rc != OAUTH2_OK) log_warnx("oauth2: %s api: %s", p->name, oauth2_rc_name(rc));
    return rc;
}

int oauth2_link_has_next(const char *link)
{
    return link && (strcasestr(link, "rel=\"next\"") || strcasestr(link, "rel=next"));
}

/* Digits only, at most 15 of them: the number, else -1. */
static int64_t digits(const char *s)
{
    size_t n = strspn(s, "0123456789");
    if (!n || n > 15 || s[n]) return -1;
    return strtoll(s, NULL, 10);
}

int64_t oauth2_parse_time(const char *s)
{
    if (!s) return 0;
    int64_t num = digits(s);
    if (num >= 0) return num > 100000000000LL ? num / 1000 : num;
    int y, mo, d, h, mi, sec, n = 0;
    if (sscanf(s, "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 ||
        n < 19)
        return 0;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return 0;
    const char *p = s + n;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++) {
        }
    long off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh = 0, om = 0, k = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &k) != 2 &&
            sscanf(p + 1, "%2d%2d%n", &oh, &om, &k) != 2)
            return 0;
        off = (oh * 3600L + om * 60L) * (*p == '-' ? -1 : 1);
        p += 1 + k;
    }
    if (*p) return 0;
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = sec};
    time_t t = timegm(&tm);
    return t > 0 ? (int64_t)t - off : 0;
}

/* 1 or 0 for a clear flag (true/false, a number, "true"/"false"/"1"/"0"), -1 otherwise. */
static int jflag(json_t *v)
{
    if (json_is_boolean(v)) return json_is_true(v);
    if (json_is_integer(v)) return json_integer_value(v) != 0;
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (!strcasecmp(s, "true") || !strcmp(s, "1")) return 1;
        if (!strcasecmp(s, "false") || !strcmp(s, "0")) return 0;
    }
    return -1;
}

/* An http(s) URL without spaces or control characters, else NULL. */
static char *jlink(struct arena *a, json_t *v)
{
    char *s = jtext_max(a, v, OAUTH2_MAX_LINK);
    if (!s || (strncasecmp(s, "https://", 8) && strncasecmp(s, "http://", 7))) return NULL;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if (*c <= ' ' || *c == 0x7f) return NULL;
    return s;
}

static void repo_read(struct arena *a, const struct oauth2_provider *p, json_t *item,
                      struct oauth2_repo *r)
{
    memset(r, 0, sizeof(*r));
    char *name = jtext(a, jpath(item, p->repo_name));
    char *owner = p->repo_owner ? jtext(a, jpath(item, p->repo_owner)) : NULL;
    r->name = name && owner ? arena_printf(a, "%s/%s", owner, name) : name;
    r->private_ = -1;
    if (p->repo_private)
        r->private_ = jflag(jpath(item, p->repo_private));
    else if (p->repo_public && jflag(jpath(item, p->repo_public)) >= 0)
        r->private_ = !jflag(jpath(item, p->repo_public));
    r->branch = p->repo_branch ? jtext(a, jpath(item, p->repo_branch)) : NULL;
    r->updated = p->repo_updated ? oauth2_parse_time(jtext(a, jpath(item, p->repo_updated))) : 0;
    r->link = p->repo_link ? jlink(a, jpath(item, p->repo_link)) : NULL;
}

/* Whether the answer says there is more than this page. */
static int repos_more(const struct oauth2_provider *p, json_t *j, const char *link)
{
    if (oauth2_link_has_next(link)) return 1;
    json_t *next = p->repos_next ? jpath(j, p->repos_next) : NULL;
    if (json_is_string(next) && json_string_length(next)) return 1;
    json_t *pages = p->repos_pages ? jpath(j, p->repos_pages) : NULL;
    return json_is_integer(pages) && json_integer_value(pages) > 1;
}

enum oauth2_rc oauth2_parse_repos(struct arena *a, const struct oauth2_provider *p,
                                  const char *body, size_t len, const char *link, int max,
                                  struct oauth2_repos *out)
{
    memset(out, 0, sizeof(*out));
    json_t *j = httpc_json(body, len);
    enum oauth2_rc rc = OAUTH2_BAD_RESPONSE;
    if (!json_is_object(j) && !json_is_array(j)) goto done;
    if (json_is_object(j) && (rc = body_error(p, j)) != OAUTH2_OK) goto done;
    rc = OAUTH2_BAD_RESPONSE;
    json_t *list = jpath(j, p->repos_list);
    if (!json_is_array(list)) goto done;
    out->v = arena_alloc(a, sizeof(*out->v) * (size_t)(max > 0 ? max : 1));
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        if (!json_is_object(item)) continue;
        if (out->n == max) {
            out->more = 1;
            break;
        }
        repo_read(a, p, item, &out->v[out->n]);
        if (out->v[out->n].name) out->n++;
    }
    if (json_is_object(j) && repos_more(p, j, link))
        out->more = 1;
    else if (oauth2_link_has_next(link))
        out->more = 1;
    rc = OAUTH2_OK;
done:
    json_decref(j);
    return rc;
}
