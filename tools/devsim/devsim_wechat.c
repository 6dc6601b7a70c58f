/* devsim_wechat: a fake WeChat official-account platform speaking the real protocols
 * (providers.md §1), so that daoid's own client and callback code runs against it:
 *  - API (daoid's wechat_api_url = this server): cgi-bin/token (classic: each fetch makes a
 *    new token; the previous one works 5 more minutes), cgi-bin/stable_token (the same token
 *    while more than 5 minutes are left; force_refresh rotates it), cgi-bin/qrcode/create
 *    (QR_STR_SCENE and friends; 40052, 40053 on bad input) and cgi-bin/user/info (40003 for
 *    an unknown openid; only openid and subscribe 0 for a non-follower). A missing, stale or
 *    unknown access token gets 41001, 42001 or 40001.
 *  - The phone, /wechat/phone: the QR codes issued (newest first) or a scanned URL, a WeChat
 *    user by name (openid and unionid derived from it) and "scan and follow" (subscribe +
 *    qrscene_), "scan" (SCAN, for a follower), "scan, don't follow" (WeChat pushes nothing),
 *    "unfollow", "send the last push again" and "last push with a bad signature". Pushes go
 *    to the callback URL signed, in safe (the default), compatibility or plaintext mode, and
 *    are retried like WeChat does (no answer within 5 s: again, 3 tries in all, the same
 *    query and body); the page shows the answer and the reply as the chat would.
 *  - /_ctl/wechat: GET the state (counters, QR codes, users, the last push); POST settings
 *    {callback, mode, push_timeout_ms, token_ttl, invalidate (the tokens handed out stop
 *    working: 40001), expire (they expire now: 42001), refuse: {errcode, times} (the next
 *    API calls with a good token get that errcode, e.g. 40014), open_platform: {user,
 *    unionid} (a user's account gets, or loses, an Open Platform binding: user/info gives a
 *    unionid from then on)}; POST /_ctl/wechat/push {user, action, url|code, unionid} does
 *    what the phone's buttons do and answers the result; with skew, reuse_nonce, plaintext or
 *    no_ticket it sends the push as a forger would (struct dw_forge).
 * A user's CreateTime only ever grows (one second at least between two of their pushes), so
 * that quick test clicks are not mistaken for WeChat's retries.
 *
 * This file: the API, the helpers and the set-up; pushes are in devsim_wechat_push.c, the
 * phone page and /_ctl/wechat in devsim_wechat_phone.c. */
#include "devsim_wechat.h"

#include <curl/curl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "devsim_wechat_int.h"
#include "wechat_crypto.h"

struct dwechat_state dwechat_s = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* ---- small helpers ---- */

void dwechat_set_str(char **dst, const char *s)
{
    free(*dst);
    *dst = devsim_xstrdup(s);
}

long long dwechat_now(void)
{
    return (long long)time(NULL);
}

/* n random characters of [A-Za-z0-9] into out (room for n + 1). */
static void rand_alnum(char *out, size_t n)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    for (size_t i = 0; i < n; i++) out[i] = a[randombytes_uniform(sizeof(a) - 1)];
    out[n] = 0;
}

/* A WeChat-style error answer (HTTP 200, errcode in the body). */
static void wx_error(struct devsim_resp *resp, long long code, const char *msg)
{
    devsim_reply_json(resp, 200,
                      json_pack("{s:I, s:s}", "errcode", (json_int_t)code, "errmsg", msg));
}

/* ---- access tokens ---- */

void dwechat_token_new(struct dw_token *t, long long now)
{
    memcpy(t->tok, "devsim_at_", 10);
    rand_alnum(t->tok + 10, 54);
    t->expires = now + dwechat_s.token_ttl;
}

/* 0 when tok may call the API now, else the errcode WeChat answers. Under dwechat_s.mu. */
static long long token_check(const char *tok, long long now)
{
    if (!tok || !*tok) return 41001;
    const struct dw_token *hit = NULL;
    if (!strcmp(tok, dwechat_s.classic.tok))
        hit = &dwechat_s.classic;
    else if (!strcmp(tok, dwechat_s.stable.tok))
        hit = &dwechat_s.stable;
    else if (dwechat_s.classic_prev.tok[0] && !strcmp(tok, dwechat_s.classic_prev.tok))
        return now < dwechat_s.classic_prev_until ? 0 : 40001;
    if (!hit || !hit->tok[0]) return 40001;
    if (now >= hit->expires) return 42001;
    if (dwechat_s.refuse_left > 0) { /* the switch "refuse": this call fails as told */
        dwechat_s.refuse_left--;
        return dwechat_s.refuse_code;
    }
    return 0;
}

