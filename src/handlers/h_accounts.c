/* h_accounts: the linked-accounts page (/settings/accounts): each provider offered or bound,
 * with bind and unbind (oauth_flow_accounts, oauth_flow_unbind), and the way back to a
 * re-authentication when an unbind needs one. */
#include <string.h>

#include "arena.h"
#include "text.h"
#include "handlers.h"
#include "http.h"
#include "oauth2.h"
#include "oauth_flow.h"
#include "page.h"
#include "session.h"
#include "tmpl.h"

#define ACCOUNTS "/settings/accounts"

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
    tmpl_set_bool(c, "nav_settings", 1);
    tmpl_set_bool(c, "snav_accounts", 1);
    if (flash) tmpl_set(c, "provider", h_provider_name(r, flash));
    if (alert_key) tmpl_set(c, "alert", page_t(r, c, alert_key));
    if (notice_key) tmpl_set(c, "notice", page_t(r, c, notice_key));
    tmpl_set_bool(c, "need_password", has_password && !session_fresh(r->sess));
    int usable = 0; /* the ways in that work now besides the password (oauth_flow.h inv. 6) */
    for (int i = 0; i < n; i++) usable += rows[i].bound && rows[i].offered;
    for (int i = 0; i < n; i++) {
        struct tmpl_ctx *row = tmpl_list_add(c, "rows");
        tmpl_set(row, "provider", rows[i].provider);
        tmpl_set(row, "label", h_provider_name(r, rows[i].provider));
        tmpl_set(row, "bind_href", rows[i].bind_href);
        tmpl_set_bool(row, "offered", rows[i].offered);
        tmpl_set_bool(row, "bound", rows[i].bound);
        /* an unbind that was refused keeps its confirmation open (the password field) */
        tmpl_set_bool(row, "confirm_open", alert_key && flash && !strcmp(flash, rows[i].provider));
        /* the only way in is not offered for unbinding (the domain refuses it all the same) */
        tmpl_set_bool(row, "only_way",
                      rows[i].bound && !has_password && usable <= 1 &&
                          (rows[i].offered || usable == 0));
        tmpl_set(row, "login", rows[i].login ? rows[i].login : "");
        tmpl_set(row, "since", rows[i].bound ? page_date(r, rows[i].linked_at, PAGE_DAY) : "");
    }
    page_render(r, status, "settings_accounts", c);
}

/* A known provider name (flash messages), or NULL. */
static const char *known_provider(const char *v)
{
    return v && (!strcmp(v, "wechat") || oauth2_provider_label(v)) ? v : NULL;
}

/* The confirmations: a one-time flash "KIND.PROVIDER" (page_flash) after a bind or an unbind;
 * ?reauthed=PROVIDER, the next page of a re-authentication started here. */
void h_settings_accounts(struct req *r)
{
    static const char *const flashes[][2] = {{"bound", "oauth.accounts.bound_ok"},
                                             {"already", "oauth.accounts.already"},
                                             {"unbound", "oauth.accounts.unbound_ok"},
                                             {"reauthed", "oauth.accounts.reauthed"}};
    const char *fl = page_flash_take(r), *dot = fl ? strchr(fl, '.') : NULL;
    for (size_t i = 0; i < sizeof(flashes) / sizeof(flashes[0]); i++) {
        size_t n = strlen(flashes[i][0]);
        const char *p = dot && (size_t)(dot - fl) == n && !strncmp(fl, flashes[i][0], n)
                            ? known_provider(dot + 1)
                            : NULL;
        if (!p && i == 3) p = known_provider(req_arg(r, flashes[i][0]));
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
        h_oauth_notice(r, 403, NULL, "oauth.accounts.reauth.title", "oauth.accounts.reauth.none",
                       NULL, none);
        return;
    }
    const char *go =
        arena_printf(r->a, "/auth/%s?intent=reauth&next=%s", provider,
                     text_urlencode(r->a, arena_printf(r->a, ACCOUNTS "?reauthed=%s", provider)));
    const char *links[] = {go, "oauth.accounts.reauth.button", ACCOUNTS, "oauth.back_accounts",
                           NULL};
    h_oauth_notice(r, 403, provider, "oauth.accounts.reauth.title", "oauth.accounts.reauth.message",
                   NULL, links);
}

/* The page of an unbind that did not happen (the alert above the list). */
static const struct page_outcome unbind_pages[] = {
    {OUNBIND_NOTFOUND, 404, NULL, "oauth.accounts.err.notfound"},
    {OUNBIND_LAST, 409, NULL, "oauth.accounts.err.last"},
    {OUNBIND_LAST_UNUSABLE, 409, NULL, "oauth.accounts.err.last_usable"},
    {OUNBIND_NEED_PASSWORD, 403, NULL, "oauth.accounts.err.need_password"},
    {OUNBIND_BAD_PASSWORD, 403, NULL, "oauth.accounts.err.bad_password"},
    {OUNBIND_LIMITED, 429, NULL, "oauth.err.limited"},
    {OUNBIND_BUSY, 503, NULL, "error.busy"},
    {0, 0, NULL, "error.unavailable"},
};

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
    enum oauth_unbind_rc rc = oauth_flow_unbind(r->a, &in, &out);
    if (rc == OUNBIND_OK) {
        if (out.password_ok) session_reauthenticated(r->sess);
        page_flash(r, arena_printf(r->a, "unbound.%s", p));
        resp_redirect(r, ACCOUNTS);
        return;
    }
    if (rc == OUNBIND_NEED_REAUTH) {
        reauth_page(r, out.reauth_provider);
        return;
    }
    const struct page_outcome *o = page_outcome_find(unbind_pages, rc);
    if (!o->status) {
        page_error(r, 503, o->msg_key);
        return;
    }
    accounts_page(r, o->status, o->msg_key, NULL, p);
}
