/* h_wechat: WeChat sign-in: the QR page /auth/wechat (also ?intent=bind from the linked
 * accounts, ?intent=reauth&next=PATH from /reauth, ?new=1 for a fresh code), its poll
 * /auth/wechat/status (JSON; next=PATH for a re-authentication), the registration form after
 * "Bound", and the callback URL WeChat pushes to. The page works without
 * JavaScript: reloading it moves the ticket on exactly as the poll does. A re-authentication
 * ends on next, which is checked like every other next (http_safe_next) on each request. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "text.h"
#include "config.h"
#include "grants.h"
#include "handlers.h"
#include "http.h"
#include "i18n.h"
#include "json_reply.h"
#include "opsmetrics.h"
#include "page.h"
#include "qr_svg.h"
#include "session.h"
#include "websession.h"
#include "tmpl.h"
#include "wechat_api.h"
#include "wechat_login.h"
#include "wechat_push.h"

/* What the page (and the poll's "refused" message) says for a ticket that went nowhere. */
static const struct page_outcome refusals[] = {
    {WXO_TAKEN, 409, NULL, "wechat.err.taken"},
    {WXO_HAS_OTHER, 409, NULL, "wechat.err.has_other"},
    {WXO_NOT_BOUND, 409, NULL, "wechat.err.not_bound"},
    {WXO_WRONG_ACCOUNT, 403, NULL, "wechat.err.wrong_account"},
    {WXO_MISMATCH, 403, NULL, "wechat.err.mismatch"},
    {WXO_DISABLED, 403, NULL, "wechat.err.disabled"},
    {WXO_LIMITED, 429, NULL, "wechat.err.limited"},
    {WXO_CONSUMED, 410, NULL, "wechat.err.ticket"},
    {WXO_NONE, 410, NULL, "wechat.err.ticket"},
    {0, 0, NULL, "wechat.err.unavailable"},
};

static enum wxl_intent intent_of(struct req *r)
{
    const char *s = req_arg(r, "intent");
    if (s && !strcmp(s, "bind")) return WXL_BIND;
    if (s && !strcmp(s, "reauth")) return WXL_REAUTH;
    return WXL_SIGNIN;
}

/* The request's next when it is a same-site path (a sign-in started by an app's authorization
 * request goes back to it), else NULL. */
static const char *signin_next(struct req *r)
{
    const char *next = req_arg(r, "next");
    return http_safe_next(next) ? next : NULL;
}

/* Where a re-authentication goes back to. */
static const char *next_of(struct req *r)
{
    const char *next = signin_next(r);
    return next ? next : "/settings";
}

/* This page's own address for intent (with next for a re-authentication or a sign-in that has
 * one), in r->a. */
static const char *self_href(struct req *r, enum wxl_intent intent)
{
    if (intent == WXL_BIND) return "/auth/wechat?intent=bind";
    if (intent == WXL_SIGNIN && !signin_next(r)) return "/auth/wechat";
    if (intent == WXL_SIGNIN)
        return arena_printf(r->a, "/auth/wechat?next=%s", text_urlencode(r->a, signin_next(r)));
    return arena_printf(r->a, "/auth/wechat?intent=reauth&next=%s",
                        text_urlencode(r->a, next_of(r)));
}

/* The page's context with what every state shows. */
static struct tmpl_ctx *wechat_ctx(struct req *r, enum wxl_intent intent)
{
    static const char *const titles[] = {"wechat.title", "wechat.bind_title",
                                         "wechat.reauth_title"};
    struct tmpl_ctx *c = page_ctx(r);
    const char *self = self_href(r, intent);
    tmpl_set_bool(c, "bind", intent == WXL_BIND);
    tmpl_set_bool(c, "reauth", intent == WXL_REAUTH);
    tmpl_set_bool(c, "signin", intent == WXL_SIGNIN);
    tmpl_set(c, "title", i18n_get(i18n_cat(r->lang), titles[intent]));
    tmpl_set(c, "self_href", self);
    tmpl_set(c, "new_href", arena_printf(r->a, "%s%cnew=1", self, strchr(self, '?') ? '&' : '?'));
    if (intent == WXL_SIGNIN && signin_next(r))
        tmpl_set(c, "register_q",
                 arena_printf(r->a, "?next=%s", text_urlencode(r->a, signin_next(r))));
    if (intent == WXL_REAUTH || signin_next(r)) {
        tmpl_set(c, "next", next_of(r));
        tmpl_set(
            c, "status_href",
            arena_printf(r->a, "/auth/wechat/status?next=%s", text_urlencode(r->a, next_of(r))));
    }
    tmpl_setf(c, "units", "%lld", (long long)cfg->wechat_bonus_units);
    tmpl_set(c, "duration", i18n_duration(r->a, r->lang, cfg->wechat_qr_ttl));
    /* a phone cannot scan its own screen: its page says what to do instead (the stylesheet
     * does the same for a touch screen the user agent does not give away) */
    const char *ua = req_header(r, "User-Agent");
    tmpl_set_bool(c, "in_wechat", ua && strstr(ua, "MicroMessenger"));
    tmpl_set_bool(c, "phone",
                  ua && (strstr(ua, "Mobile") || strstr(ua, "Android") || strstr(ua, "iPhone") ||
                         strstr(ua, "MicroMessenger")));
    return c;
}

