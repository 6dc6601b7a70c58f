/* h_oauth: sign-up, sign-in and binding with GitHub, Bitbucket and Coding (oauth_flow.c):
 * the start (/auth/NAME), the callback (/auth/NAME/callback), the "complete your account"
 * form (/auth/complete) and the linked-accounts page (/settings/accounts). */
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
#include "page.h"
#include "session.h"
#include "websession.h"
#include "tmpl.h"

#define ACCOUNTS "/settings/accounts"

/* "github" from "/auth/github" or "/auth/github/callback", in r->a. */
static const char *path_provider(struct req *r)
{
    const char *p = r->path + strlen("/auth/");
    return arena_strndup(r->a, p, strcspn(p, "/"));
}

static const char *provider_name(struct req *r, const char *name)
{
    const char *label = oauth2_provider_label(name);
    if (label) return label;
    return !strcmp(name, "wechat") ? i18n_get(i18n_cat(r->lang), "social.wechat") : name;
}

/* A page with a title, a message (catalog keys, {provider} {login} {email} filled) and
 * links: pairs of href and catalog key, the first one primary, ended by NULL. */
static void notice(struct req *r, int status, const char *provider, const char *title_key,
                   const char *msg_key, struct tmpl_ctx *c, const char *const *links)
{
    if (!c) c = page_ctx(r);
    if (provider) tmpl_set(c, "provider", provider_name(r, provider));
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
    switch (oauth_flow_start(r->a, &in, &out)) {
    case OSTART_OK:
        break;
    case OSTART_OFF:
        notice(r, 404, in.provider, "oauth.title.off", "oauth.off", NULL, back);
        return;
    case OSTART_LIMITED:
        notice(r, 429, in.provider, "oauth.title.failed", "oauth.err.limited", NULL, back);
        return;
    default:
        page_error(r, 503, "error.unavailable");
        return;
    }
    resp_cookie(r, OAUTH_BROWSER_COOKIE, out.browser, OAUTH_STATE_TTL);
    resp_redirect(r, out.url);
}

/* ---- callback ---- */

struct outcome_page {
    int status;
    const char *title, *msg;
};

static struct outcome_page outcome_page(enum oauth_outcome o)
{
    switch (o) {
    case OAUTH_OFF:
        return (struct outcome_page){404, "oauth.title.off", "oauth.off"};
    case OAUTH_DENIED:
        return (struct outcome_page){403, "oauth.title.denied", "oauth.err.denied"};
    case OAUTH_PROVIDER_ERROR:
        return (struct outcome_page){502, "oauth.title.failed", "oauth.err.provider"};
    case OAUTH_BAD_STATE:
        return (struct outcome_page){400, "oauth.title.failed", "oauth.err.state"};
    case OAUTH_SESSION_CHANGED:
        return (struct outcome_page){400, "oauth.title.failed", "oauth.err.session"};
    case OAUTH_REJECTED:
        return (struct outcome_page){400, "oauth.title.failed", "oauth.err.rejected"};
    case OAUTH_TIMEOUT:
        return (struct outcome_page){504, "oauth.title.failed", "oauth.err.timeout"};
    case OAUTH_UNAVAILABLE:
        return (struct outcome_page){502, "oauth.title.failed", "oauth.err.unavailable"};
    case OAUTH_BAD_RESPONSE:
        return (struct outcome_page){502, "oauth.title.failed", "oauth.err.bad_response"};
    case OAUTH_EMAIL_TAKEN:
        return (struct outcome_page){409, "oauth.title.nothing_linked", "oauth.err.email_exists"};
    case OAUTH_TAKEN:
        return (struct outcome_page){409, "oauth.title.nothing_linked", "oauth.err.taken"};
    case OAUTH_PROVIDER_TAKEN:
        return (struct outcome_page){409, "oauth.title.nothing_linked", "oauth.err.provider_taken"};
    case OAUTH_REAUTH_MISMATCH:
        return (struct outcome_page){403, "oauth.title.failed", "oauth.err.reauth_mismatch"};
    case OAUTH_DISABLED:
        return (struct outcome_page){403, "oauth.title.failed", "login.err.disabled"};
    default:
        return (struct outcome_page){503, "error.title", "error.unavailable"};
    }
}

