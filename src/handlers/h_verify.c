/* h_verify: opening the link of a mail that proves an address: the verification mail (/verify)
 * and the email-change mail (/settings/email/confirm). Both answer with a page saying what
 * happened, leading on to the console or the settings when signed in, else to sign in. The
 * page's URL carries a token, so it is served with Referrer-Policy: no-referrer. */
#include "handlers.h"
#include "http.h"
#include "identity.h"
#include "page.h"
#include "session.h"
#include "settings.h"
#include "tmpl.h"
#include "verify.h"

static const struct page_outcome verify_pages[] = {
    {VERIFY_OK, 200, "verify.ok.title", "verify.ok.message"},
    {VERIFY_USED, 410, "verify.err.title", "verify.err.used"},
    {VERIFY_EXPIRED, 410, "verify.err.title", "verify.err.expired"},
    {VERIFY_TAKEN, 409, "verify.err.title", "verify.err.taken"},
    {VERIFY_STALE, 410, "verify.err.title", "verify.err.stale"},
    {VERIFY_UNKNOWN, 404, "verify.err.title", "verify.err.unknown"},
    {0, 0, NULL, "error.unavailable"},
};

static const struct page_outcome email_pages[] = {
    {EMAIL_CONFIRMED, 200, "email.ok.title", "email.ok.message"},
    {EMAIL_LINK_USED, 410, "email.err.title", "verify.err.used"},
    {EMAIL_LINK_EXPIRED, 410, "email.err.title", "email.err.expired"},
    {EMAIL_LINK_TAKEN, 409, "email.err.title", "verify.err.taken"},
    {EMAIL_LINK_UNKNOWN, 404, "email.err.title", "verify.err.unknown"},
    {0, 0, NULL, "error.unavailable"},
};

/* The page for rc (a row of t); signed in, its link leads to home (titled home_key). */
static void link_page(struct req *r, const struct page_outcome *t, int rc, const char *home,
                      const char *home_key)
{
    page_outcome_own(r, t, rc, r->sess ? home : "/login", r->sess ? home_key : "login.title");
}

void h_notice_removed(struct req *r, const char *title_key, const char *msg_key, const char *href,
                      const char *link_key, const struct ways_removed *w)
{
    struct tmpl_ctx *c = page_ctx(r);
    identity_removed_vars(r->a, c, w);
    tmpl_set(c, "title", page_t(r, c, title_key));
    tmpl_set(c, "message", page_t(r, c, msg_key));
    if (w->identities) tmpl_set(c, "removed_identities", page_t(r, c, "removed.identities"));
    if (w->sessions) tmpl_set(c, "removed_sessions", page_t(r, c, "removed.sessions"));
    tmpl_set(c, "href", href);
    tmpl_set(c, "link", page_t(r, c, link_key));
    page_render(r, 200, "notice", c);
}

void h_verify(struct req *r)
{
    resp_header(r, "Referrer-Policy", "no-referrer");
    int64_t account_id = 0;
    char *email = NULL;
    struct ways_removed removed;
    struct verify_in in = {req_arg(r, "token"), r->ip, r->lang, r->sess ? r->sess->account_id : 0};
    int rc = verify_consume(r->a, &in, &account_id, &email, &removed);
    if (rc == VERIFY_OK && in.signed_in_as != account_id) {
        /* proven from outside: this browser's session (another account's) is left alone,
         * the account's own sessions ended */
        h_notice_removed(r, "verify.ok.title", "verify.ok.message", r->sess ? "/console" : "/login",
                         r->sess ? "console.title" : "login.title", &removed);
        return;
    }
    if (rc == VERIFY_USED && r->sess && r->sess->email_verified) {
        /* a used link opened again by a verified account: nothing is wrong (the page speaks
         * of this browser's own address only) */
        page_notice(r, 200, "verify.already.title", "verify.already.message", "/console",
                    "console.title");
        return;
    }
    link_page(r, verify_pages, rc, "/console", "console.title");
}

void h_email_confirm(struct req *r)
{
    resp_header(r, "Referrer-Policy", "no-referrer");
    char *email = NULL;
    int rc = settings_email_confirm(r->a, req_arg(r, "token"), r->ip, &email);
    link_page(r, email_pages, rc, "/settings", "settings.title");
}
