/* h_reauth: /reauth?next=…, confirming a signed-in browser again before a sensitive change:
 * the password, or for accounts without one a link to sign in again with a bound provider
 * (the provider's flow with intent=reauth). Success marks the session re-authenticated and
 * goes back to next (a same-origin path). */
#include <string.h>

#include "arena.h"
#include "text.h"
#include "handlers.h"
#include "http.h"
#include "i18n.h"
#include "page.h"
#include "reauth.h"
#include "session.h"
#include "tmpl.h"

static const char *next_of(struct req *r)
{
    const char *next = req_form(r, "next");
    if (!next) next = req_arg(r, "next");
    return http_safe_next(next) ? next : "/settings";
}

static void render(struct req *r, int status, const char *err_key)
{
    const char **providers = NULL;
    int n = 0, has_password = 0;
    if (reauth_methods(r->a, r->sess->account_id, &providers, &n, &has_password) != 0) {
        page_error(r, 503, "error.unavailable");
        return;
    }
    struct tmpl_ctx *c = page_ctx(r);
    const char *next = next_of(r);
    tmpl_set(c, "next", next);
    tmpl_set_bool(c, "has_password", has_password);
    for (int i = 0; i < n; i++) {
        struct tmpl_ctx *it = tmpl_list_add(c, "providers");
        tmpl_set(it, "id", providers[i]);
        tmpl_set(it, "label",
                 i18n_get(i18n_cat(r->lang), arena_printf(r->a, "provider.%s", providers[i])));
        tmpl_set(it, "href",
                 arena_printf(r->a, "/auth/%s?intent=reauth&next=%s", providers[i],
                              text_urlencode(r->a, next)));
    }
    if (err_key) tmpl_set(c, "form_error", i18n_get(i18n_cat(r->lang), err_key));
    page_render(r, status, "reauth", c);
}

void h_reauth_form(struct req *r)
{
    render(r, 200, NULL);
}

static const struct page_outcome refusals[] = {
    {REAUTH_BAD, 401, NULL, "reauth.err.bad"},
    {REAUTH_NO_PASSWORD, 400, NULL, "reauth.err.no_password"},
    {REAUTH_LIMITED, 429, NULL, "reauth.err.limited"},
    {REAUTH_BUSY, 503, NULL, "error.busy"},
    {0, 0, NULL, "error.unavailable"},
};

void h_reauth_submit(struct req *r)
{
    int rc = reauth_password(r->a, r->sess->account_id, req_form(r, "password"), r->ip);
    if (rc != REAUTH_OK) {
        const struct page_outcome *o = page_outcome_own(r, refusals, rc, NULL, NULL);
        if (o) render(r, o->status, o->msg_key);
        return;
    }
    if (session_reauthenticated(r->sess) != 0) {
        page_error(r, 503, "error.unavailable");
        return;
    }
    resp_redirect(r, next_of(r));
}