/* The page for a callback that did not sign in, bind or re-authenticate. */
static void callback_failed(struct req *r, const char *provider,
                            const struct oauth_callback_out *out)
{
    struct outcome_page pg = outcome_page(out->outcome);
    struct tmpl_ctx *c = page_ctx(r);
    tmpl_set(c, "login", out->login ? out->login : "");
    tmpl_set(c, "email", out->email);
    int signin = out->intent == OAUTH_INTENT_SIGNIN;
    const char *again = arena_printf(r->a, "/auth/%s%s", provider,
                                     signin                             ? ""
                                     : out->intent == OAUTH_INTENT_BIND ? "?intent=bind"
                                                                        : "?intent=reauth");
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
    notice(r, pg.status, provider, pg.title, pg.msg, c, links);
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
        if (websession_begin(r, out.account_id) != 0) break;
        resp_redirect(r, next ? next : "/console");
        return;
    case OAUTH_COMPLETE:
        resp_cookie(r, OAUTH_PENDING_COOKIE, out.pending, OAUTH_PENDING_TTL);
        resp_redirect(r, "/auth/complete");
        return;
    case OAUTH_BOUND:
    case OAUTH_ALREADY:
        resp_redirect(r, next ? next
                              : arena_printf(r->a, ACCOUNTS "?%s=%s",
                                             out.outcome == OAUTH_BOUND ? "bound" : "already",
                                             in.provider));
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

static const char *const field_names[OF_COUNT] = {"err_username", "err_email", "err_terms"};

static void complete_form(struct req *r, int status, const struct oauth_pending *pd,
                          const char *username, const char *email,
                          const struct oauth_register_out *out)
{
    struct tmpl_ctx *c = page_ctx(r);
    tmpl_set(c, "provider", pd->label);
    tmpl_set(c, "login", pd->login ? pd->login : pd->name ? pd->name : pd->subject);
    tmpl_set(c, "username", username);
    tmpl_set(c, "email", email);
    if (pd->email) tmpl_set(c, "provider_email", pd->email);
    if (out) {
        for (int i = 0; i < OF_COUNT; i++)
            if (out->errors[i]) tmpl_set(c, field_names[i], page_t(r, c, out->errors[i]));
        tmpl_set(c, "form_error", page_t(r, c, out->error ? out->error : "signup.err.summary"));
    }
    page_render(r, status, "oauth_complete", c);
}

static void pending_gone(struct req *r, int status)
{
    static const char *const links[] = {"/login", "oauth.back_login", NULL};
    resp_cookie(r, OAUTH_PENDING_COOKIE, "", -1);
    notice(r, status, NULL, "oauth.title.failed", "oauth.err.pending_gone", NULL, links);
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
    complete_form(r, 200, &pd, pd.suggestion, pd.email, NULL);
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
    oauth_flow_register(r->a, &in, &out);
    if (out.status == 200) {
        resp_cookie(r, OAUTH_PENDING_COOKIE, "", -1);
        if (websession_begin(r, out.account_id) != 0) {
            page_notice(r, 503, "error.title", "signup.err.session", "/login", "login.title");
            return;
        }
        resp_redirect(r, out.next ? out.next : "/console");
        return;
    }
    struct oauth_pending pd;
    int have = out.status == 410 ? 0 : oauth_flow_pending(r->a, in.pending, &pd);
    if (have < 0) {
        page_error(r, 503, "error.unavailable");
        return;
    }
    if (out.status == 409) {
        static const char *const links[] = {"/login", "oauth.back_login", NULL};
        notice(r, 409, have ? pd.provider : NULL, "oauth.title.nothing_linked", out.error, NULL,
               links);
        return;
    }
    if (!have) {
        pending_gone(r, 410);
        return;
    }
    complete_form(r, out.status, &pd, in.username, in.email, &out);
}

/* ---- linked accounts ---- */

/* The page, with an optional alert or notice (catalog keys; {provider} from flash). */
static void accounts_page(struct req *r, int status, const char *alert_key, const char *notice_key,
                          const char *flash)
{
    struct oauth_account_row *rows = NULL;
    int n = 0, has_password = 0;
    if (oauth_flow_accounts(r->a, r->sess->account_id, &rows, &n, &has_password) != 0) {
        page_error(r, 503, "error.unavailable");
        return;
    }
    struct tmpl_ctx *c = page_ctx(r);
    if (flash) tmpl_set(c, "provider", provider_name(r, flash));
    if (alert_key) tmpl_set(c, "alert", page_t(r, c, alert_key));
    if (notice_key) tmpl_set(c, "notice", page_t(r, c, notice_key));
    tmpl_set_bool(c, "need_password", has_password && !session_fresh(r->sess));
    for (int i = 0; i < n; i++) {
        struct tmpl_ctx *row = tmpl_list_add(c, "rows");
        tmpl_set(row, "provider", rows[i].provider);
        tmpl_set(row, "label", provider_name(r, rows[i].provider));
        tmpl_set(row, "bind_href", rows[i].bind_href);
        tmpl_set_bool(row, "offered", rows[i].offered);
        tmpl_set_bool(row, "bound", rows[i].bound);
        tmpl_set(row, "login", rows[i].login ? rows[i].login : "");
        char day[16] = "";
        time_t t = (time_t)rows[i].linked_at;
        struct tm tm;
        if (rows[i].bound && gmtime_r(&t, &tm)) strftime(day, sizeof(day), "%Y-%m-%d", &tm);
        tmpl_set(row, "since", arena_strdup(r->a, day));
    }
    page_render(r, status, "settings_accounts", c);
}

/* A known provider name from a query parameter (flash messages), or NULL. */
static const char *flash_arg(struct req *r, const char *key)
{
    const char *v = req_arg(r, key);
    if (!v) return NULL;
    if (!strcmp(v, "wechat") || oauth2_provider_label(v)) return v;
    return NULL;
}

void h_settings_accounts(struct req *r)
{
    static const char *const flashes[][2] = {{"bound", "oauth.accounts.bound_ok"},
                                             {"already", "oauth.accounts.already"},
                                             {"unbound", "oauth.accounts.unbound_ok"},
                                             {"reauthed", "oauth.accounts.reauthed"}};
    for (size_t i = 0; i < sizeof(flashes) / sizeof(flashes[0]); i++) {
        const char *p = flash_arg(r, flashes[i][0]);
        if (p) {
            accounts_page(r, 200, NULL, flashes[i][1], p);
            return;
        }
    }
    accounts_page(r, 200, NULL, NULL, NULL);
}

/* Not fresh and no password: a page that leads to a new sign-in at a provider. */
static void reauth_page(struct req *r, const char *provider)
{
    static const char *const none[] = {ACCOUNTS, "oauth.back_accounts", NULL};
    if (!provider) {
        notice(r, 403, NULL, "oauth.accounts.reauth.title", "oauth.accounts.reauth.none", NULL,
               none);
        return;
    }
    const char *go =
        arena_printf(r->a, "/auth/%s?intent=reauth&next=%s", provider,
                     http_urlencode(r->a, arena_printf(r->a, ACCOUNTS "?reauthed=%s", provider)));
    const char *links[] = {go, "oauth.accounts.reauth.button", ACCOUNTS, "oauth.back_accounts",
                           NULL};
    notice(r, 403, provider, "oauth.accounts.reauth.title", "oauth.accounts.reauth.message", NULL,
           links);
}

void h_settings_accounts_unbind(struct req *r)
{
    struct oauth_unbind_in in = {
        .account_id = r->sess->account_id,
        .provider = req_form(r, "provider"),
        .password = req_form(r, "password"),
        .fresh = session_fresh(r->sess),
        .ip = r->ip,
    };
    const char *p =
        in.provider && (!strcmp(in.provider, "wechat") || oauth2_provider_label(in.provider))
            ? in.provider
            : NULL;
    if (!p) {
        accounts_page(r, 400, "oauth.accounts.err.notfound", NULL, NULL);
        return;
    }
    struct oauth_unbind_out out;
    switch (oauth_flow_unbind(r->a, &in, &out)) {
    case OUNBIND_OK:
        if (out.password_ok) session_reauthenticated(r->sess);
        resp_redirect(r, arena_printf(r->a, ACCOUNTS "?unbound=%s", p));
        return;
    case OUNBIND_NOTFOUND:
        accounts_page(r, 404, "oauth.accounts.err.notfound", NULL, p);
        return;
    case OUNBIND_LAST:
        accounts_page(r, 409, "oauth.accounts.err.last", NULL, p);
        return;
    case OUNBIND_LAST_UNUSABLE:
        accounts_page(r, 409, "oauth.accounts.err.last_usable", NULL, p);
        return;
    case OUNBIND_NEED_PASSWORD:
        accounts_page(r, 403, "oauth.accounts.err.need_password", NULL, p);
        return;
    case OUNBIND_BAD_PASSWORD:
        accounts_page(r, 403, "oauth.accounts.err.bad_password", NULL, p);
        return;
    case OUNBIND_NEED_REAUTH:
        reauth_page(r, out.reauth_provider);
        return;
    case OUNBIND_LIMITED:
        accounts_page(r, 429, "oauth.err.limited", NULL, p);
        return;
    case OUNBIND_BUSY:
        accounts_page(r, 503, "error.busy", NULL, p);
        return;
    default:
        page_error(r, 503, "error.unavailable");
        return;
    }
}