static int app_ok(const char *appid, const char *secret, struct devsim_resp *resp)
{
    if (!appid || strcmp(appid, dwechat_s.appid)) {
        wx_error(resp, 40013, "invalid appid");
        return 0;
    }
    if (!secret || strcmp(secret, dwechat_s.secret)) {
        wx_error(resp, 40001, "invalid credential, access_token is invalid or not latest");
        return 0;
    }
    return 1;
}

static void token_answer(struct devsim_resp *resp, const struct dw_token *t, long long now)
{
    devsim_reply_json(resp, 200,
                      json_pack("{s:s, s:I}", "access_token", t->tok, "expires_in",
                                (json_int_t)(t->expires - now)));
}

/* GET cgi-bin/token?grant_type=client_credential&appid=&secret= */
static void api_token(const struct devsim_req *req, struct devsim_resp *resp)
{
    const char *gt = devsim_query(req, "grant_type");
    long long now = dwechat_now();
    pthread_mutex_lock(&dwechat_s.mu);
    if (!gt || strcmp(gt, "client_credential"))
        wx_error(resp, 40002, "invalid grant_type");
    else if (app_ok(devsim_query(req, "appid"), devsim_query(req, "secret"), resp)) {
        dwechat_s.n_token++;
        dwechat_s.classic_prev = dwechat_s.classic;
        dwechat_s.classic_prev_until = now + 300;
        dwechat_token_new(&dwechat_s.classic, now);
        token_answer(resp, &dwechat_s.classic, now);
    }
    pthread_mutex_unlock(&dwechat_s.mu);
}

/* POST cgi-bin/stable_token {grant_type, appid, secret, force_refresh} */
static void api_stable_token(const struct devsim_req *req, struct devsim_resp *resp)
{
    json_t *j = json_loadb(req->body, req->body_len, 0, NULL);
    const char *gt = json_string_value(json_object_get(j, "grant_type"));
    int force = json_is_true(json_object_get(j, "force_refresh"));
    long long now = dwechat_now();
    pthread_mutex_lock(&dwechat_s.mu);
    if (!json_is_object(j))
        wx_error(resp, 47001, "data format error");
    else if (!gt || strcmp(gt, "client_credential"))
        wx_error(resp, 40002, "invalid grant_type");
    else if (app_ok(json_string_value(json_object_get(j, "appid")),
                    json_string_value(json_object_get(j, "secret")), resp)) {
        dwechat_s.n_stable++;
        dwechat_s.n_forced += force;
        if (force || !dwechat_s.stable.tok[0] || dwechat_s.stable.expires - now <= 300)
            dwechat_token_new(&dwechat_s.stable, now);
        token_answer(resp, &dwechat_s.stable, now);
    }
    pthread_mutex_unlock(&dwechat_s.mu);
    json_decref(j);
}

/* ---- QR codes ---- */

/* The scene of a qrcode/create body, malloc'd; or the errcode to answer in *err. */
static char *qr_scene(json_t *j, long long *err)
{
    const char *action = json_string_value(json_object_get(j, "action_name"));
    json_t *scene = json_object_get(json_object_get(j, "action_info"), "scene");
    *err = 40052;
    if (!action) return NULL;
    int str = !strcmp(action, "QR_STR_SCENE") || !strcmp(action, "QR_LIMIT_STR_SCENE");
    int num = !strcmp(action, "QR_SCENE") || !strcmp(action, "QR_LIMIT_SCENE");
    if (!str && !num) return NULL;
    *err = 40053;
    if (str) {
        const char *s = json_string_value(json_object_get(scene, "scene_str"));
        size_t n = s ? strlen(s) : 0;
        return n >= 1 && n <= 64 ? devsim_xstrdup(s) : NULL;
    }
    json_t *id = json_object_get(scene, "scene_id");
    if (!json_is_integer(id) || json_integer_value(id) <= 0) return NULL;
    char buf[32];
    snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(id));
    return devsim_xstrdup(buf);
}

/* Keeps a new QR code for scene (taking it); returns it. Under dwechat_s.mu. */
static struct dw_ticket *ticket_add(char *scene, const char *host, long long expire, long long now)
{
    struct dw_ticket *t = &dwechat_s.tickets[dwechat_s.nticket++ % DW_MAX_TICKETS];
    free(t->scene);
    free(t->url);
    memset(t, 0, sizeof(*t));
    rand_alnum(t->code, 22);
    memcpy(t->ticket, "gQ", 2);
    rand_alnum(t->ticket + 2, 62);
    t->scene = scene;
    char url[256];
    snprintf(url, sizeof(url), "http://%s/wechat/q/%s", host ? host : "127.0.0.1", t->code);
    t->url = devsim_xstrdup(url);
    t->created = now;
    t->expires = now + expire;
    return t;
}

