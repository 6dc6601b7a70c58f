/* h_settings: /settings (username, email, password, linked accounts, sessions, security
 * activity, language, deletion) and its forms, each posting to its own path and answered with a
 * redirect back (done) or the page again with the section's message (refused); the deletion
 * page. (The email-change link: h_verify.c.) */
#include <string.h>

#include "arena.h"
#include "config.h"
#include "handlers.h"
#include "http.h"
#include "i18n.h"
#include "page.h"
#include "session.h"
#include "websession.h"
#include "settings.h"
#include "tmpl.h"

/* What a refused form leaves on the page: its section's message and the typed values. */
struct form_back {
    const char *section; /* "username", "email", "password" */
    const char *err;     /* catalog key */
    const char *username, *email;
};

static void add_sessions(struct req *r, struct tmpl_ctx *c, const struct settings_view *v)
{
    const struct i18n_cat *cat = i18n_cat(r->lang);
    int others = 0;
    for (int i = 0; i < v->n_sessions; i++) {
        const struct set_session *s = &v->sessions[i];
        struct tmpl_ctx *it = tmpl_list_add(c, "sessions");
        const char *browser, *os;
        settings_device(s->user_agent, &browser, &os);
        const char *device = *browser && *os   ? arena_printf(r->a, "%s · %s", browser, os)
                             : *browser || *os ? arena_printf(r->a, "%s%s", browser, os)
                                               : i18n_get(cat, "settings.sessions.unknown");
        tmpl_set(it, "device", device);
        tmpl_set(it, "ip", s->ip && *s->ip ? s->ip : "—");
        tmpl_set(it, "seen", page_date(r, s->last_seen, PAGE_MINUTE));
        tmpl_set(it, "seen_iso", page_date(r, s->last_seen, PAGE_ISO_MINUTE));
        tmpl_set(it, "since", page_date(r, s->created_at, PAGE_MINUTE));
        tmpl_set(it, "sid", s->id_hash);
        tmpl_setf(it, "n", "%d", i + 1);
        tmpl_set_bool(it, "current", s->current);
        others += !s->current;
    }
    tmpl_set_bool(c, "other_sessions", others > 0);
}

static void add_events(struct req *r, struct tmpl_ctx *c, const struct settings_view *v)
{
    const struct i18n_cat *cat = i18n_cat(r->lang);
    for (int i = 0; i < v->n_events; i++) {
        const struct set_event *e = &v->events[i];
        struct tmpl_ctx *it = tmpl_list_add(c, "events");
        const char *key = arena_printf(r->a, "audit.%s", e->event);
        tmpl_set(it, "what", i18n_has(cat, key) ? i18n_get(cat, key) : e->event);
        tmpl_set(it, "at", page_date(r, e->at, PAGE_MINUTE));
        tmpl_set(it, "at_iso", page_date(r, e->at, PAGE_ISO_MINUTE));
        tmpl_set(it, "ip", e->ip && *e->ip ? e->ip : "—");
        const char *dkey = e->detail ? arena_printf(r->a, "audit.detail.%.40s", e->detail) : NULL;
        tmpl_set(it, "detail", dkey && i18n_has(cat, dkey) ? i18n_get(cat, dkey) : e->detail);
    }
}

/* The one-time confirmation of the change just made ("SECTION.DONE", page_flash), shown in the
 * section where it happened (notice_SECTION). */
static void flash_notice(struct req *r, struct tmpl_ctx *c)
{
    const char *fl = page_flash_take(r), *dot = fl ? strchr(fl, '.') : NULL;
    if (!dot) return;
    const char *key = arena_printf(r->a, "settings.done.%s", dot + 1);
    if (!i18n_has(i18n_cat(r->lang), key)) return;
    tmpl_set(c, arena_printf(r->a, "notice_%.*s", (int)(dot - fl), fl), page_t(r, c, key));
}

static void render(struct req *r, int status, const struct form_back *f)
{
    struct settings_view v;
    if (settings_view(r->a, r->sess->account_id, r->sess->id_hash, &v) != 0) {
        page_error(r, 503, "error.unavailable");
        return;
    }
    struct tmpl_ctx *c = page_ctx(r);
    tmpl_set_bool(c, "nav_settings", 1);
    int fresh = session_fresh(r->sess), has_pw = v.acct.password_hash != NULL;
    tmpl_set(c, "username_value", f && f->username ? f->username : v.acct.username);
    tmpl_set(c, "email", v.acct.email);
    tmpl_set_bool(c, "email_verified", v.acct.email_verified);
    tmpl_set(c, "email_value", f ? f->email : NULL);
    tmpl_set(c, "pending_email", v.pending_email);
    tmpl_set_bool(c, "has_password", has_pw);
    tmpl_set_bool(c, "ask_password", !fresh && has_pw);
    tmpl_set_bool(c, "ask_reauth", !fresh && !has_pw);
    tmpl_setf(c, "identities", "%d", v.identities);
    tmpl_setf(c, "hold_days", "%lld", (long long)(cfg->username_hold / 86400));
    if (f && f->err) {
        tmpl_set(c, arena_printf(r->a, "err_%s", f->section), page_t(r, c, f->err));
        tmpl_set(c, "form_error", page_t(r, c, "settings.err.summary"));
    }
    flash_notice(r, c);
    add_sessions(r, c, &v);
    add_events(r, c, &v);
    if (h_tokens_add(r, c) != 0) {
        page_error(r, 503, "error.unavailable");
        return;
    }
    page_render(r, status, "settings", c);
}

