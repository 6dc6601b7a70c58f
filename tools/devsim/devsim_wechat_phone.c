/* devsim_wechat_phone: the fake WeChat's phone page (/wechat/phone) and its control endpoint
 * /_ctl/wechat (state, settings, and pushes as the phone's buttons make them). */
#include "devsim_wechat.h"
#include "devsim_wechat_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const dw_mode_names[] = {"plain", "safe", "compat"};

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
    const struct dw_push *p = &dwechat_s.last;
    if (!p->n) return;
    fprintf(f, "<section id=\"push\"><h2>Push #%lld: ", p->n);
    devsim_html_esc(f, p->action);
    devsim_html_wrap(f, " by ", p->user, "</h2>");
    if (p->note) devsim_html_wrap(f, "<p id=\"push-note\">", p->note, "</p>");
    if (p->sent)
        fprintf(f,
                "<p>attempts: <span id=\"push-attempts\">%d</span>, HTTP <span "
                "id=\"push-status\">%ld</span></p>",
                p->attempts, p->status);
    if (p->sent) devsim_html_wrap(f, "<p>chat: <q id=\"push-reply\">", p->reply, "</q></p>");
    fputs("</section>", f);
}

static void page_tickets(FILE *f, long long now)
{
    fputs("<h2>QR codes issued</h2><table><tr><th>scene</th><th>expires in</th><th>scans</th>"
          "<th></th></tr>",
          f);
    size_t kept = dwechat_s.nticket < DW_MAX_TICKETS ? dwechat_s.nticket : DW_MAX_TICKETS;
    for (size_t k = 0; k < kept; k++) {
        const struct dw_ticket *t =
            &dwechat_s.tickets[(dwechat_s.nticket - 1 - k) % DW_MAX_TICKETS];
        char head[16];
        snprintf(head, sizeof(head), "%.12s", t->scene);
        fprintf(f, "<tr class=\"qr\" data-code=\"%s\"><td><code>", t->code);
        devsim_html_esc(f, head);
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

/* GET /wechat/phone?code=QR&user=NAME */
static void phone_page(const struct devsim_req *req, struct devsim_resp *resp)
{
    struct devsim_buf b;
    FILE *f = devsim_buf_open(&b);
    const char *code = devsim_query(req, "code"), *user = devsim_query(req, "user");
    long long now = dwechat_now();
    pthread_mutex_lock(&dwechat_s.mu);
    const struct dw_ticket *t = dwechat_ticket_find(code);
    if (!user) user = dwechat_s.last.user && *dwechat_s.last.user ? dwechat_s.last.user : "wxuser";
    fputs("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>WeChat (devsim)"
          "</title><style>body{font-family:sans-serif;margin:24px;max-width:900px}"
          "td,th{padding:4px 8px;text-align:left}input[type=text]{width:28em}</style></head><body>"
          "<h1>WeChat phone (devsim)</h1><p>Pushes go to <code id=\"callback\">",
          f);
    devsim_html_esc(f, dwechat_s.callback ? dwechat_s.callback : "(no callback set)");
    fprintf(f, "</code> in <strong id=\"mode\">%s</strong> mode; AppID <code>%s</code>.</p>",
            dw_mode_names[dwechat_s.mode], dwechat_s.appid);
    fputs("<form id=\"phone\" method=\"post\" action=\"/wechat/phone\"><p><label>WeChat user "
          "<input type=\"text\" name=\"user\" id=\"user\" value=\"",
          f);
    devsim_html_esc(f, user);
    fputs("\"></label> <label><input type=\"checkbox\" name=\"unionid\" value=\"1\" checked> "
          "Open Platform account (unionid)</label></p><p><label>Scanned URL <input type=\"text\" "
          "name=\"url\" id=\"url\" value=\"",
          f);
    devsim_html_esc(f, t ? t->url : "");
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
    pthread_mutex_unlock(&dwechat_s.mu);
    fputs("</body></html>\n", f);
    char *page = devsim_buf_close(&b);
    devsim_reply_take(resp, 200, DEVSIM_HTML, page, b.len);
}

/* POST /wechat/phone: do=ACTION:CODE (CODE empty: the url field), user, unionid, url. */
static void phone_post(const struct devsim_req *req, struct devsim_resp *resp)
{
    char *todo = devsim_form_get(req->body, "do"), *user = devsim_form_get(req->body, "user");
    char *url = devsim_form_get(req->body, "url"), *unionid = devsim_form_get(req->body, "unionid");
    char *colon = todo ? strchr(todo, ':') : NULL;
    if (colon) *colon = 0;
    const char *qr = colon && colon[1] ? colon + 1 : url;
    dwechat_phone_do(todo, user, qr, unionid != NULL, NULL);
    devsim_redirect_take(resp, 303, devsim_xstrdup("/wechat/phone"));
    free(todo), free(user), free(url), free(unionid);
}

/* /wechat/q/CODE: a scanned QR code opens the phone on it. */
static void phone_scan(const struct devsim_req *req, struct devsim_resp *resp)
{
    struct devsim_buf b;
    fputs("/wechat/phone?code=", devsim_buf_open(&b));
    devsim_url_enc(b.f, req->wild);
    devsim_redirect_take(resp, 302, devsim_buf_close(&b));
}

/* ---- control ---- */

static json_t *state_json(void)
{
    json_t *tickets = json_array(), *users = json_array();
    size_t kept = dwechat_s.nticket < DW_MAX_TICKETS ? dwechat_s.nticket : DW_MAX_TICKETS;
    for (size_t k = 0; k < kept; k++) {
        const struct dw_ticket *t =
            &dwechat_s.tickets[(dwechat_s.nticket - 1 - k) % DW_MAX_TICKETS];
        json_array_append_new(tickets, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "code", t->code,
                                                 "url", t->url, "scene", t->scene, "ticket",
                                                 t->ticket, "expires_at", (json_int_t)t->expires,
                                                 "scans", (json_int_t)t->scans));
    }
    for (size_t i = 0; i < dwechat_s.nusers; i++) {
        const struct dw_user *u = &dwechat_s.users[i];
        json_array_append_new(users,
                              json_pack("{s:s, s:s, s:s?, s:b}", "name", u->name, "openid",
                                        u->openid, "unionid", u->has_unionid ? u->unionid : NULL,
                                        "following", u->following));
    }
    return json_pack("{s:s, s:s?, s:s, s:I, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I}, s:o, s:o, s:o}",
                     "mode", dw_mode_names[dwechat_s.mode], "callback", dwechat_s.callback, "appid",
                     dwechat_s.appid, "push_timeout_ms", (json_int_t)dwechat_s.push_timeout_ms,
                     "counts", "token", (json_int_t)dwechat_s.n_token, "stable_token",
                     (json_int_t)dwechat_s.n_stable, "stable_token_forced",
                     (json_int_t)dwechat_s.n_forced, "qrcode", (json_int_t)dwechat_s.n_qr,
                     "user_info", (json_int_t)dwechat_s.n_info, "push_attempts",
                     (json_int_t)dwechat_s.n_attempts, "pushes", (json_int_t)dwechat_s.n_pushes,
                     "tickets", tickets, "users", users, "last_push", push_json(&dwechat_s.last));
}

int dwechat_mode_parse(const char *s)
{
    for (int i = 0; s && i < 3; i++)
        if (!strcmp(s, dw_mode_names[i])) return i;
    return -1;
}

/* The switches of ctl_set that change the tokens and the users. Under dwechat_s.mu. */
static void ctl_switches(json_t *j, long long now)
{
    if (json_is_true(json_object_get(j, "invalidate"))) {
        /* someone else fetched: the tokens daoid holds stop working at once */
        dwechat_s.classic_prev = dwechat_s.classic;
        dwechat_s.classic_prev_until = now;
        if (dwechat_s.classic.tok[0]) dwechat_token_new(&dwechat_s.classic, now);
        if (dwechat_s.stable.tok[0]) dwechat_token_new(&dwechat_s.stable, now);
    }
    if (json_is_true(json_object_get(j, "expire"))) { /* 42001 for them from now on */
        dwechat_s.classic.expires = dwechat_s.stable.expires = now;
        dwechat_s.classic_prev_until = now;
    }
    json_t *rf = json_object_get(j, "refuse");
    if (rf) {
        dwechat_s.refuse_code = (long long)json_integer_value(json_object_get(rf, "errcode"));
        dwechat_s.refuse_left = (int)json_integer_value(json_object_get(rf, "times"));
    }
    json_t *op = json_object_get(j, "open_platform");
    const char *name = json_string_value(json_object_get(op, "user"));
    struct dw_user *u = name ? dwechat_user_get(name, 0) : NULL;
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
    int mode = m ? dwechat_mode_parse(json_string_value(m)) : 0;
    if ((cb && strncmp(cb, "http", 4)) || mode < 0 || (pt && json_integer_value(pt) <= 0) ||
        (ttl && json_integer_value(ttl) <= 0) ||
        (rf && (json_integer_value(json_object_get(rf, "errcode")) <= 0 ||
                json_integer_value(json_object_get(rf, "times")) < 0)) ||
        (op && !json_string_value(json_object_get(op, "user"))))
        return devsim_reply_error(resp, 400,
                                  "body: {callback, mode: plain|safe|compat, push_timeout_ms, "
                                  "token_ttl, invalidate, expire, refuse: {errcode, times}, "
                                  "open_platform: {user, unionid}}");
    pthread_mutex_lock(&dwechat_s.mu);
    if (cb) dwechat_set_str(&dwechat_s.callback, cb);
    if (m) dwechat_s.mode = (enum dw_mode)mode;
    if (pt) dwechat_s.push_timeout_ms = (long)json_integer_value(pt);
    if (ttl) dwechat_s.token_ttl = (long long)json_integer_value(ttl);
    ctl_switches(j, dwechat_now());
    json_t *out = state_json();
    pthread_mutex_unlock(&dwechat_s.mu);
    devsim_reply_json(resp, 200, out);
}

/* {"action","user","url"|"code","unionid", and to forge the push (struct dw_forge): "skew",
 * "reuse_nonce","plaintext","no_ticket"}: a phone action; answers the push. */
static void ctl_push(json_t *j, struct devsim_resp *resp)
{
    const char *qr = json_string_value(json_object_get(j, "url"));
    if (!qr) qr = json_string_value(json_object_get(j, "code"));
    json_t *u = json_object_get(j, "unionid");
    struct dw_forge f = {
        .skew = (long long)json_integer_value(json_object_get(j, "skew")),
        .reuse_nonce = json_is_true(json_object_get(j, "reuse_nonce")),
        .plaintext = json_is_true(json_object_get(j, "plaintext")),
        .no_ticket = json_is_true(json_object_get(j, "no_ticket")),
    };
    int rc = dwechat_phone_do(json_string_value(json_object_get(j, "action")),
                              json_string_value(json_object_get(j, "user")), qr,
                              !u || json_is_true(u), &f);
    pthread_mutex_lock(&dwechat_s.mu);
    json_t *out = push_json(&dwechat_s.last);
    pthread_mutex_unlock(&dwechat_s.mu);
    devsim_reply_json(resp, rc == 0 ? 200 : 400, out);
}

/* GET /_ctl/wechat */
static void ctl_state(const struct devsim_req *req, struct devsim_resp *resp)
{
    (void)req;
    pthread_mutex_lock(&dwechat_s.mu);
    json_t *out = state_json();
    pthread_mutex_unlock(&dwechat_s.mu);
    devsim_reply_json(resp, 200, out);
}

/* POST /_ctl/wechat (settings), /_ctl/wechat/push (req->arg) */
static void ctl_post(const struct devsim_req *req, struct devsim_resp *resp)
{
    static const devsim_json_handler fns[] = {ctl_set, ctl_push};
    devsim_with_json(req, resp, fns[req->arg]);
}

const struct devsim_route dwechat_phone_routes[] = {
    {"POST", "/wechat/phone", phone_post},
    {NULL, "/wechat/phone", phone_page},
    {NULL, "/wechat/q/*", phone_scan},
    {"GET", "/_ctl/wechat", ctl_state},
    {"POST", "/_ctl/wechat", ctl_post, 0},
    {"POST", "/_ctl/wechat/push", ctl_post, 1},
    {NULL},
};