/* POST cgi-bin/qrcode/create?access_token= */
static void api_qrcode(const struct devsim_req *req, struct devsim_resp *resp)
{
    long long now = dwechat_now(), err = 0;
    json_t *j = json_loadb(req->body, req->body_len, 0, NULL);
    const char *host = devsim_header(req, "Host");
    pthread_mutex_lock(&dwechat_s.mu);
    long long bad = token_check(devsim_query(req, "access_token"), now);
    char *scene = bad || !json_is_object(j) ? NULL : qr_scene(j, &err);
    json_t *e = json_object_get(j, "expire_seconds");
    long long expire = json_is_integer(e) ? (long long)json_integer_value(e) : 30;
    if (bad)
        wx_error(resp, bad, "invalid credential, access_token is invalid or not latest");
    else if (!json_is_object(j))
        wx_error(resp, 40052, "invalid action name");
    else if (!scene)
        wx_error(resp, err, err == 40052 ? "invalid action name" : "invalid action info");
    else {
        if (expire <= 0 || expire > 2592000) expire = 2592000;
        dwechat_s.n_qr++;
        struct dw_ticket *t = ticket_add(scene, host, expire, now);
        devsim_reply_json(resp, 200,
                          json_pack("{s:s, s:I, s:s}", "ticket", t->ticket, "expire_seconds",
                                    (json_int_t)expire, "url", t->url));
    }
    pthread_mutex_unlock(&dwechat_s.mu);
    json_decref(j);
}

/* The QR code whose code or URL is s (NULL when none). Under dwechat_s.mu. */
struct dw_ticket *dwechat_ticket_find(const char *s)
{
    if (!s || !*s) return NULL;
    size_t kept = dwechat_s.nticket < DW_MAX_TICKETS ? dwechat_s.nticket : DW_MAX_TICKETS;
    for (size_t i = 0; i < kept; i++) {
        struct dw_ticket *t = &dwechat_s.tickets[i];
        if (!strcmp(s, t->code) || !strcmp(s, t->url)) return t;
    }
    return NULL;
}

/* ---- users ---- */

