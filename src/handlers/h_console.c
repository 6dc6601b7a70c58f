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
#include "passkeys.h"
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

/* At most one reminder, the first that applies: verify the address > a way back in (an email,
 * then a password: optional, for an account that signs in only through a provider) > an offer
 * to bind (GitHub, then WeChat) that the account has not dismissed. */
static int offer(const struct console_view *v, enum console_provider p)
{
    return v->offered[p] && !v->bound[p] && !v->dismissed[p];
}

static void reminders(struct req *r, struct tmpl_ctx *c, const struct session *s,
                      const struct console_view *v)
{
    const char *pick = s->email && !s->email_verified ? "unverified"
                       : !s->email                    ? "no_email"
                       : !s->has_password             ? "no_password"
                       : offer(v, CP_GITHUB)          ? "bind_github"
                       : offer(v, CP_WECHAT)          ? "bind_wechat"
                                                      : NULL;
    if (s->email && !s->email_verified) tmpl_set_bool(c, "unverified", 1);
    if (pick) tmpl_set_bool(c, arena_printf(r->a, "remind_%s", pick), 1);
    /* no password, a passkey (signed up with one): the reminder says so */
    if (pick && !strcmp(pick, "no_password") && st_get() &&
        passkeys_count(st_get(), s->account_id) > 0)
        tmpl_set_bool(c, "passkey_only", 1);
}

/* The one-time confirmations of the console ("console.KEY", page_flash). */
static void flash_notice(struct req *r, struct tmpl_ctx *c)
{
    static const char *const keys[][3] = {{"console.resent", "notice", "console.resent"},
                                          {"console.limited", "alert", "console.resend_limited"},
                                          {"console.wechat_bonus", "notice", "cons.wechat_bonus"}};
    const char *fl = page_flash_take(r);
    for (size_t i = 0; fl && i < sizeof(keys) / sizeof(keys[0]); i++)
        if (!strcmp(fl, keys[i][0])) tmpl_set(c, keys[i][1], page_t(r, c, keys[i][2]));
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
    reminders(r, c, s, &v);
    tmpl_set_bool(c, "tour_open", !s->tour_done);
    tmpl_setf(c, "units", "%lld", (long long)cfg->wechat_bonus_units);
    flash_notice(r, c);
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

/* POST provider=github|wechat: the console stops offering to bind it (the form of the offer's
 * "not now" button); back to the console. */
void h_console_offer_dismiss(struct req *r)
{
    enum console_provider p = console_provider_find(req_form(r, "provider"));
    if (p == CP_COUNT) {
        page_error(r, 400, "cons.err.offer");
        return;
    }
    if (console_offer_dismiss(r->sess->account_id, p) != 0) {
        page_error(r, 503, "error.unavailable");
        return;
    }
    resp_redirect(r, "/console");
}

/* Back to the console, which says how the resend went (nothing to send: nothing). */
void h_verify_resend(struct req *r)
{
    enum resend_rc rc = verify_resend(r->a, r->sess->account_id, r->ip, r->lang, time(NULL));
    if (rc != RESEND_OK && rc != RESEND_LIMITED && rc != RESEND_NOTHING) {
        page_error(r, 503, "error.unavailable");
        return;
    }
    if (rc != RESEND_NOTHING) page_flash(r, rc == RESEND_OK ? "console.resent" : "console.limited");
    resp_redirect(r, "/console");
}
