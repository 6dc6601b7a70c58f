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
 *    to the callback URL signed, in plaintext, safe or compatibility mode, and are retried
 *    like WeChat does (no answer within 5 s: again, 3 tries in all); the page shows the
 *    answer and the reply as the chat would.
 *  - /_ctl/wechat: GET the state (counters, QR codes, users, the last push); POST settings
 *    {callback, mode, push_timeout_ms, token_ttl, invalidate (the tokens handed out stop
 *    working: 40001), expire (they expire now: 42001), refuse: {errcode, times} (the next
 *    API calls with a good token get that errcode, e.g. 40014), open_platform: {user,
 *    unionid} (a user's account gets, or loses, an Open Platform binding: user/info gives a
 *    unionid from then on)}; POST /_ctl/wechat/push {user, action, url|code, unionid} does
 *    what the phone's buttons do and answers the result.
 * A user's CreateTime only ever grows (one second at least between two of their pushes), so
 * that quick test clicks are not mistaken for WeChat's retries. */
#include "devsim.h"

#include <curl/curl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <time.h>

#include "arena.h"
#include "log.h"
#include "wechat_crypto.h"
#include "wechat_xml.h"

#define DW_HTML        "text/html; charset=utf-8"
#define DW_TEXT        "text/plain; charset=utf-8"
#define DW_MAX_TICKETS 256
#define DW_MAX_USERS   1024
#define DW_UNAVAILABLE "该公众号暂时无法提供服务，请稍后再试"

enum dw_mode { DW_PLAIN, DW_SAFE, DW_COMPAT };
static const char *const dw_mode_names[] = {"plain", "safe", "compat"};

struct dw_token {
    char tok[80];
    long long expires;
};

struct dw_ticket {
    char code[32];   /* the QR URL's last part */
    char ticket[80]; /* WeChat's ticket */
    char *scene;     /* scene_str, or the scene_id in decimal */
    char *url;
    long long created, expires;
    unsigned scans;
};

struct dw_user {
    char *name;
    char openid[40], unionid[40];
    int has_unionid, following;
    long long last_time; /* CreateTime of the user's last push */
};

/* One push and how it went; strings malloc'd. */
struct dw_push {
    long long n;
    char *action, *user, *note;
    char *url, *body;                     /* as sent (first attempt) */
    char *callback, *ts, *nonce, *openid; /* to rebuild the query (bad signature) */
    char *encrypt_type, *msg_signature;
    int attempts, sent;   /* sent: something was pushed */
    long status;          /* HTTP status of the answered attempt, 0: none */
    char *answer, *reply; /* raw answer; the chat's text (NULL: none) */
    int reply_ok;
};

static struct {
    pthread_mutex_t mu;
    char *appid, *secret, *token, *aes_key, *callback, *gh;
    enum dw_mode mode;
    long push_timeout_ms;
    int tries;
    long long token_ttl;
    struct dw_token classic, classic_prev, stable;
    long long classic_prev_until;
    struct dw_ticket tickets[DW_MAX_TICKETS];
    size_t nticket; /* tickets issued in all; the last DW_MAX_TICKETS are kept */
    struct dw_user *users;
    size_t nusers;
    struct dw_push last;      /* the phone's last action, shown on the page */
    struct dw_push last_sent; /* the last push sent, for "again" and "bad signature" */
    long long refuse_code;    /* the errcode the next refuse_left API calls get */
    int refuse_left;
    unsigned long long n_token, n_stable, n_forced, n_qr, n_info, n_attempts, n_pushes;
    int inited;
} W = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* ---- small helpers ---- */

static char *xstrdup(const char *s)
{
    if (!s) return NULL;
    char *d = strdup(s);
    if (!d) abort();
    return d;
}

static void set_str(char **dst, const char *s)
{
    free(*dst);
    *dst = xstrdup(s);
}

static long long now_s(void)
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
            char *out = malloc(n), *o = out;
            if (!out) abort();
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

/* A WeChat-style error answer (HTTP 200, errcode in the body). */
static void wx_error(struct devsim_resp *resp, long long code, const char *msg)
{
    devsim_reply_json(resp, 200,
                      json_pack("{s:I, s:s}", "errcode", (json_int_t)code, "errmsg", msg));
}

/* ---- access tokens ---- */

static void token_new(struct dw_token *t, long long now)
{
    memcpy(t->tok, "devsim_at_", 10);
    rand_alnum(t->tok + 10, 54);
    t->expires = now + W.token_ttl;
}

/* 0 when tok may call the API now, else the errcode WeChat answers. Under W.mu. */
static long long token_check(const char *tok, long long now)
{
    if (!tok || !*tok) return 41001;
    const struct dw_token *hit = NULL;
    if (!strcmp(tok, W.classic.tok))
        hit = &W.classic;
    else if (!strcmp(tok, W.stable.tok))
        hit = &W.stable;
    else if (W.classic_prev.tok[0] && !strcmp(tok, W.classic_prev.tok))
        return now < W.classic_prev_until ? 0 : 40001;
    if (!hit || !hit->tok[0]) return 40001;
    if (now >= hit->expires) return 42001;
    if (W.refuse_left > 0) { /* the switch "refuse": this call fails as told */
        W.refuse_left--;
        return W.refuse_code;
    }
    return 0;
}

