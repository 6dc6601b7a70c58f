/* h_mfa_settings: /settings/security — the authenticator app (set-up with a QR code and the
 * secret in text, confirmed by a first code; turning off), recovery codes (shown once, new
 * ones on request) and the passkeys' list (h_passkey.c adds, renames and removes them). */
#include <string.h>

#include "arena.h"
#include "config.h"
#include "handlers.h"
#include "http.h"
#include "i18n.h"
#include "mfa.h"
#include "page.h"
#include "passkey.h"
#include "qr_svg.h"
#include "recovery.h"
#include "session.h"
#include "store.h"
#include "tmpl.h"
#include "text.h"
#include "totp.h"

#define SECURITY "/settings/security"

static void set_codes(struct tmpl_ctx *c, char **codes, int n, struct arena *a)
{
    if (n <= 0) return;
    const char *all = "";
    for (int i = 0; i < n; i++) {
        tmpl_set(tmpl_list_add(c, "codes"), "code", codes[i]);
        all = arena_printf(a, "%s%s\n", all, codes[i]);
    }
    tmpl_set(c, "codes_href",
             arena_printf(a, "data:text/plain;charset=utf-8,%s", text_urlencode(a, all)));
}

/* The page; notice_key / err_key (NULL: none); secret: a set-up under way (its QR and text);
 * codes: recovery codes to show once. */
void h_security_page(struct req *r, int status, const char *notice_key, const char *err_key,
                     const char *secret, char **codes, int ncodes)
{
    struct st_conn *conn = st_get();
    struct mfa_factors f;
    int64_t acct = r->sess->account_id;
    if (!conn || mfa_factors(conn, acct, &f) != 0) return page_error(r, 503, "error.unavailable");
    struct tmpl_ctx *c = page_ctx(r);
    tmpl_set_bool(c, "nav_settings", 1);
    tmpl_set_bool(c, "snav_security", 1);
    const struct i18n_cat *cat = i18n_cat(r->lang);
    if (notice_key) tmpl_set(c, "notice", i18n_get(cat, notice_key));
    if (err_key) tmpl_set(c, "form_error", i18n_get(cat, err_key));
    if (req_arg(r, "setup") && !f.totp && !f.passkeys)
        tmpl_set(c, "setup_notice", i18n_get(cat, "mfa.setup.required"));
    if (req_arg(r, "first") && !f.passkeys) /* signed up with a passkey: add it now */
        tmpl_set(c, "setup_notice", i18n_get(cat, "signup.passkey.next"));
    tmpl_set_bool(c, "totp", f.totp);
    tmpl_set_bool(c, "any_factor", f.totp || f.passkeys);
    tmpl_set_bool(c, "strong", mfa_session_strong(r->sess));
    tmpl_set(c, "recovery_left", arena_printf(r->a, "%lld", (long long)f.recovery_left));
    if (!secret && f.totp_waiting && !f.totp) secret = mfa_totp_waiting(r->a, acct);
    if (secret && !f.totp) {
        const char *uri = totp_uri(r->a, cfg->site_name, r->sess->username, secret);
        tmpl_set(c, "secret", secret);
        tmpl_set(c, "qr", qr_svg(r->a, uri, 200, i18n_get(cat, "mfa.totp.qr_label")));
        tmpl_set_bool(c, "setting_up", 1);
    }
    set_codes(c, codes, ncodes, r->a);
    if (passkey_list_ctx(r, c) != 0) return page_error(r, 503, "error.unavailable");
    page_render(r, status, "settings_security", c);
}

void h_security(struct req *r)
{
    const char *done = req_arg(r, "done");
    static const char *const notices[] = {"totp_off", "passkey_added", "passkey_renamed",
                                          "passkey_removed", NULL};
    const char *key = NULL;
    for (int i = 0; done && notices[i]; i++)
        if (!strcmp(done, notices[i])) key = arena_printf(r->a, "mfa.done.%s", notices[i]);
    h_security_page(r, 200, key, NULL, NULL, NULL, 0);
}

void h_security_totp_begin(struct req *r)
{
    char *secret = NULL;
    enum mfa_rc rc = mfa_totp_begin(r->a, r->sess->account_id, &secret);
    if (rc == MFA_ERR) return page_error(r, 503, "error.unavailable");
    h_security_page(r, rc == MFA_OK ? 200 : 409, NULL, rc == MFA_OK ? NULL : "mfa.err.already",
                    secret, NULL, 0);
}

void h_security_totp_confirm(struct req *r)
{
    char *codes[RECOVERY_CODES];
    int n = 0;
    enum mfa_rc rc =
        mfa_totp_confirm(r->a, r->sess->account_id, req_form(r, "code"), r->ip, r->lang, codes, &n);
    if (rc == MFA_ERR) return page_error(r, 503, "error.unavailable");
    if (rc == MFA_OK) return h_security_page(r, 200, "mfa.done.totp_on", NULL, NULL, codes, n);
    h_security_page(r, rc == MFA_BAD ? 400 : 409, NULL,
                    rc == MFA_BAD ? "mfa.err.bad" : "mfa.err.none", NULL, NULL, 0);
}

void h_security_totp_off(struct req *r)
{
    enum mfa_rc rc = mfa_totp_disable(r->a, r->sess->account_id, mfa_session_strong(r->sess),
                                      req_form(r, "code"), r->ip, r->lang);
    if (rc == MFA_ERR) return page_error(r, 503, "error.unavailable");
    if (rc == MFA_OK) return resp_redirect(r, SECURITY "?done=totp_off");
    h_security_page(r, rc == MFA_WEAK ? 403 : 409, NULL,
                    rc == MFA_WEAK ? "mfa.err.weak" : "mfa.err.none", NULL, NULL, 0);
}

void h_security_recovery(struct req *r)
{
    char *codes[RECOVERY_CODES];
    enum mfa_rc rc = mfa_recovery_regenerate(r->a, r->sess->account_id, r->ip, r->lang, codes);
    if (rc == MFA_ERR) return page_error(r, 503, "error.unavailable");
    if (rc != MFA_OK) return h_security_page(r, 409, NULL, "mfa.err.no_factor", NULL, NULL, 0);
    h_security_page(r, 200, "mfa.done.recovery_new", NULL, NULL, codes, RECOVERY_CODES);
}
