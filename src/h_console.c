/* h_console: the console (first version: the account, its reminders, verification resend). */
#include <string.h>
#include <time.h>

#include "arena.h"
#include "handlers.h"
#include "http.h"
#include "i18n.h"
#include "page.h"
#include "session.h"
#include "tmpl.h"
#include "verify.h"

void h_console(struct req *r)
{
    struct tmpl_ctx *c = page_ctx(r);
    const struct session *s = r->sess;
    tmpl_set(c, "email", s->email);
    if (s->email && !s->email_verified) tmpl_set_bool(c, "unverified", 1);
    if (!s->email) tmpl_set_bool(c, "no_email", 1);
    const char *notice = req_arg(r, "sent");
    if (notice) tmpl_set(c, "notice", i18n_get(i18n_cat(r->lang), "console.resent"));
    const char *limited = req_arg(r, "limited");
    if (limited) tmpl_set(c, "alert", i18n_get(i18n_cat(r->lang), "console.resend_limited"));
    page_render(r, 200, "console", c);
}

void h_verify_resend(struct req *r)
{
    switch (verify_resend(r->a, r->sess->account_id, r->ip, r->lang, time(NULL))) {
    case RESEND_OK: resp_redirect(r, "/console?sent=1"); return;
    case RESEND_LIMITED: resp_redirect(r, "/console?limited=1"); return;
    case RESEND_NOTHING: resp_redirect(r, "/console"); return;
    default: page_error(r, 503, "error.unavailable"); return;
    }
}