static int app_ok(const char *appid, const char *secret, struct devsim_resp *resp)
{
    if (!appid || strcmp(appid, W.appid)) {
        wx_error(resp, 40013, "invalid appid");
        return 0;
    }
    if (!secret || strcmp(secret, W.secret)) {
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
    long long now = now_s();
    pthread_mutex_lock(&W.mu);
    if (!gt || strcmp(gt, "client_credential"))
        wx_error(resp, 40002, "invalid grant_type");
    else if (app_ok(devsim_query(req, "appid"), devsim_query(req, "secret"), resp)) {
        W.n_token++;
        W.classic_prev = W.classic;
        W.classic_prev_until = now + 300;
        token_new(&W.classic, now);
        token_answer(resp, &W.classic, now);
    }
    pthread_mutex_unlock(&W.mu);
}

/* POST cgi-bin/stable_token {grant_type, appid, secret, force_refresh} */
static void api_stable_token(const struct devsim_req *req, struct devsim_resp *resp)
{
    json_t *j = json_loadb(req->body, req->body_len, 0, NULL);
    const char *gt = json_string_value(json_object_get(j, "grant_type"));
    int force = json_is_true(json_object_get(j, "force_refresh"));
    long long now = now_s();
    pthread_mutex_lock(&W.mu);
    if (!json_is_object(j))
        wx_error(resp, 47001, "data format error");
    else if (!gt || strcmp(gt, "client_credential"))
        wx_error(resp, 40002, "invalid grant_type");
    else if (app_ok(json_string_value(json_object_get(j, "appid")),
                    json_string_value(json_object_get(j, "secret")), resp)) {
        W.n_stable++;
        W.n_forced += force;
        if (force || !W.stable.tok[0] || W.stable.expires - now <= 300) token_new(&W.stable, now);
        token_answer(resp, &W.stable, now);
    }
    pthread_mutex_unlock(&W.mu);
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
        return n >= 1 && n <= 64 ? xstrdup(s) : NULL;
    }
    json_t *id = json_object_get(scene, "scene_id");
    if (!json_is_integer(id) || json_integer_value(id) <= 0) return NULL;
    char buf[32];
    snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(id));
    return xstrdup(buf);
}

/* Keeps a new QR code for scene (taking it); returns it. Under W.mu. */
static struct dw_ticket *ticket_add(char *scene, const char *host, long long expire, long long now)
{
    struct dw_ticket *t = &W.tickets[W.nticket++ % DW_MAX_TICKETS];
    free(t->scene);
    free(t->url);
    memset(t, 0, sizeof(*t));
    rand_alnum(t->code, 22);
    memcpy(t->ticket, "gQ", 2);
    rand_alnum(t->ticket + 2, 62);
    t->scene = scene;
    char url[256];
    snprintf(url, sizeof(url), "http://%s/wechat/q/%s", host ? host : "127.0.0.1", t->code);
    t->url = xstrdup(url);
    t->created = now;
    t->expires = now + expire;
    return t;
}

/* POST cgi-bin/qrcode/create?access_token= */
static void api_qrcode(const struct devsim_req *req, struct devsim_resp *resp)
{
    long long now = now_s(), err = 0;
    json_t *j = json_loadb(req->body, req->body_len, 0, NULL);
    const char *host = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Host");
    pthread_mutex_lock(&W.mu);
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
        W.n_qr++;
        struct dw_ticket *t = ticket_add(scene, host, expire, now);
        devsim_reply_json(resp, 200,
                          json_pack("{s:s, s:I, s:s}", "ticket", t->ticket, "expire_seconds",
                                    (json_int_t)expire, "url", t->url));
    }
    pthread_mutex_unlock(&W.mu);
    json_decref(j);
}