/* "o" + 27 characters derived from what: stable per name, like WeChat's ids. */
static void derive_id(char *out, const char *prefix, const char *what)
{
    unsigned char h[32];
    char b64[48];
    crypto_hash_sha256(h, (const unsigned char *)what, strlen(what));
    sodium_bin2base64(b64, sizeof(b64), h, sizeof(h), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    snprintf(out, 40, "%s%.27s", prefix, b64);
}

/* The user called name, made on first use (with a unionid when unionid). Under dwechat_s.mu. */
struct dw_user *dwechat_user_get(const char *name, int unionid)
{
    for (size_t i = 0; i < dwechat_s.nusers; i++)
        if (!strcmp(dwechat_s.users[i].name, name)) return &dwechat_s.users[i];
    if (dwechat_s.nusers == DW_MAX_USERS) return NULL;
    struct dw_user *v = realloc(dwechat_s.users, sizeof(*v) * (dwechat_s.nusers + 1));
    if (!v) abort();
    dwechat_s.users = v;
    struct dw_user *u = &dwechat_s.users[dwechat_s.nusers++];
    memset(u, 0, sizeof(*u));
    u->name = devsim_xstrdup(name);
    char buf[512];
    snprintf(buf, sizeof(buf), "%s:%s", dwechat_s.appid, name);
    derive_id(u->openid, "o", buf);
    snprintf(buf, sizeof(buf), "union:%s", name);
    derive_id(u->unionid, "o", buf);
    u->has_unionid = unionid;
    return u;
}

static struct dw_user *user_by_openid(const char *openid)
{
    for (size_t i = 0; openid && i < dwechat_s.nusers; i++)
        if (!strcmp(dwechat_s.users[i].openid, openid)) return &dwechat_s.users[i];
    return NULL;
}

/* GET cgi-bin/user/info?access_token=&openid=&lang= */
static void api_user_info(const struct devsim_req *req, struct devsim_resp *resp)
{
    long long now = dwechat_now();
    pthread_mutex_lock(&dwechat_s.mu);
    long long bad = token_check(devsim_query(req, "access_token"), now);
    struct dw_user *u = user_by_openid(devsim_query(req, "openid"));
    if (bad)
        wx_error(resp, bad, "invalid credential, access_token is invalid or not latest");
    else if (!u)
        wx_error(resp, 40003, "invalid openid");
    else if (!u->following)
        devsim_reply_json(resp, 200, json_pack("{s:i, s:s}", "subscribe", 0, "openid", u->openid));
    else {
        dwechat_s.n_info++;
        json_t *j =
            json_pack("{s:i, s:s, s:s, s:I, s:s, s:i, s:s}", "subscribe", 1, "openid", u->openid,
                      "language", "zh_CN", "subscribe_time", (json_int_t)u->last_time,
                      "subscribe_scene", "ADD_SCENE_QR_CODE", "qr_scene", 0, "qr_scene_str", "");
        if (u->has_unionid) json_object_set_new(j, "unionid", json_string(u->unionid));
        devsim_reply_json(resp, 200, j);
    }
    pthread_mutex_unlock(&dwechat_s.mu);
}

/* Any other call under /cgi-bin. */
static void api_unknown(const struct devsim_req *req, struct devsim_resp *resp)
{
    (void)req;
    wx_error(resp, 48001, "api unauthorized");
}

const struct devsim_route dwechat_routes[] = {
    {NULL, "/cgi-bin/token", api_token},
    {"POST", "/cgi-bin/stable_token", api_stable_token},
    {"POST", "/cgi-bin/qrcode/create", api_qrcode},
    {NULL, "/cgi-bin/user/info", api_user_info},
    {NULL, "/cgi-bin/**", api_unknown},
    {NULL},
};

/* ---- set-up ---- */

static const char *const option_names[] = {"appid",   "secret",   "token",
                                           "aes-key", "callback", "mode"};

static void defaults(void)
{
    if (dwechat_s.inited) return;
    dwechat_s.inited = 1;
    dwechat_s.appid = devsim_xstrdup(DWECHAT_APPID);
    dwechat_s.secret = devsim_xstrdup(DWECHAT_SECRET);
    dwechat_s.token = devsim_xstrdup(DWECHAT_TOKEN);
    dwechat_s.aes_key = devsim_xstrdup(DWECHAT_AES_KEY);
    dwechat_s.gh = devsim_xstrdup("gh_devsim000001");
    dwechat_s.mode = DW_SAFE; /* what WeChat recommends, and daoid's default with a key */
    dwechat_s.push_timeout_ms = 5000;
    dwechat_s.tries = 3;
    dwechat_s.token_ttl = 7200;
}

int dwechat_option(int argc, char **argv, int *i)
{
    defaults();
    const char *arg = argv[*i] + 9, *eq = strchr(arg, '='), *val;
    size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
    if (eq)
        val = eq + 1;
    else if (*i + 1 < argc)
        val = argv[++*i];
    else
        return -1;
    char **dst[] = {&dwechat_s.appid,   &dwechat_s.secret,   &dwechat_s.token,
                    &dwechat_s.aes_key, &dwechat_s.callback, NULL};
    for (int k = 0; k < 6; k++) {
        if (strlen(option_names[k]) != n || strncmp(arg, option_names[k], n)) continue;
        if (k == 5) {
            int m = dwechat_mode_parse(val);
            if (m < 0) return -1;
            dwechat_s.mode = (enum dw_mode)m;
            return 0;
        }
        if (k == 3 && strlen(val) != WECHAT_AES_KEY_CHARS) return -1;
        dwechat_set_str(dst[k], val);
        return 0;
    }
    return -1;
}

void dwechat_init(void)
{
    if (sodium_init() < 0) abort();
    curl_global_init(CURL_GLOBAL_DEFAULT);
    pthread_mutex_lock(&dwechat_s.mu);
    defaults();
    pthread_mutex_unlock(&dwechat_s.mu);
}

void dwechat_free(void)
{
    pthread_mutex_lock(&dwechat_s.mu);
    char **s[] = {&dwechat_s.appid,   &dwechat_s.secret,   &dwechat_s.token,
                  &dwechat_s.aes_key, &dwechat_s.callback, &dwechat_s.gh};
    for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) free(*s[i]), *s[i] = NULL;
    for (size_t i = 0; i < DW_MAX_TICKETS; i++) {
        free(dwechat_s.tickets[i].scene), free(dwechat_s.tickets[i].url);
        dwechat_s.tickets[i].scene = dwechat_s.tickets[i].url = NULL;
    }
    for (size_t i = 0; i < dwechat_s.nusers; i++) free(dwechat_s.users[i].name);
    free(dwechat_s.users);
    dwechat_s.users = NULL;
    dwechat_s.nusers = 0;
    dwechat_push_free(&dwechat_s.last);
    dwechat_push_free(&dwechat_s.last_sent);
    dwechat_s.inited = 0;
    pthread_mutex_unlock(&dwechat_s.mu);
    curl_global_cleanup();
}
