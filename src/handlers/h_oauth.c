/* h_oauth: sign-up, sign-in and binding with GitHub, Bitbucket and Coding (oauth_flow.c):
 * the start (/auth/NAME), the callback (/auth/NAME/callback) and the "complete your account"
 * form (/auth/complete). The linked-accounts page is h_accounts.c. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "handlers.h"
#include "http.h"
#include "i18n.h"
#include "identity.h"
#include "oauth2.h"
#include "oauth_flow.h"
#include "opsmetrics.h"
#include "page.h"
#include "session.h"
#include "websession.h"
#include "text.h"
#include "tmpl.h"

#define ACCOUNTS "/settings/accounts"

/* "github" from "/auth/github" or "/auth/github/callback", in r->a. */
static const char *path_provider(struct req *r)
{
    const char *p = r->path + strlen("/auth/");
    return arena_strndup(r->a, p, strcspn(p, "/"));
}

const char *h_provider_name(struct req *r, const char *name)
{
    const char *label = oauth2_provider_label(name);
    if (label) return label;
    return !strcmp(name, "wechat") ? i18n_get(i18n_cat(r->lang), "social.wechat") : name;
}

void h_oauth_notice(struct req *r, int status, const char *provider, const char *title_key,
                    const char *msg_key, struct tmpl_ctx *c, const char *const *links)
{
    if (!c) c = page_ctx(r);
    if (provider) tmpl_set(c, "provider", h_provider_name(r, provider));
    tmpl_set(c, "title", page_t(r, c, title_key));
    tmpl_set(c, "message", page_t(r, c, msg_key));
    for (int i = 0; links && links[i]; i += 2) {
        struct tmpl_ctx *l = tmpl_list_add(c, "links");
        tmpl_set(l, "href", links[i]);
        tmpl_set(l, "text", page_t(r, c, links[i + 1]));
        tmpl_setf(l, "id", "notice-link%s", i ? "-2" : "");
        tmpl_set_bool(l, "primary", i == 0);
    }
    page_render(r, status, "oauth_notice", c);
}

/* ---- start ---- */

static enum oauth_intent parse_intent(const char *s)
{
    if (s && !strcmp(s, "bind")) return OAUTH_INTENT_BIND;
    if (s && !strcmp(s, "reauth")) return OAUTH_INTENT_REAUTH;
    return OAUTH_INTENT_SIGNIN;
}

void h_oauth_start(struct req *r)
{
    const char *next = req_arg(r, "next");
    struct oauth_start_in in = {
        .provider = path_provider(r),
        .intent = parse_intent(req_arg(r, "intent")),
        .next = http_safe_next(next) ? next : NULL,
        .browser = req_cookie(r, OAUTH_BROWSER_COOKIE),
        .ip = r->ip,
        .repos = req_arg(r, "access") && !strcmp(req_arg(r, "access"), "repos"),
    };
    if (in.intent != OAUTH_INTENT_SIGNIN && !r->sess) {
        resp_redirect(r, "/login?next=" ACCOUNTS);
        return;
    }
    if (in.intent == OAUTH_INTENT_SIGNIN && r->sess) {
        resp_redirect(r, in.next ? in.next : "/console");
        return;
    }
    in.account_id = r->sess ? r->sess->account_id : 0;
    struct oauth_start_out out;
    static const char *const back[] = {"/login", "oauth.back_login", NULL};
    static const struct page_outcome refused[] = {
        {OSTART_OFF, 404, "oauth.title.off", "oauth.off"},
        {OSTART_LIMITED, 429, "oauth.title.failed", "oauth.err.limited"},
        {0, 0, NULL, "error.unavailable"},
    };
    enum oauth_start_rc rc = oauth_flow_start(r->a, &in, &out);
    const struct page_outcome *o = page_outcome_find(refused, rc);
    if (rc != OSTART_OK && !o->status) return page_error(r, 503, o->msg_key);
    if (rc != OSTART_OK)
        return h_oauth_notice(r, o->status, in.provider, o->title_key, o->msg_key, NULL, back);
    resp_cookie(r, OAUTH_BROWSER_COOKIE, out.browser, OAUTH_STATE_TTL);
    resp_redirect(r, out.url);
}

/* ---- callback ---- */