/* The QR code whose code or URL is s (NULL when none). Under W.mu. */
static struct dw_ticket *ticket_find(const char *s)
{
    if (!s || !*s) return NULL;
    size_t kept = W.nticket < DW_MAX_TICKETS ? W.nticket : DW_MAX_TICKETS;
    for (size_t i = 0; i < kept; i++) {
        struct dw_ticket *t = &W.tickets[i];
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

/* The user called name, made on first use (with a unionid when unionid). Under W.mu. */
static struct dw_user *user_get(const char *name, int unionid)
{
    for (size_t i = 0; i < W.nusers; i++)
        if (!strcmp(W.users[i].name, name)) return &W.users[i];
    if (W.nusers == DW_MAX_USERS) return NULL;
    struct dw_user *v = realloc(W.users, sizeof(*v) * (W.nusers + 1));
    if (!v) abort();
    W.users = v;
    struct dw_user *u = &W.users[W.nusers++];
    memset(u, 0, sizeof(*u));
    u->name = xstrdup(name);
    char buf[512];
    snprintf(buf, sizeof(buf), "%s:%s", W.appid, name);
    derive_id(u->openid, "o", buf);
    snprintf(buf, sizeof(buf), "union:%s", name);
    derive_id(u->unionid, "o", buf);
    u->has_unionid = unionid;
    return u;
}

static struct dw_user *user_by_openid(const char *openid)
{
    for (size_t i = 0; openid && i < W.nusers; i++)
        if (!strcmp(W.users[i].openid, openid)) return &W.users[i];
    return NULL;
}

/* GET cgi-bin/user/info?access_token=&openid=&lang= */
static void api_user_info(const struct devsim_req *req, struct devsim_resp *resp)
{
    long long now = now_s();
    pthread_mutex_lock(&W.mu);
    long long bad = token_check(devsim_query(req, "access_token"), now);
    struct dw_user *u = user_by_openid(devsim_query(req, "openid"));
    if (bad)
        wx_error(resp, bad, "invalid credential, access_token is invalid or not latest");
    else if (!u)
        wx_error(resp, 40003, "invalid openid");
    else if (!u->following)
        devsim_reply_json(resp, 200, json_pack("{s:i, s:s}", "subscribe", 0, "openid", u->openid));
    else {
        W.n_info++;
        json_t *j =
            json_pack("{s:i, s:s, s:s, s:I, s:s, s:i, s:s}", "subscribe", 1, "openid", u->openid,
                      "language", "zh_CN", "subscribe_time", (json_int_t)u->last_time,
                      "subscribe_scene", "ADD_SCENE_QR_CODE", "qr_scene", 0, "qr_scene_str", "");
        if (u->has_unionid) json_object_set_new(j, "unionid", json_string(u->unionid));
        devsim_reply_json(resp, 200, j);
    }
    pthread_mutex_unlock(&W.mu);
}

/* /cgi-bin/... */
static void api(const struct devsim_req *req, struct devsim_resp *resp)
{
    if (!strcmp(req->rest, "/token"))
        api_token(req, resp);
    else if (!strcmp(req->rest, "/stable_token") && !strcmp(req->method, "POST"))
        api_stable_token(req, resp);
    else if (!strcmp(req->rest, "/qrcode/create") && !strcmp(req->method, "POST"))
        api_qrcode(req, resp);
    else if (!strcmp(req->rest, "/user/info"))
        api_user_info(req, resp);
    else
        wx_error(resp, 48001, "api unauthorized");
}

/* ---- pushing ---- */

static void push_free(struct dw_push *p)
{
    char **s[] = {&p->action,        &p->user,   &p->note,  &p->url,    &p->body,
                  &p->callback,      &p->ts,     &p->nonce, &p->openid, &p->encrypt_type,
                  &p->msg_signature, &p->answer, &p->reply};
    for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) free(*s[i]), *s[i] = NULL;
}

/* A copy of p's strings (for sending without the lock). */
static void push_copy(struct dw_push *dst, const struct dw_push *src)
{
    *dst = *src;
    dst->action = xstrdup(src->action), dst->user = xstrdup(src->user);
    dst->note = xstrdup(src->note), dst->url = xstrdup(src->url), dst->body = xstrdup(src->body);
    dst->callback = xstrdup(src->callback), dst->ts = xstrdup(src->ts);
    dst->nonce = xstrdup(src->nonce), dst->openid = xstrdup(src->openid);
    dst->encrypt_type = xstrdup(src->encrypt_type);
    dst->msg_signature = xstrdup(src->msg_signature);
    dst->answer = xstrdup(src->answer), dst->reply = xstrdup(src->reply);
}

/* The callback URL with the push's query, signed with token (malloc'd). */
static char *push_url(const struct dw_push *p, const char *token)
{
    const char *parts[3] = {token, p->ts, p->nonce};
    char sig[WECHAT_SIG_LEN + 1];
    wechat_crypto_sign(parts, 3, sig);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) abort();
    fprintf(f, "%s%csignature=%s&timestamp=%s&nonce=%s&openid=", p->callback,
            strchr(p->callback, '?') ? '&' : '?', sig, p->ts, p->nonce);
    put_enc(f, p->openid);
    if (p->encrypt_type)
        fprintf(f, "&encrypt_type=%s&msg_signature=%s", p->encrypt_type, p->msg_signature);
    fclose(f);
    return buf;
}

/* Fills p->body (and the safe-mode query parts) for the plaintext xml. Under W.mu. */
static int push_body(struct arena *a, struct dw_push *p, const char *xml)
{
    if (W.mode == DW_PLAIN) {
        p->body = xstrdup(xml);
        return 0;
    }
    unsigned char key[32];
    if (wechat_crypto_key(W.aes_key, key) != 0) return -1;
    char *enc = wechat_crypto_encrypt(a, key, W.appid, xml, strlen(xml), NULL);
    if (!enc) return -1;
    const char *parts[4] = {W.token, p->ts, p->nonce, enc};
    char sig[WECHAT_SIG_LEN + 1];
    wechat_crypto_sign(parts, 4, sig);
    p->encrypt_type = xstrdup("aes");
    p->msg_signature = xstrdup(sig);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) abort();
    if (W.mode == DW_COMPAT)
        fprintf(f, "%.*s", (int)(strlen(xml) - 6), xml); /* without </xml> */
    else
        fprintf(f, "<xml><ToUserName><![CDATA[%s]]></ToUserName>", W.gh);
    fprintf(f, "<Encrypt><![CDATA[%s]]></Encrypt></xml>", enc);
    fclose(f);
    p->body = buf;
    return 0;
}