void h_settings(struct req *r)
{
    render(r, 200, NULL);
}

static struct set_who who(struct req *r)
{
    struct set_who w = {r->sess->account_id, session_fresh(r->sess), r->ip, r->lang};
    return w;
}

/* The forms' refusals: the page again with the section's message (the domain's for a field), or
 * an error page. Done and unchanged go back to the section; no fresh sign-in goes to /reauth. */
static const struct page_outcome refusals[] = {
    {SET_INVALID, 400, NULL, NULL},
    {SET_BAD_PASSWORD, 403, NULL, NULL},
    {SET_LIMITED, 429, NULL, "settings.err.limited"},
    {SET_BUSY, 503, "error.title", "error.busy"},
    {0, 0, NULL, "error.unavailable"},
};

static void answer(struct req *r, enum set_rc rc, const char *done, struct form_back *f)
{
    if (rc == SET_OK || rc == SET_SAME) {
        if (rc == SET_OK) page_flash(r, arena_printf(r->a, "%s.%s", f->section, done));
        resp_redirect(r, arena_printf(r->a, "/settings#%s", f->section));
        return;
    }
    if (rc == SET_REAUTH) {
        page_reauth(r, "/settings");
        return;
    }
    const struct page_outcome *o = page_outcome_own(r, refusals, (int)rc, NULL, NULL);
    if (!o) return;
    if (o->msg_key) f->err = o->msg_key;
    render(r, o->status, f);
}

void h_settings_username(struct req *r)
{
    struct set_who w = who(r);
    struct form_back f = {.section = "username", .username = req_form(r, "username")};
    answer(r, settings_username(r->a, &w, f.username, &f.err), "username", &f);
}

void h_settings_email(struct req *r)
{
    struct set_who w = who(r);
    struct form_back f = {.section = "email", .email = req_form(r, "email")};
    enum set_rc rc = settings_email_request(r->a, &w, f.email, req_form(r, "password"), &f.err);
    if (rc == SET_BAD_PASSWORD) f.section = "emailpw";
    answer(r, rc, r->sess->email ? "email_sent" : "email_bind_sent", &f);
}

void h_settings_password(struct req *r)
{
    struct set_who w = who(r);
    struct form_back f = {.section = "password"};
    int others = req_form(r, "end_others") != NULL;
    enum set_rc rc = settings_password(r->a, &w, req_form(r, "current"), req_form(r, "password"),
                                       others, r->sess->id_hash, &f.err);
    if (rc == SET_BAD_PASSWORD) f.section = "current";
    /* a changed password is a privilege change: this browser gets a new session */
    if (rc == SET_OK && websession_begin(r, w.account_id, r->sess->amr) != 0) {
        page_error(r, 503, "error.unavailable");
        return;
    }
    answer(r, rc, others ? "password_others" : "password", &f);
}

void h_settings_session_end(struct req *r)
{
    const char *sid = req_form(r, "sid");
    int current = sid && !strcmp(sid, r->sess->id_hash);
    int n = settings_session_end(r->sess->account_id, sid, r->ip);
    if (n < 0) {
        page_error(r, 503, "error.unavailable");
        return;
    }
    if (current) {
        websession_end(r);
        resp_redirect(r, "/login");
        return;
    }
    if (n) page_flash(r, "sessions.session");
    resp_redirect(r, "/settings#sessions");
}

void h_settings_sessions_end_others(struct req *r)
{
    if (settings_sessions_end_others(r->sess->account_id, r->sess->id_hash, r->ip) < 0) {
        page_error(r, 503, "error.unavailable");
        return;
    }
    page_flash(r, "sessions.sessions");
    resp_redirect(r, "/settings#sessions");
}

/* ---- deletion ---- */

static void render_delete(struct req *r, int status, const char *err)
{
    struct tmpl_ctx *c = page_ctx(r);
    tmpl_set_bool(c, "nav_settings", 1);
    tmpl_set_bool(c, "snav_delete", 1);
    tmpl_set(c, "email", r->sess->email);
    tmpl_set_bool(c, "email_verified", r->sess->email_verified);
    tmpl_setf(c, "hold_days", "%lld", (long long)(cfg->username_hold / 86400));
    if (err) {
        tmpl_set(c, "err_confirm", page_t(r, c, err));
        tmpl_set(c, "form_error", page_t(r, c, "settings.err.summary"));
    }
    page_render(r, status, "settings_delete", c);
}

/* the route needs a recent sign-in (R_RECENT): the pipeline has checked it */
void h_settings_delete_form(struct req *r)
{
    render_delete(r, 200, NULL);
}

static const struct page_outcome delete_answers[] = {
    {SET_OK, 200, "delete.ok.title", "delete.ok.message"},
    {SET_INVALID, 400, NULL, NULL},
    {0, 0, NULL, "error.unavailable"},
};

void h_settings_delete(struct req *r)
{
    struct set_who w = who(r);
    const char *err = NULL;
    enum set_rc rc = settings_delete(r->a, &w, req_form(r, "confirm"), &err);
    if (rc == SET_REAUTH) { /* the sign-in aged since the pipeline looked */
        page_reauth(r, "/settings/delete");
        return;
    }
    if (rc == SET_OK) websession_end(r); /* before the page: it shows a signed-out header */
    const struct page_outcome *o = page_outcome_own(r, delete_answers, (int)rc, "/", "error.home");
    if (o) render_delete(r, o->status, err);
}