/* The page of a callback that did not sign in, bind or re-authenticate. */
static const struct page_outcome callback_pages[] = {
    {OAUTH_OFF, 404, "oauth.title.off", "oauth.off"},
    {OAUTH_DENIED, 403, "oauth.title.denied", "oauth.err.denied"},
    {OAUTH_PROVIDER_ERROR, 502, "oauth.title.failed", "oauth.err.provider"},
    {OAUTH_BAD_STATE, 400, "oauth.title.failed", "oauth.err.state"},
    {OAUTH_SESSION_CHANGED, 400, "oauth.title.failed", "oauth.err.session"},
    {OAUTH_REJECTED, 400, "oauth.title.failed", "oauth.err.rejected"},
    {OAUTH_TIMEOUT, 504, "oauth.title.failed", "oauth.err.timeout"},
    {OAUTH_UNAVAILABLE, 502, "oauth.title.failed", "oauth.err.unavailable"},
    {OAUTH_BAD_RESPONSE, 502, "oauth.title.failed", "oauth.err.bad_response"},
    {OAUTH_EMAIL_TAKEN, 409, "oauth.title.nothing_linked", "oauth.err.email_exists"},
    {OAUTH_TAKEN, 409, "oauth.title.nothing_linked", "oauth.err.taken"},
    {OAUTH_PROVIDER_TAKEN, 409, "oauth.title.nothing_linked", "oauth.err.provider_taken"},
    {OAUTH_REAUTH_MISMATCH, 403, "oauth.title.failed", "oauth.err.reauth_mismatch"},
    {OAUTH_DISABLED, 403, "oauth.title.failed", "login.err.disabled"},
    {0, 0, "error.title", "error.unavailable"},
};

/* "Try again": the same flow again, with the state's intent, repository access and next page. */
static const char *retry_href(struct req *r, const char *provider,
                              const struct oauth_callback_out *out)
{
    const char *q = out->intent == OAUTH_INTENT_SIGNIN
                        ? ""
                        : arena_printf(r->a, "&intent=%s", oauth_intent_name(out->intent));
    if (out->repos) q = arena_printf(r->a, "%s&access=repos", q);
    if (out->next) q = arena_printf(r->a, "%s&next=%s", q, text_urlencode(r->a, out->next));
    return arena_printf(r->a, "/auth/%s%s%s", provider, *q ? "?" : "", *q ? q + 1 : "");
}

/* The page for a callback that did not sign in, bind or re-authenticate. */
static void callback_failed(struct req *r, const char *provider,
                            const struct oauth_callback_out *out)
{
    const struct page_outcome *pg = page_outcome_find(callback_pages, out->outcome);
    struct tmpl_ctx *c = page_ctx(r);
    tmpl_set(c, "login", out->login ? out->login : "");
    tmpl_set(c, "email", out->email);
    int signin = out->intent == OAUTH_INTENT_SIGNIN;
    const char *again = retry_href(r, provider, out);
    const char *links[5] = {again, "oauth.try_again", signin ? "/login" : ACCOUNTS,
                            signin ? "oauth.back_login" : "oauth.back_accounts", NULL};
    if (out->outcome == OAUTH_EMAIL_TAKEN) {
        links[0] = "/login?next=" ACCOUNTS;
        links[1] = "oauth.signin_first";
        links[2] = NULL;
    } else if (out->outcome == OAUTH_TAKEN || out->outcome == OAUTH_PROVIDER_TAKEN ||
               out->outcome == OAUTH_OFF) {
        links[0] = links[2], links[1] = links[3], links[2] = NULL;
    }
    h_oauth_notice(r, pg->status ? pg->status : 503, provider, pg->title_key, pg->msg_key, c,
                   links);
}

/* The callback's URL carries the code and the state, and its failure pages render at that
 * URL: no Referer from it, whatever the page links to or loads. */
void h_oauth_callback(struct req *r)
{
    resp_header(r, "Referrer-Policy", "no-referrer");
    struct oauth_callback_in in = {
        .provider = path_provider(r),
        .code = req_arg(r, "code"),
        .state = req_arg(r, "state"),
        .error = req_arg(r, "error"),
        .browser = req_cookie(r, OAUTH_BROWSER_COOKIE),
        .session_account = r->sess ? r->sess->account_id : 0,
        .ip = r->ip,
    };
    struct oauth_callback_out out;
    oauth_flow_callback(r->a, &in, &out);
    const char *next = out.next;
    switch (out.outcome) {
    case OAUTH_SIGNED_IN:
        opsmetrics_signin(in.provider, LOGIN_OK);
        if (!(next = h_mfa_signin(r, out.account_id, in.provider, next))) break;
        resp_redirect(r, next);
        return;
    case OAUTH_COMPLETE:
        resp_cookie(r, OAUTH_PENDING_COOKIE, out.pending, OAUTH_PENDING_TTL);
        resp_redirect(r, "/auth/complete");
        return;
    case OAUTH_BOUND:
    case OAUTH_ALREADY:
        if (!next)
            page_flash(r,
                       arena_printf(r->a, "%s.%s", out.outcome == OAUTH_BOUND ? "bound" : "already",
                                    in.provider));
        resp_redirect(r, next ? next : ACCOUNTS);
        return;
    case OAUTH_REAUTHED:
        if (session_reauthenticated(r->sess) != 0) break;
        resp_redirect(r, next ? next : ACCOUNTS);
        return;
    default:
        callback_failed(r, in.provider, &out);
        return;
    }
    page_error(r, 503, "error.unavailable");
}