/* The chat's text for the answer (p->status, p->answer). */
static void push_read_reply(struct arena *a, struct dw_push *p, const char *token,
                            const char *aes_key, const char *appid, int safe)
{
    p->reply_ok = 0;
    if (p->status != 200) return set_str(&p->reply, DW_UNAVAILABLE);
    if (!p->answer || !*p->answer || !strcmp(p->answer, "success")) {
        p->reply_ok = 1; /* nothing shown in the chat */
        return;
    }
    struct wechat_push x, in;
    if (wechat_xml_parse(a, p->answer, strlen(p->answer), &x) != WXX_OK || (safe != !!x.encrypt))
        return set_str(&p->reply, DW_UNAVAILABLE);
    if (x.encrypt) {
        char ts[24];
        snprintf(ts, sizeof(ts), "%lld", (long long)x.create_time);
        unsigned char key[32];
        char *msg = NULL;
        size_t len = 0;
        if (!wechat_crypto_check_msg(token, ts, x.nonce, x.encrypt, x.msg_signature) ||
            wechat_crypto_key(aes_key, key) != 0 ||
            wechat_crypto_decrypt(a, key, appid, x.encrypt, &msg, &len) != WXC_OK ||
            wechat_xml_parse(a, msg, len, &in) != WXX_OK)
            return set_str(&p->reply, DW_UNAVAILABLE);
        x = in;
    }
    if (!x.msg_type || strcmp(x.msg_type, "text") || !x.content)
        return set_str(&p->reply, DW_UNAVAILABLE);
    set_str(&p->reply, x.content);
    p->reply_ok = 1;
}

static size_t on_answer(char *d, size_t size, size_t n, void *ud)
{
    struct abuf *b = ud;
    if (b->len + size * n > 256 * 1024) return 0;
    abuf_add(b, d, size * n);
    return size * n;
}

/* POSTs p (a private copy) to the callback, retrying when no answer comes in time. */
static void push_send(struct arena *a, struct dw_push *p, long timeout_ms, int tries)
{
    for (p->attempts = 0; p->attempts < tries;) {
        pthread_mutex_lock(&W.mu);
        W.n_attempts++;
        pthread_mutex_unlock(&W.mu);
        p->attempts++;
        struct abuf b;
        abuf_init(&b, a, 1024);
        CURL *h = curl_easy_init();
        if (!h) abort();
        struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: text/xml");
        curl_easy_setopt(h, CURLOPT_URL, p->url);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, p->body);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
        curl_easy_setopt(h, CURLOPT_USERAGENT, "Mozilla/4.0 (devsim WeChat)");
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_answer);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
        CURLcode rc = curl_easy_perform(h);
        long status = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_cleanup(h);
        curl_slist_free_all(hdrs);
        if (rc == CURLE_OK) {
            p->status = status;
            set_str(&p->answer, abuf_str(&b));
            return;
        }
        log_info("devsim: wechat push attempt %d: %s", p->attempts, curl_easy_strerror(rc));
    }
    p->status = 0;
    set_str(&p->answer, "");
}

/* Sends the prepared push p (not under W.mu): remembers it as the last one. */
static void push_run(struct dw_push *p)
{
    struct arena *a = arena_new();
    pthread_mutex_lock(&W.mu);
    long timeout = W.push_timeout_ms;
    int tries = W.tries, safe = p->encrypt_type != NULL;
    char *token = xstrdup(W.token), *aes = xstrdup(W.aes_key), *appid = xstrdup(W.appid);
    p->n = (long long)++W.n_pushes;
    pthread_mutex_unlock(&W.mu);
    if (p->sent) {
        push_send(a, p, timeout, tries);
        push_read_reply(a, p, token, aes, appid, safe);
    }
    free(token), free(aes), free(appid);
    arena_free(a);
    pthread_mutex_lock(&W.mu);
    push_free(&W.last);
    push_copy(&W.last, p);
    if (p->sent) {
        push_free(&W.last_sent);
        push_copy(&W.last_sent, p);
    }
    pthread_mutex_unlock(&W.mu);
}