static void render_state(struct req *r, int status, struct tmpl_ctx *c, const char *state)
{
    tmpl_set(c, "state", state);
    tmpl_set_bool(c, state, 1);
    page_render(r, status, "wechat", c);
}

static void render_pending(struct req *r, const struct wxl_result *res)
{
    struct tmpl_ctx *c = wechat_ctx(r, res->intent);
    const char *label = i18n_get(i18n_cat(r->lang), "wechat.qr_label");
    tmpl_set(c, "qr_svg", qr_svg(r->a, res->qr_url, 220, label));
    tmpl_set(c, "qr_url", res->qr_url);
    render_state(r, 200, c, "pending");
}

/* What a registration that did not happen shows: the form again (out->outcome
 * WXO_REGISTER) or the refusal. */
static const struct page_outcome register_pages[] = {
    {REG_INVALID, 400, NULL, "signup.err.summary"},
    {REG_LIMITED, 429, NULL, "signup.err.rate"},
    {REG_GONE, 410, NULL, "wechat.err.ticket"},
    {REG_TAKEN, 409, NULL, "wechat.err.registered"},
    {0, 0, NULL, "error.unavailable"},
};

/* The registration form, with the values and errors of a refused submission (out, rc). */
static void render_register(struct req *r, const char *username, const char *email,
                            const struct wxl_register_out *out, enum reg_outcome rc)
{
    struct tmpl_ctx *c = wechat_ctx(r, WXL_SIGNIN);
    tmpl_set(c, "username", username);
    tmpl_set(c, "email", email);
    tmpl_set_bool(c, "ok", 1);
    int status = 200;
    if (out) {
        const struct page_outcome *o = page_outcome_find(register_pages, (int)rc);
        status = o->status ? o->status : 503;
        h_form_errors(r, c, out->errors, o->msg_key);
    }
    render_state(r, status, c, "register");
}

static void render_error(struct req *r, enum wxl_intent intent, enum wxl_outcome o)
{
    const struct page_outcome *row = page_outcome_find(refusals, o);
    struct tmpl_ctx *c = wechat_ctx(r, intent);
    tmpl_set(c, "error", page_t(r, c, row->msg_key));
    render_state(r, row->status ? row->status : 503, c, "refused");
}

static void clear_ticket(struct req *r)
{
    resp_cookie(r, WECHAT_COOKIE, "", -1);
}

/* Answers the page for an advanced (or new) ticket. */
static void render_outcome(struct req *r, const struct wxl_result *res)
{
    struct tmpl_ctx *c;
    const char *to;
    switch (res->outcome) {
    case WXO_PENDING:
        return render_pending(r, res);
    case WXO_EXPIRED:
        return render_state(r, 200, wechat_ctx(r, res->intent), "expired");
    case WXO_REGISTER:
        return render_register(r, res->suggested, NULL, NULL, REG_OK);
    case WXO_SIGNIN:
        clear_ticket(r);
        opsmetrics_signin("wechat", LOGIN_OK);
        if (!(to = h_mfa_signin(r, res->account_id, "wechat", signin_next(r))))
            return page_error(r, 503, "error.unavailable");
        return resp_redirect(r, to);
    case WXO_REAUTHED:
        clear_ticket(r);
        if (session_reauthenticated(r->sess) != 0) return page_error(r, 503, "error.unavailable");
        return resp_redirect(r, next_of(r));
    case WXO_BOUND:
        clear_ticket(r);
        c = wechat_ctx(r, WXL_BIND);
        tmpl_set_bool(c, "ok", 1);
        tmpl_set_bool(c, "granted", res->granted);
        return render_state(r, 200, c, "done");
    case WXO_ERR:
    case WXO_LIMITED:
        return render_error(r, res->intent, res->outcome);
    default:
        clear_ticket(r);
        return render_error(r, res->intent, res->outcome);
    }
}

void h_auth_wechat(struct req *r)
{
    if (!wechat_api_enabled())
        return page_notice(r, 404, "social.off.title", "social.off.wechat", "/signup",
                           "signup.title");
    enum wxl_intent intent = intent_of(r);
    if (intent == WXL_SIGNIN && r->sess)
        return resp_redirect(r, signin_next(r) ? signin_next(r) : "/console");
    if (intent != WXL_SIGNIN && !r->sess)
        return resp_redirect(
            r, arena_printf(r->a, "/login?next=%s", text_urlencode(r->a, self_href(r, intent))));
    struct wxl_open_in in = {
        .secret = req_cookie(r, WECHAT_COOKIE),
        .fresh = req_arg(r, "new") != NULL,
        .intent = intent,
        .session_account = r->sess ? r->sess->account_id : 0,
        .lang = r->lang,
        .ip = r->ip,
    };
    struct wxl_result res;
    wechat_login_open(r->a, &in, time(NULL), &res);
    if (res.new_secret[0]) resp_cookie(r, WECHAT_COOKIE, res.new_secret, 0);
    render_outcome(r, &res);
}

