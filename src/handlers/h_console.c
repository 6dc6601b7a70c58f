/* h_console: the console (left navigation, the account, its reminders, the first-visit tour),
 * the tour's state changes and verification resend (Code Build: h_build.c; Image Registry:
 * h_registry.c). */
#include <string.h>
#include <time.h>

#include "arena.h"
#include "config.h"
#include "console.h"
#include "handlers.h"
#include "http.h"
#include "i18n.h"
#include "page.h"
#include "session.h"
#include "tmpl.h"
#include "verify.h"

/* A page of the console: its context with the navigation's current entry marked. */
static struct tmpl_ctx *console_ctx(struct req *r, const char *nav)
{
    struct tmpl_ctx *c = page_ctx(r);
    tmpl_set_bool(c, arena_printf(r->a, "nav_%s", nav), 1);
    return c;
}

static void reminders(struct tmpl_ctx *c, const struct session *s, const struct console_view *v)
{
    if (s->email && !s->email_verified) tmpl_set_bool(c, "unverified", 1);
    if (!s->email) tmpl_set_bool(c, "no_email", 1);
    if (v->offered[CP_GITHUB] && !v->bound[CP_GITHUB]) tmpl_set_bool(c, "bind_github", 1);
    if (v->offered[CP_WECHAT] && !v->bound[CP_WECHAT]) tmpl_set_bool(c, "bind_wechat", 1);
}

void h_console(struct req *r)
{
    const struct session *s = r->sess;
    struct console_view v;
    if (console_view(s->account_id, &v) != 0) {
        page_error(r, 503, "error.unavailable");
        return;
    }
    struct tmpl_ctx *c = console_ctx(r, "home");
    tmpl_set(c, "email", s->email);
    reminders(c, s, &v);
    tmpl_set_bool(c, "tour_open", !s->tour_done);
    const struct i18n_cat *cat = i18n_cat(r->lang);
    if (req_arg(r, "sent")) tmpl_set(c, "notice", i18n_get(cat, "console.resent"));
    if (req_arg(r, "limited")) tmpl_set(c, "alert", i18n_get(cat, "console.resend_limited"));
    page_render(r, 200, "console", c);
}

/* POST action=done|skip (the tour ends for good) or again (it shows on the next visit).
 * Scripts ask for JSON; forms get a redirect back to the console. */
void h_console_tour(struct req *r)
{
    const char *action = req_form(r, "action");
    int again = action && !strcmp(action, "again");
    if (!again && (!action || (strcmp(action, "done") && strcmp(action, "skip")))) {
        page_error(r, 400, "console.err.action");
        return;
    }
    if (console_tour_set(r->sess->account_id, !again, time(NULL)) != 0) {
        page_error(r, 503, "error.unavailable");
        return;
    }
    const char *accept = req_header(r, "Accept");
    if (accept && strstr(accept, "application/json")) {
        resp_json(r, 200, again ? "{\"tour_done\":false}" : "{\"tour_done\":true}");
        return;
    }
    resp_redirect(r, "/console");
}

/* Back to the console, which says how the resend went (nothing to send: nothing). */
static const char *const resent_to[] = {
    [RESEND_OK] = "/console?sent=1",
    [RESEND_LIMITED] = "/console?limited=1",
    [RESEND_NOTHING] = "/console",
};

void h_verify_resend(struct req *r)
{
    enum resend_rc rc = verify_resend(r->a, r->sess->account_id, r->ip, r->lang, time(NULL));
    if (rc == RESEND_ERR || (unsigned)rc >= sizeof(resent_to) / sizeof(resent_to[0])) {
        page_error(r, 503, "error.unavailable");
        return;
    }
    resp_redirect(r, resent_to[rc]);
}