/* Prepares the push of an event by u (ticket t for scans). Under W.mu. */
static int push_event(struct dw_push *p, struct dw_user *u, const char *event, const char *key,
                      const struct dw_ticket *t)
{
    long long now = now_s();
    u->last_time = now > u->last_time ? now : u->last_time + 1;
    char ts[24], nonce[16], *xml = NULL;
    size_t len = 0;
    snprintf(ts, sizeof(ts), "%lld", now);
    snprintf(nonce, sizeof(nonce), "%u", 100000000u + randombytes_uniform(900000000u));
    FILE *f = open_memstream(&xml, &len);
    if (!f) abort();
    fprintf(f,
            "<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[%s]]>"
            "</FromUserName><CreateTime>%lld</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            "<Event><![CDATA[%s]]></Event>",
            W.gh, u->openid, u->last_time, event);
    if (key) fprintf(f, "<EventKey><![CDATA[%s]]></EventKey>", key);
    if (t) fprintf(f, "<Ticket><![CDATA[%s]]></Ticket>", t->ticket);
    fputs("</xml>", f);
    fclose(f);
    p->callback = xstrdup(W.callback), p->ts = xstrdup(ts), p->nonce = xstrdup(nonce);
    p->openid = xstrdup(u->openid);
    struct arena *a = arena_new();
    int rc = push_body(a, p, xml);
    arena_free(a);
    free(xml);
    if (rc != 0) return -1;
    p->url = push_url(p, W.token);
    p->sent = 1;
    return 0;
}

/* What the phone's action does, prepared in p (sent afterwards). 0, or -1 with p->note. */
static int phone_act(struct dw_push *p, const char *action, const char *user, const char *qr,
                     int unionid)
{
    p->action = xstrdup(action), p->user = xstrdup(user);
    if (!strcmp(action, "dup") || !strcmp(action, "badsig")) {
        if (!W.last_sent.sent) return set_str(&p->note, "no push to repeat yet"), -1;
        struct dw_push last;
        push_copy(&last, &W.last_sent);
        p->callback = last.callback, p->ts = last.ts, p->nonce = last.nonce;
        p->openid = last.openid, p->body = last.body;
        p->encrypt_type = last.encrypt_type, p->msg_signature = last.msg_signature;
        p->url = !strcmp(action, "dup") ? last.url : push_url(p, "not-the-token");
        if (strcmp(action, "dup")) free(last.url);
        free(last.action), free(last.user), free(last.note), free(last.answer), free(last.reply);
        free(p->user), p->user = xstrdup(W.last_sent.user);
        p->sent = 1;
        return 0;
    }
    if (!W.callback || !*W.callback) return set_str(&p->note, "no callback URL set"), -1;
    if (!user || !*user) return set_str(&p->note, "a user name is needed"), -1;
    struct dw_user *u = user_get(user, unionid);
    if (!u) return set_str(&p->note, "too many users"), -1;
    if (!strcmp(action, "unfollow")) {
        if (!u->following) return set_str(&p->note, "not following: nothing to do"), -1;
        u->following = 0;
        return push_event(p, u, "unsubscribe", NULL, NULL);
    }
    struct dw_ticket *t = ticket_find(qr);
    if (!t) return set_str(&p->note, "no such QR code"), -1;
    t->scans++;
    if (now_s() >= t->expires) return set_str(&p->note, "this QR code has expired"), -1;
    if (!strcmp(action, "nofollow") || (!strcmp(action, "scan") && !u->following))
        return set_str(&p->note, "WeChat shows the follow page: nothing is pushed"), 0;
    if (u->following) {
        if (!strcmp(action, "follow")) set_str(&p->note, "already following: WeChat sends SCAN");
        return push_event(p, u, "SCAN", t->scene, t);
    }
    u->following = 1;
    char key[96];
    snprintf(key, sizeof(key), "qrscene_%s", t->scene);
    return push_event(p, u, "subscribe", key, t);
}

/* Runs an action of the phone; the result stays in W.last. -1 when it could not start. */
static int phone_do(const char *action, const char *user, const char *qr, int unionid)
{
    static const char *const actions[] = {"follow",   "scan", "nofollow",
                                          "unfollow", "dup",  "badsig"};
    int known = 0;
    for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
        known |= action && !strcmp(action, actions[i]);
    struct dw_push p = {0};
    pthread_mutex_lock(&W.mu);
    int rc = known ? phone_act(&p, action, user ? user : "", qr, unionid) : -1;
    if (!known) p.note = xstrdup("unknown action");
    pthread_mutex_unlock(&W.mu);
    push_run(&p);
    push_free(&p);
    return rc;
}

/* ---- the phone page ---- */

static json_t *push_json(const struct dw_push *p)
{
    return json_pack("{s:I, s:s?, s:s?, s:s?, s:b, s:i, s:I, s:s?, s:s?, s:b}", "n",
                     (json_int_t)p->n, "action", p->action, "user", p->user, "note", p->note,
                     "sent", p->sent, "attempts", p->attempts, "status", (json_int_t)p->status,
                     "answer", p->answer, "reply", p->reply, "reply_ok", p->reply_ok);
}