/* a poll's answer (a 503 when it cannot be sent: the page polls again) */
static void send_json(struct req *r, json_t *j)
{
    json_reply(r, 200, j);
}

void h_auth_wechat_status(struct req *r)
{
    struct wxl_result res;
    wechat_login_advance(r->a, req_cookie(r, WECHAT_COOKIE), r->sess ? r->sess->account_id : 0,
                         r->ip, time(NULL), &res);
    const char *to;
    switch (res.outcome) {
    case WXO_PENDING:
        return send_json(r, json_pack("{s:s, s:I}", "state", "pending", "expires_in",
                                      (json_int_t)res.expires_in));
    case WXO_EXPIRED:
        return send_json(r, json_pack("{s:s}", "state", "expired"));
    case WXO_REGISTER:
        return send_json(r, json_pack("{s:s, s:s}", "state", "register", "suggested",
                                      res.suggested ? res.suggested : ""));
    case WXO_SIGNIN:
        clear_ticket(r);
        opsmetrics_signin("wechat", LOGIN_OK);
        if (!(to = h_mfa_signin(r, res.account_id, "wechat", signin_next(r))))
            return send_json(r, json_pack("{s:s}", "state", "retry"));
        return send_json(r, json_pack("{s:s, s:s}", "state", "signed_in", "next", to));
    case WXO_BOUND:
        clear_ticket(r);
        return send_json(r, json_pack("{s:s, s:b}", "state", "bound", "granted", res.granted));
    case WXO_REAUTHED:
        clear_ticket(r);
        if (session_reauthenticated(r->sess) != 0)
            return send_json(r, json_pack("{s:s}", "state", "retry"));
        return send_json(r, json_pack("{s:s, s:s}", "state", "signed_in", "next", next_of(r)));
    case WXO_NONE:
    case WXO_CONSUMED:
        return send_json(r, json_pack("{s:s}", "state", "none"));
    case WXO_ERR:
        return send_json(r, json_pack("{s:s}", "state", "retry"));
    default:
        clear_ticket(r);
        return send_json(r, json_pack("{s:s, s:s}", "state", "refused", "message",
                                      page_t(r, wechat_ctx(r, res.intent),
                                             page_outcome_find(refusals, res.outcome)->msg_key)));
    }
}

void h_auth_wechat_register(struct req *r)
{
    if (!wechat_api_enabled()) return page_error(r, 404, "error.notfound");
    struct wxl_register_in in = {
        .secret = req_cookie(r, WECHAT_COOKIE),
        .username = req_form(r, "username"),
        .email = req_form(r, "email"),
        .terms = req_form(r, "terms") != NULL,
        .ip = r->ip,
        .lang = r->lang,
    };
    struct wxl_register_out out;
    enum reg_outcome rc = wechat_login_register(r->a, &in, &out);
    if (rc == REG_OK) {
        clear_ticket(r);
        if (websession_begin(r, out.account_id, "wechat") != 0)
            return page_notice(r, 503, "error.title", "signup.err.session", "/login",
                               "login.title");
        if (out.granted) page_flash(r, "console.wechat_bonus");
        return resp_redirect(r, signin_next(r) ? signin_next(r) : "/console");
    }
    if (out.outcome == WXO_EXPIRED)
        return render_state(r, 410, wechat_ctx(r, WXL_SIGNIN), "expired");
    if (out.outcome != WXO_REGISTER) {
        const struct page_outcome *o = page_outcome_find(register_pages, (int)rc);
        struct tmpl_ctx *c = wechat_ctx(r, WXL_SIGNIN);
        tmpl_set(c, "error", page_t(r, c, o->msg_key));
        return render_state(r, o->status ? o->status : 503, c, "refused");
    }
    render_register(r, in.username, in.email, &out, rc);
}

/* ---- the callback URL ---- */

static void callback(struct req *r, int post)
{
    struct wechat_cb_in in = {
        .signature = req_arg(r, "signature"),
        .timestamp = req_arg(r, "timestamp"),
        .nonce = req_arg(r, "nonce"),
        .echostr = req_arg(r, "echostr"),
        .encrypt_type = req_arg(r, "encrypt_type"),
        .msg_signature = req_arg(r, "msg_signature"),
        .body = r->body,
        .body_len = r->body ? r->body_len : 0,
    };
    struct wechat_cb_out out;
    if (post)
        wechat_push_handle(r->a, &in, time(NULL), &out);
    else
        wechat_push_verify(r->a, &in, &out);
    resp_send(r, out.status, out.ctype, out.body, out.len);
}

void h_wechat_callback_get(struct req *r)
{
    callback(r, 0);
}

void h_wechat_callback_post(struct req *r)
{
    callback(r, 1);
}
