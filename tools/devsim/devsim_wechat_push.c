/* devsim_wechat_push: the fake WeChat's pushes to daoid's callback (signed, in plaintext, safe
 * or compatibility mode, retried like WeChat) and the phone's actions that make them. */
#include "devsim_wechat_int.h"

#include <curl/curl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "log.h"
#include "wechat_crypto.h"
#include "wechat_xml.h"

/* ---- pushing ---- */

void dwechat_push_free(struct dw_push *p)
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
    dst->action = devsim_xstrdup(src->action), dst->user = devsim_xstrdup(src->user);
    dst->note = devsim_xstrdup(src->note), dst->url = devsim_xstrdup(src->url),
    dst->body = devsim_xstrdup(src->body);
    dst->callback = devsim_xstrdup(src->callback), dst->ts = devsim_xstrdup(src->ts);
    dst->nonce = devsim_xstrdup(src->nonce), dst->openid = devsim_xstrdup(src->openid);
    dst->encrypt_type = devsim_xstrdup(src->encrypt_type);
    dst->msg_signature = devsim_xstrdup(src->msg_signature);
    dst->answer = devsim_xstrdup(src->answer), dst->reply = devsim_xstrdup(src->reply);
}

/* The callback URL with the push's query, signed with token (malloc'd). */
static char *push_url(const struct dw_push *p, const char *token)
{
    const char *parts[3] = {token, p->ts, p->nonce};
    char sig[WECHAT_SIG_LEN + 1];
    wechat_crypto_sign(parts, 3, sig);
    struct devsim_buf b;
    FILE *f = devsim_buf_open(&b);
    fprintf(f, "%s%csignature=%s&timestamp=%s&nonce=%s&openid=", p->callback,
            strchr(p->callback, '?') ? '&' : '?', sig, p->ts, p->nonce);
    devsim_url_enc(f, p->openid);
    if (p->encrypt_type)
        fprintf(f, "&encrypt_type=%s&msg_signature=%s", p->encrypt_type, p->msg_signature);
    return devsim_buf_close(&b);
}

/* Fills p->body (and the safe-mode query parts) for the plaintext xml (plaintext: whatever the
 * mode). Under dwechat_s.mu. */
static int push_body(struct arena *a, struct dw_push *p, const char *xml, int plaintext)
{
    if (dwechat_s.mode == DW_PLAIN || plaintext) {
        p->body = devsim_xstrdup(xml);
        return 0;
    }
    unsigned char key[32];
    if (wechat_crypto_key(dwechat_s.aes_key, key) != 0) return -1;
    char *enc = wechat_crypto_encrypt(a, key, dwechat_s.appid, xml, strlen(xml), NULL);
    if (!enc) return -1;
    const char *parts[4] = {dwechat_s.token, p->ts, p->nonce, enc};
    char sig[WECHAT_SIG_LEN + 1];
    wechat_crypto_sign(parts, 4, sig);
    p->encrypt_type = devsim_xstrdup("aes");
    p->msg_signature = devsim_xstrdup(sig);
    struct devsim_buf b;
    FILE *f = devsim_buf_open(&b);
    if (dwechat_s.mode == DW_COMPAT)
        fprintf(f, "%.*s", (int)(strlen(xml) - 6), xml); /* without </xml> */
    else
        fprintf(f, "<xml><ToUserName><![CDATA[%s]]></ToUserName>", dwechat_s.gh);
    fprintf(f, "<Encrypt><![CDATA[%s]]></Encrypt></xml>", enc);
    p->body = devsim_buf_close(&b);
    return 0;
}

