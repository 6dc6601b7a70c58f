/* h_tokens: access tokens for the image registry — the section of /settings that lists them
 * (name, scopes, created, last used, expiry; revoke), the creation page (a recent sign-in:
 * R_RECENT) that shows a new secret once, and revocation. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access_token.h"
#include "arena.h"
#include "config.h"
#include "handlers.h"
#include "http.h"
#include "page.h"
#include "session.h"
#include "tmpl.h"

int h_tokens_add(struct req *r, struct tmpl_ctx *c)
{
    struct access_token_row *v = NULL;
    int n = 0;
    if (access_token_list(r->a, r->sess->account_id, &v, &n) != 0) return -1;
    int64_t now = time(NULL);
    tmpl_set_bool(c, "tokens", n > 0);
    for (int i = 0; i < n; i++) {
        struct tmpl_ctx *it = tmpl_list_add(c, "token_rows");
        int expired = v[i].expires_at && v[i].expires_at <= now;
        tmpl_setf(it, "id", "%lld", (long long)v[i].id);
        tmpl_set(it, "name", v[i].name);
        tmpl_set(it, "scopes", v[i].scopes);
        tmpl_set(it, "created", page_date(r, v[i].created_at, PAGE_MINUTE));
        tmpl_set(it, "created_iso", page_date(r, v[i].created_at, PAGE_ISO_MINUTE));
        tmpl_set(it, "last_used",
                 v[i].last_used_at ? page_date(r, v[i].last_used_at, PAGE_MINUTE)
                                   : page_t(r, c, "tokens.never_used"));
        tmpl_set(it, "expires",
                 v[i].expires_at ? page_date(r, v[i].expires_at, PAGE_DAY)
                                 : page_t(r, c, "tokens.never"));
        tmpl_set_bool(it, "revoked", v[i].revoked_at != 0);
        tmpl_set_bool(it, "expired", !v[i].revoked_at && expired);
        tmpl_set_bool(it, "live", !v[i].revoked_at && !expired);
    }
    return 0;
}

static void render_new(struct req *r, int status, const char *secret, const char *field,
                       const char *err)
{
    struct tmpl_ctx *c = page_ctx(r);
    tmpl_set_bool(c, "nav_settings", 1);
    tmpl_set(c, "secret", secret);
    tmpl_set(c, "username", r->sess->username);
    tmpl_set(c, "registry", *cfg->registry_address ? cfg->registry_address : "REGISTRY");
    tmpl_set(c, "name", req_form(r, "name"));
    if (err) {
        tmpl_set(c, arena_printf(r->a, "err_%s", field), page_t(r, c, err));
        tmpl_set(c, "form_error", page_t(r, c, "settings.err.summary"));
    }
    page_render(r, status, "settings_token_new", c);
}

/* the route needs a recent sign-in (R_RECENT): the pipeline has checked it */
void h_tokens_new_form(struct req *r)
{
    render_new(r, 200, NULL, NULL, NULL);
}

void h_tokens_new(struct req *r)
{
    const char *days = req_form(r, "days");
    char *end = NULL;
    long d = days ? strtol(days, &end, 10) : -1;
    struct at_new in = {
        .account_id = r->sess->account_id,
        .fresh = session_fresh(r->sess),
        .ip = r->ip,
        .lang = r->lang,
        .name = req_form(r, "name"),
        .scopes = (req_form(r, "pull") ? AT_PULL : 0u) | (req_form(r, "push") ? AT_PUSH : 0u),
        .days = end && !*end && d >= 0 && d <= 365 ? (int)d : -1,
    };
    char *secret = NULL;
    const char *err = NULL;
    enum at_rc rc = access_token_create(r->a, &in, &secret, &err);
    switch (rc) {
    case AT_OK:
        render_new(r, 200, secret, NULL, NULL);
        return;
    case AT_INVALID:
        render_new(r, 400, NULL,
                   !strcmp(err, "tokens.err.name")     ? "name"
                   : !strcmp(err, "tokens.err.scopes") ? "scopes"
                                                       : "expiry",
                   err);
        return;
    case AT_REAUTH:
        page_reauth(r, "/settings/tokens/new");
        return;
    case AT_TOO_MANY:
        render_new(r, 409, NULL, "name", "tokens.err.too_many");
        return;
    default:
        page_error(r, 503, "error.unavailable");
    }
}

void h_tokens_revoke(struct req *r)
{
    const char *id = req_form(r, "id");
    char *end = NULL;
    long long v = id ? strtoll(id, &end, 10) : 0;
    if (!end || *end || v <= 0) {
        resp_redirect(r, "/settings#tokens");
        return;
    }
    enum at_rc rc = access_token_revoke(r->a, r->sess->account_id, v, r->ip);
    if (rc == AT_BUSY) {
        page_error(r, 503, "error.unavailable");
        return;
    }
    if (rc == AT_OK) page_flash(r, "tokens.token_revoked");
    resp_redirect(r, "/settings#tokens");
}