static void page_last(FILE *f)
{
    const struct dw_push *p = &W.last;
    if (!p->n) return;
    fprintf(f, "<section id=\"push\"><h2>Push #%lld: ", p->n);
    put_esc(f, p->action);
    fputs(" by ", f);
    put_esc(f, p->user);
    fputs("</h2>", f);
    if (p->note) {
        fputs("<p id=\"push-note\">", f);
        put_esc(f, p->note);
        fputs("</p>", f);
    }
    if (p->sent)
        fprintf(f,
                "<p>attempts: <span id=\"push-attempts\">%d</span>, HTTP <span "
                "id=\"push-status\">%ld</span></p>",
                p->attempts, p->status);
    if (p->sent) {
        fputs("<p>chat: <q id=\"push-reply\">", f);
        put_esc(f, p->reply ? p->reply : "");
        fputs("</q></p>", f);
    }
    fputs("</section>", f);
}

static void page_tickets(FILE *f, long long now)
{
    fputs("<h2>QR codes issued</h2><table><tr><th>scene</th><th>expires in</th><th>scans</th>"
          "<th></th></tr>",
          f);
    size_t kept = W.nticket < DW_MAX_TICKETS ? W.nticket : DW_MAX_TICKETS;
    for (size_t k = 0; k < kept; k++) {
        const struct dw_ticket *t = &W.tickets[(W.nticket - 1 - k) % DW_MAX_TICKETS];
        char head[16];
        snprintf(head, sizeof(head), "%.12s", t->scene);
        fprintf(f, "<tr class=\"qr\" data-code=\"%s\"><td><code>", t->code);
        put_esc(f, head);
        fputs("…</code></td><td>", f);
        if (now < t->expires)
            fprintf(f, "%llds", t->expires - now);
        else
            fputs("expired", f);
        fprintf(f, "</td><td>%u</td><td>", t->scans);
        static const char *const acts[][2] = {
            {"follow", "scan and follow"}, {"scan", "scan"}, {"nofollow", "scan, don't follow"}};
        for (int i = 0; i < 3; i++)
            fprintf(f, "<button form=\"phone\" name=\"do\" value=\"%s:%s\">%s</button> ",
                    acts[i][0], t->code, acts[i][1]);
        fputs("</td></tr>", f);
    }
    fputs("</table>", f);
}

static void phone_page(const struct devsim_req *req, struct devsim_resp *resp)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) abort();
    const char *code = devsim_query(req, "code"), *user = devsim_query(req, "user");
    long long now = now_s();
    pthread_mutex_lock(&W.mu);
    const struct dw_ticket *t = ticket_find(code);
    if (!user) user = W.last.user && *W.last.user ? W.last.user : "wxuser";
    fputs("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>WeChat (devsim)"
          "</title><style>body{font-family:sans-serif;margin:24px;max-width:900px}"
          "td,th{padding:4px 8px;text-align:left}input[type=text]{width:28em}</style></head><body>"
          "<h1>WeChat phone (devsim)</h1><p>Pushes go to <code id=\"callback\">",
          f);
    put_esc(f, W.callback ? W.callback : "(no callback set)");
    fprintf(f, "</code> in <strong id=\"mode\">%s</strong> mode; AppID <code>%s</code>.</p>",
            dw_mode_names[W.mode], W.appid);
    fputs("<form id=\"phone\" method=\"post\" action=\"/wechat/phone\"><p><label>WeChat user "
          "<input type=\"text\" name=\"user\" id=\"user\" value=\"",
          f);
    put_esc(f, user);
    fputs("\"></label> <label><input type=\"checkbox\" name=\"unionid\" value=\"1\" checked> "
          "Open Platform account (unionid)</label></p><p><label>Scanned URL <input type=\"text\" "
          "name=\"url\" id=\"url\" value=\"",
          f);
    put_esc(f, t ? t->url : "");
    fputs("\"></label></p><p><button name=\"do\" value=\"follow:\" id=\"follow\">scan and follow"
          "</button> <button name=\"do\" value=\"scan:\" id=\"scan\">scan</button> <button "
          "name=\"do\" value=\"nofollow:\" id=\"nofollow\">scan, don't follow</button> <button "
          "name=\"do\" value=\"unfollow:\" id=\"unfollow\">unfollow</button></p><p><button "
          "name=\"do\" value=\"dup:\" id=\"dup\">send the last push again</button> <button "
          "name=\"do\" value=\"badsig:\" id=\"badsig\">last push with a bad signature</button>"
          "</p></form>",
          f);
    page_last(f);
    page_tickets(f, now);
    pthread_mutex_unlock(&W.mu);
    fputs("</body></html>\n", f);
    fclose(f);
    devsim_reply_take(resp, 200, DW_HTML, buf, len);
}

/* POST /wechat/phone: do=ACTION:CODE (CODE empty: the url field), user, unionid, url. */
static void phone_post(const struct devsim_req *req, struct devsim_resp *resp)
{
    char *todo = form_get(req->body, "do"), *user = form_get(req->body, "user");
    char *url = form_get(req->body, "url"), *unionid = form_get(req->body, "unionid");
    char *colon = todo ? strchr(todo, ':') : NULL;
    if (colon) *colon = 0;
    const char *qr = colon && colon[1] ? colon + 1 : url;
    phone_do(todo, user, qr, unionid != NULL);
    free(resp->location);
    resp->location = xstrdup("/wechat/phone");
    devsim_reply(resp, 303, DW_TEXT, "See Other\n");
    free(todo), free(user), free(url), free(unionid);
}