/* The chat's text for the answer (p->status, p->answer). */
static void push_read_reply(struct arena *a, struct dw_push *p, const char *token,
                            const char *aes_key, const char *appid, int safe)
{
    p->reply_ok = 0;
    if (p->status != 200) return dwechat_set_str(&p->reply, DW_UNAVAILABLE);
    if (!p->answer || !*p->answer || !strcmp(p->answer, "success")) {
        p->reply_ok = 1; /* nothing shown in the chat */
        return;
    }
    struct wechat_push x, in;
    if (wechat_xml_parse(a, p->answer, strlen(p->answer), &x) != WXX_OK || (safe != !!x.encrypt))
        return dwechat_set_str(&p->reply, DW_UNAVAILABLE);
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
            return dwechat_set_str(&p->reply, DW_UNAVAILABLE);
        x = in;
    }
    if (!x.msg_type || strcmp(x.msg_type, "text") || !x.content)
        return dwechat_set_str(&p->reply, DW_UNAVAILABLE);
    dwechat_set_str(&p->reply, x.content);
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
        pthread_mutex_lock(&dwechat_s.mu);
        dwechat_s.n_attempts++;
        pthread_mutex_unlock(&dwechat_s.mu);
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
            dwechat_set_str(&p->answer, abuf_str(&b));
            return;
        }
        log_info("devsim: wechat push attempt %d: %s", p->attempts, curl_easy_strerror(rc));
    }
    p->status = 0;
    dwechat_set_str(&p->answer, "");
}

/* Sends the prepared push p (not under dwechat_s.mu): remembers it as the last one. */
static void push_run(struct dw_push *p)
{
    struct arena *a = arena_new();
    pthread_mutex_lock(&dwechat_s.mu);
    long timeout = dwechat_s.push_timeout_ms;
    int tries = dwechat_s.tries, safe = p->encrypt_type != NULL;
    char *token = devsim_xstrdup(dwechat_s.token), *aes = devsim_xstrdup(dwechat_s.aes_key),
         *appid = devsim_xstrdup(dwechat_s.appid);
    p->n = (long long)++dwechat_s.n_pushes;
    pthread_mutex_unlock(&dwechat_s.mu);
    if (p->sent) {
        push_send(a, p, timeout, tries);
        push_read_reply(a, p, token, aes, appid, safe);
    }
    free(token), free(aes), free(appid);
    arena_free(a);
    pthread_mutex_lock(&dwechat_s.mu);
    dwechat_push_free(&dwechat_s.last);
    push_copy(&dwechat_s.last, p);
    if (p->sent) {
        dwechat_push_free(&dwechat_s.last_sent);
        push_copy(&dwechat_s.last_sent, p);
    }
    pthread_mutex_unlock(&dwechat_s.mu);
}

/* Prepares the push of an event by u (ticket t for scans), forged as forge says. Under
 * dwechat_s.mu. */
static int push_event(struct dw_push *p, struct dw_user *u, const char *event, const char *key,
                      const struct dw_ticket *t, const struct dw_forge *forge)
{
    long long now = dwechat_now();
    u->last_time = now > u->last_time ? now : u->last_time + 1;
    char ts[24], nonce[16];
    snprintf(ts, sizeof(ts), "%lld", now + forge->skew);
    snprintf(nonce, sizeof(nonce), "%u", 100000000u + randombytes_uniform(900000000u));
    if (forge->reuse_nonce && dwechat_s.last_sent.sent) {
        snprintf(ts, sizeof(ts), "%s", dwechat_s.last_sent.ts);
        snprintf(nonce, sizeof(nonce), "%s", dwechat_s.last_sent.nonce);
    }
    struct devsim_buf b;
    FILE *f = devsim_buf_open(&b);
    fprintf(f,
            "<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[%s]]>"
            "</FromUserName><CreateTime>%lld</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            "<Event><![CDATA[%s]]></Event>",
            dwechat_s.gh, u->openid, u->last_time, event);
    if (key) fprintf(f, "<EventKey><![CDATA[%s]]></EventKey>", key);
    if (t && !forge->no_ticket) fprintf(f, "<Ticket><![CDATA[%s]]></Ticket>", t->ticket);
    fputs("</xml>", f);
    char *xml = devsim_buf_close(&b);
    p->callback = devsim_xstrdup(dwechat_s.callback), p->ts = devsim_xstrdup(ts),
    p->nonce = devsim_xstrdup(nonce);
    p->openid = devsim_xstrdup(u->openid);
    struct arena *a = arena_new();
    int rc = push_body(a, p, xml, forge->plaintext);
    arena_free(a);
    free(xml);
    if (rc != 0) return -1;
    p->url = push_url(p, dwechat_s.token);
    p->sent = 1;
    return 0;
}

