/* h_settings: /settings (username, email, password, linked accounts, sessions, security
 * activity, language, deletion) and its forms, each posting to its own path and answered with a
 * redirect back (done) or the page again with the section's message (refused); the
 * email-change link; the deletion page. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "config.h"
#include "handlers.h"
#include "http.h"
#include "i18n.h"
#include "page.h"
#include "pipeline.h"
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

static const char *utc(struct req *r, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    char buf[32];
    strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M UTC", &tm);
    return arena_strdup(r->a, buf);
}

static const char *iso(struct req *r, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    char buf[32];
    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%MZ", &tm);
    return arena_strdup(r->a, buf);
}

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
        tmpl_set(it, "seen", utc(r, s->last_seen));
        tmpl_set(it, "seen_iso", iso(r, s->last_seen));
        tmpl_set(it, "since", utc(r, s->created_at));
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
        tmpl_set(it, "at", utc(r, e->at));
        tmpl_set(it, "at_iso", iso(r, e->at));
        tmpl_set(it, "ip", e->ip && *e->ip ? e->ip : "—");
        const char *dkey = e->detail ? arena_printf(r->a, "audit.detail.%.40s", e->detail) : NULL;
        tmpl_set(it, "detail", dkey && i18n_has(cat, dkey) ? i18n_get(cat, dkey) : e->detail);
    }
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
    const char *done = req_arg(r, "done");
    const char *key = done ? arena_printf(r->a, "settings.done.%.32s", done) : NULL;
    if (key && i18n_has(i18n_cat(r->lang), key)) tmpl_set(c, "notice", page_t(r, c, key));
    add_sessions(r, c, &v);
    add_events(r, c, &v);
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

/* The common answers of the forms: done → redirect; refused → the page with the message. */
static void answer(struct req *r, enum set_rc rc, const char *done, struct form_back *f)
{
    switch (rc) {
    case SET_OK:
        resp_redirect(r, arena_printf(r->a, "/settings?done=%s#%s", done, f->section));
        return;
    case SET_SAME:
        resp_redirect(r, arena_printf(r->a, "/settings#%s", f->section));
        return;
    case SET_REAUTH:
        pipeline_to_reauth(r, "/settings");
        return;
    case SET_LIMITED:
        f->err = "settings.err.limited";
        render(r, 429, f);
        return;
    case SET_BUSY:
        page_error(r, 503, "error.busy");
        return;
    case SET_ERR:
        page_error(r, 503, "error.unavailable");
        return;
    default:
        render(r, rc == SET_BAD_PASSWORD ? 403 : 400, f);
        return;
    }
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
    answer(r, rc, "email_sent", &f);
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
    if (rc == SET_OK && websession_begin(r, w.account_id) != 0) {
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
    resp_redirect(r, n ? "/settings?done=session#sessions" : "/settings#sessions");
}

void h_settings_sessions_end_others(struct req *r)
{
    if (settings_sessions_end_others(r->sess->account_id, r->sess->id_hash, r->ip) < 0) {
        page_error(r, 503, "error.unavailable");
        return;
    }
    resp_redirect(r, "/settings?done=sessions#sessions");
}

/* ---- the email-change link ---- */

void h_email_confirm(struct req *r)
{
    resp_header(r, "Referrer-Policy", "no-referrer");
    char *email = NULL;
    const char *href = r->sess ? "/settings" : "/login";
    const char *link = r->sess ? "settings.title" : "login.title";
    switch (settings_email_confirm(r->a, req_arg(r, "token"), r->ip, &email)) {
    case EMAIL_CONFIRMED:
        page_notice(r, 200, "email.ok.title", "email.ok.message", href, link);
        return;
    case EMAIL_LINK_USED:
        page_notice(r, 410, "email.err.title", "verify.err.used", href, link);
        return;
    case EMAIL_LINK_EXPIRED:
        page_notice(r, 410, "email.err.title", "email.err.expired", href, link);
        return;
    case EMAIL_LINK_TAKEN:
        page_notice(r, 409, "email.err.title", "verify.err.taken", href, link);
        return;
    case EMAIL_LINK_UNKNOWN:
        page_notice(r, 404, "email.err.title", "verify.err.unknown", href, link);
        return;
    default:
        page_error(r, 503, "error.unavailable");
        return;
    }
}

/* ---- deletion ---- */

static void render_delete(struct req *r, int status, const char *err)
{
    struct tmpl_ctx *c = page_ctx(r);
    tmpl_set_bool(c, "nav_settings", 1);
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

void h_settings_delete(struct req *r)
{
    struct set_who w = who(r);
    const char *err = NULL;
    switch (settings_delete(r->a, &w, req_form(r, "confirm"), &err)) {
    case SET_OK:
        websession_end(r);
        page_notice(r, 200, "delete.ok.title", "delete.ok.message", "/", "error.home");
        return;
    case SET_REAUTH: /* the sign-in aged since the pipeline looked */
        pipeline_to_reauth(r, "/settings/delete");
        return;
    case SET_INVALID:
        render_delete(r, 400, err);
        return;
    default:
        page_error(r, 503, "error.unavailable");
        return;
    }
}