/* /wechat/phone, /wechat/q/CODE (a scanned QR code opens the phone on it) */
static void phone(const struct devsim_req *req, struct devsim_resp *resp)
{
    if (!strncmp(req->rest, "/q/", 3)) {
        char *loc = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&loc, &len);
        if (!f) abort();
        fputs("/wechat/phone?code=", f);
        put_enc(f, req->rest + 3);
        fclose(f);
        free(resp->location);
        resp->location = loc;
        devsim_reply(resp, 302, DW_TEXT, "Found\n");
    } else if (strcmp(req->rest, "/phone") != 0) {
        devsim_reply(resp, 404, DW_TEXT, "not found\n");
    } else if (!strcmp(req->method, "POST")) {
        phone_post(req, resp);
    } else {
        phone_page(req, resp);
    }
}

/* ---- control ---- */

static json_t *state_json(void)
{
    json_t *tickets = json_array(), *users = json_array();
    size_t kept = W.nticket < DW_MAX_TICKETS ? W.nticket : DW_MAX_TICKETS;
    for (size_t k = 0; k < kept; k++) {
        const struct dw_ticket *t = &W.tickets[(W.nticket - 1 - k) % DW_MAX_TICKETS];
        json_array_append_new(tickets, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "code", t->code,
                                                 "url", t->url, "scene", t->scene, "ticket",
                                                 t->ticket, "expires_at", (json_int_t)t->expires,
                                                 "scans", (json_int_t)t->scans));
    }
    for (size_t i = 0; i < W.nusers; i++) {
        const struct dw_user *u = &W.users[i];
        json_array_append_new(users,
                              json_pack("{s:s, s:s, s:s?, s:b}", "name", u->name, "openid",
                                        u->openid, "unionid", u->has_unionid ? u->unionid : NULL,
                                        "following", u->following));
    }
    return json_pack("{s:s, s:s?, s:s, s:I, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I}, s:o, s:o, s:o}",
                     "mode", dw_mode_names[W.mode], "callback", W.callback, "appid", W.appid,
                     "push_timeout_ms", (json_int_t)W.push_timeout_ms, "counts", "token",
                     (json_int_t)W.n_token, "stable_token", (json_int_t)W.n_stable,
                     "stable_token_forced", (json_int_t)W.n_forced, "qrcode", (json_int_t)W.n_qr,
                     "user_info", (json_int_t)W.n_info, "push_attempts", (json_int_t)W.n_attempts,
                     "pushes", (json_int_t)W.n_pushes, "tickets", tickets, "users", users,
                     "last_push", push_json(&W.last));
}

static int mode_parse(const char *s)
{
    for (int i = 0; s && i < 3; i++)
        if (!strcmp(s, dw_mode_names[i])) return i;
    return -1;
}

/* The switches of ctl_set that change the tokens and the users. Under W.mu. */
static void ctl_switches(json_t *j, long long now)
{
    if (json_is_true(json_object_get(j, "invalidate"))) {
        /* someone else fetched: the tokens daoid holds stop working at once */
        W.classic_prev = W.classic;
        W.classic_prev_until = now;
        if (W.classic.tok[0]) token_new(&W.classic, now);
        if (W.stable.tok[0]) token_new(&W.stable, now);
    }
    if (json_is_true(json_object_get(j, "expire"))) { /* 42001 for them from now on */
        W.classic.expires = W.stable.expires = now;
        W.classic_prev_until = now;
    }
    json_t *rf = json_object_get(j, "refuse");
    if (rf) {
        W.refuse_code = (long long)json_integer_value(json_object_get(rf, "errcode"));
        W.refuse_left = (int)json_integer_value(json_object_get(rf, "times"));
    }
    json_t *op = json_object_get(j, "open_platform");
    const char *name = json_string_value(json_object_get(op, "user"));
    struct dw_user *u = name ? user_get(name, 0) : NULL;
    if (u) u->has_unionid = json_is_true(json_object_get(op, "unionid"));
}

/* {"callback","mode","push_timeout_ms","token_ttl","invalidate","expire","refuse",
 * "open_platform"}: any of them. */