/* What the phone's action does, prepared in p (sent afterwards). 0, or -1 with p->note. */
static int phone_act(struct dw_push *p, const char *action, const char *user, const char *qr,
                     int unionid, const struct dw_forge *forge)
{
    p->action = devsim_xstrdup(action), p->user = devsim_xstrdup(user);
    if (!strcmp(action, "dup") || !strcmp(action, "badsig")) {
        if (!dwechat_s.last_sent.sent)
            return dwechat_set_str(&p->note, "no push to repeat yet"), -1;
        struct dw_push last;
        push_copy(&last, &dwechat_s.last_sent);
        p->callback = last.callback, p->ts = last.ts, p->nonce = last.nonce;
        p->openid = last.openid, p->body = last.body;
        p->encrypt_type = last.encrypt_type, p->msg_signature = last.msg_signature;
        p->url = !strcmp(action, "dup") ? last.url : push_url(p, "not-the-token");
        if (strcmp(action, "dup")) free(last.url);
        free(last.action), free(last.user), free(last.note), free(last.answer), free(last.reply);
        free(p->user), p->user = devsim_xstrdup(dwechat_s.last_sent.user);
        p->sent = 1;
        return 0;
    }
    if (!dwechat_s.callback || !*dwechat_s.callback)
        return dwechat_set_str(&p->note, "no callback URL set"), -1;
    if (!user || !*user) return dwechat_set_str(&p->note, "a user name is needed"), -1;
    struct dw_user *u = dwechat_user_get(user, unionid);
    if (!u) return dwechat_set_str(&p->note, "too many users"), -1;
    if (!strcmp(action, "unfollow")) {
        if (!u->following) return dwechat_set_str(&p->note, "not following: nothing to do"), -1;
        u->following = 0;
        return push_event(p, u, "unsubscribe", NULL, NULL, forge);
    }
    struct dw_ticket *t = dwechat_ticket_find(qr);
    if (!t) return dwechat_set_str(&p->note, "no such QR code"), -1;
    t->scans++;
    if (dwechat_now() >= t->expires)
        return dwechat_set_str(&p->note, "this QR code has expired"), -1;
    if (!strcmp(action, "nofollow") || (!strcmp(action, "scan") && !u->following))
        return dwechat_set_str(&p->note, "WeChat shows the follow page: nothing is pushed"), 0;
    if (u->following) {
        if (!strcmp(action, "follow"))
            dwechat_set_str(&p->note, "already following: WeChat sends SCAN");
        return push_event(p, u, "SCAN", t->scene, t, forge);
    }
    u->following = 1;
    char key[96];
    snprintf(key, sizeof(key), "qrscene_%s", t->scene);
    return push_event(p, u, "subscribe", key, t, forge);
}

/* Runs an action of the phone; the result stays in dwechat_s.last. -1 when it could not start. */
int dwechat_phone_do(const char *action, const char *user, const char *qr, int unionid,
                     const struct dw_forge *f)
{
    static const struct dw_forge honest;
    static const char *const actions[] = {"follow",   "scan", "nofollow",
                                          "unfollow", "dup",  "badsig"};
    int known = 0;
    for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
        known |= action && !strcmp(action, actions[i]);
    struct dw_push p = {0};
    pthread_mutex_lock(&dwechat_s.mu);
    int rc = known ? phone_act(&p, action, user ? user : "", qr, unionid, f ? f : &honest) : -1;
    if (!known) p.note = devsim_xstrdup("unknown action");
    pthread_mutex_unlock(&dwechat_s.mu);
    push_run(&p);
    dwechat_push_free(&p);
    return rc;
}