/* ---- complete your account ---- */

/* What the "complete your account" form says for a registration that did not happen. */
static const struct page_outcome register_pages[] = {
    {REG_INVALID, 400, NULL, "signup.err.summary"},
    {REG_LIMITED, 429, NULL, "signup.err.rate"},
    {REG_GONE, 410, "oauth.title.failed", "oauth.err.pending_gone"},
    {REG_TAKEN, 409, "oauth.title.nothing_linked", "oauth.err.taken_meanwhile"},
    {0, 0, NULL, "error.unavailable"},
};

/* The form; after a refused submission (out), with its errors and the row of rc. */
static void complete_form(struct req *r, const struct oauth_pending *pd, const char *username,
                          const char *email, const struct oauth_register_out *out,
                          enum reg_outcome rc)
{
    struct tmpl_ctx *c = page_ctx(r);
    tmpl_set(c, "provider", pd->label);
    tmpl_set(c, "login", pd->login ? pd->login : pd->name ? pd->name : pd->subject);
    tmpl_set(c, "username", username);
    tmpl_set(c, "email", email);
    if (pd->email) tmpl_set(c, "provider_email", pd->email);
    int status = 200;
    if (out) {
        const struct page_outcome *o = page_outcome_find(register_pages, (int)rc);
        status = o->status ? o->status : 503;
        h_form_errors(r, c, out->errors, o->msg_key);
    }
    page_render(r, status, "oauth_complete", c);
}

static void pending_gone(struct req *r, int status)
{
    static const char *const links[] = {"/login", "oauth.back_login", NULL};
    resp_cookie(r, OAUTH_PENDING_COOKIE, "", -1);
    h_oauth_notice(r, status, NULL, "oauth.title.failed", "oauth.err.pending_gone", NULL, links);
}

void h_oauth_complete_form(struct req *r)
{
    struct oauth_pending pd;
    int rc = oauth_flow_pending(r->a, req_cookie(r, OAUTH_PENDING_COOKIE), &pd);
    if (rc < 0) {
        page_error(r, 503, "error.unavailable");
        return;
    }
    if (rc == 0) {
        pending_gone(r, 410);
        return;
    }
    complete_form(r, &pd, pd.suggestion, pd.email, NULL, REG_OK);
}

void h_oauth_complete_submit(struct req *r)
{
    struct oauth_register_in in = {
        .pending = req_cookie(r, OAUTH_PENDING_COOKIE),
        .username = req_form(r, "username"),
        .email = req_form(r, "email"),
        .terms = req_form(r, "terms") != NULL,
        .ip = r->ip,
        .lang = r->lang,
    };
    struct oauth_register_out out;
    enum reg_outcome rc = oauth_flow_register(r->a, &in, &out);
    if (rc == REG_OK) {
        resp_cookie(r, OAUTH_PENDING_COOKIE, "", -1);
        if (websession_begin(r, out.account_id, out.provider) != 0) {
            page_notice(r, 503, "error.title", "signup.err.session", "/login", "login.title");
            return;
        }
        resp_redirect(r, out.next ? out.next : "/console");
        return;
    }
    struct oauth_pending pd;
    int have = rc == REG_GONE ? 0 : oauth_flow_pending(r->a, in.pending, &pd);
    if (have < 0) {
        page_error(r, 503, "error.unavailable");
        return;
    }
    if (rc == REG_TAKEN) {
        static const char *const links[] = {"/login", "oauth.back_login", NULL};
        const struct page_outcome *o = page_outcome_find(register_pages, (int)rc);
        h_oauth_notice(r, o->status, have ? pd.provider : NULL, o->title_key, o->msg_key, NULL,
                       links);
        return;
    }
    if (!have) {
        pending_gone(r, 410);
        return;
    }
    complete_form(r, &pd, in.username, in.email, &out, rc);
}