static void ctl_set(json_t *j, struct devsim_resp *resp)
{
    const char *cb = json_string_value(json_object_get(j, "callback"));
    json_t *m = json_object_get(j, "mode"), *pt = json_object_get(j, "push_timeout_ms");
    json_t *ttl = json_object_get(j, "token_ttl"), *rf = json_object_get(j, "refuse");
    json_t *op = json_object_get(j, "open_platform");
    int mode = m ? mode_parse(json_string_value(m)) : 0;
    if ((cb && strncmp(cb, "http", 4)) || mode < 0 || (pt && json_integer_value(pt) <= 0) ||
        (ttl && json_integer_value(ttl) <= 0) ||
        (rf && (json_integer_value(json_object_get(rf, "errcode")) <= 0 ||
                json_integer_value(json_object_get(rf, "times")) < 0)) ||
        (op && !json_string_value(json_object_get(op, "user"))))
        return devsim_reply_error(resp, 400,
                                  "body: {callback, mode: plain|safe|compat, push_timeout_ms, "
                                  "token_ttl, invalidate, expire, refuse: {errcode, times}, "
                                  "open_platform: {user, unionid}}");
    pthread_mutex_lock(&W.mu);
    if (cb) set_str(&W.callback, cb);
    if (m) W.mode = (enum dw_mode)mode;
    if (pt) W.push_timeout_ms = (long)json_integer_value(pt);
    if (ttl) W.token_ttl = (long long)json_integer_value(ttl);
    ctl_switches(j, now_s());
    json_t *out = state_json();
    pthread_mutex_unlock(&W.mu);
    devsim_reply_json(resp, 200, out);
}

/* {"action","user","url"|"code","unionid"}: a phone action; answers the push. */
static void ctl_push(json_t *j, struct devsim_resp *resp)
{
    const char *qr = json_string_value(json_object_get(j, "url"));
    if (!qr) qr = json_string_value(json_object_get(j, "code"));
    json_t *u = json_object_get(j, "unionid");
    int rc = phone_do(json_string_value(json_object_get(j, "action")),
                      json_string_value(json_object_get(j, "user")), qr, !u || json_is_true(u));
    pthread_mutex_lock(&W.mu);
    json_t *out = push_json(&W.last);
    pthread_mutex_unlock(&W.mu);
    devsim_reply_json(resp, rc == 0 ? 200 : 400, out);
}

/* GET /_ctl/wechat; POST /_ctl/wechat (settings), /_ctl/wechat/push */
static void ctl(const struct devsim_req *req, struct devsim_resp *resp)
{
    if (!strcmp(req->method, "GET") && !*req->rest) {
        pthread_mutex_lock(&W.mu);
        json_t *out = state_json();
        pthread_mutex_unlock(&W.mu);
        return devsim_reply_json(resp, 200, out);
    }
    if (strcmp(req->method, "POST")) return devsim_reply_error(resp, 405, "method not allowed");
    json_t *j = json_loadb(req->body, req->body_len, 0, NULL);
    if (!json_is_object(j))
        devsim_reply_error(resp, 400, "body must be a JSON object");
    else if (!*req->rest)
        ctl_set(j, resp);
    else if (!strcmp(req->rest, "/push"))
        ctl_push(j, resp);
    else
        devsim_reply_error(resp, 404, "not found");
    json_decref(j);
}

const struct devsim_route dwechat_routes[] = {
    {"/cgi-bin", api},
    {"/wechat", phone},
    {"/_ctl/wechat", ctl},
    {NULL, NULL},
};

/* ---- set-up ---- */

static const char *const option_names[] = {"appid",   "secret",   "token",
                                           "aes-key", "callback", "mode"};

static void defaults(void)
{
    if (W.inited) return;
    W.inited = 1;
    W.appid = xstrdup(DWECHAT_APPID);
    W.secret = xstrdup(DWECHAT_SECRET);
    W.token = xstrdup(DWECHAT_TOKEN);
    W.aes_key = xstrdup(DWECHAT_AES_KEY);
    W.gh = xstrdup("gh_devsim000001");
    W.push_timeout_ms = 5000;
    W.tries = 3;
    W.token_ttl = 7200;
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
    char **dst[] = {&W.appid, &W.secret, &W.token, &W.aes_key, &W.callback, NULL};
    for (int k = 0; k < 6; k++) {
        if (strlen(option_names[k]) != n || strncmp(arg, option_names[k], n)) continue;
        if (k == 5) {
            int m = mode_parse(val);
            if (m < 0) return -1;
            W.mode = (enum dw_mode)m;
            return 0;
        }
        if (k == 3 && strlen(val) != WECHAT_AES_KEY_CHARS) return -1;
        set_str(dst[k], val);
        return 0;
    }
    return -1;
}

void dwechat_init(void)
{
    if (sodium_init() < 0) abort();
    curl_global_init(CURL_GLOBAL_DEFAULT);
    pthread_mutex_lock(&W.mu);
    defaults();
    pthread_mutex_unlock(&W.mu);
}

void dwechat_free(void)
{
    pthread_mutex_lock(&W.mu);
    char **s[] = {&W.appid, &W.secret, &W.token, &W.aes_key, &W.callback, &W.gh};
    for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) free(*s[i]), *s[i] = NULL;
    for (size_t i = 0; i < DW_MAX_TICKETS; i++) {
        free(W.tickets[i].scene), free(W.tickets[i].url);
        W.tickets[i].scene = W.tickets[i].url = NULL;
    }
    for (size_t i = 0; i < W.nusers; i++) free(W.users[i].name);
    free(W.users);
    W.users = NULL;
    W.nusers = 0;
    push_free(&W.last);
    push_free(&W.last_sent);
    W.inited = 0;
    pthread_mutex_unlock(&W.mu);
    curl_global_cleanup();
}
