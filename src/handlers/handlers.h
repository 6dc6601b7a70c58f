/* handlers: every route's handler, one file per page group (h_*.c). Handlers are thin:
 * parse the request, call one service, map the result to a status and a template. */
#ifndef DAOID_HANDLERS_H
#define DAOID_HANDLERS_H

#include <stddef.h>
#include <stdint.h>

#include "router.h"
#include "registration.h"

struct req;
struct tmpl_ctx;

/* h_signup.c: the field errors of a sign-up form (err_email, err_username, …) and its
 * form-level message (form_key, NULL: none), shared by the three sign-up forms. */
void h_form_errors(struct req *r, struct tmpl_ctx *c, const reg_errors errors,
                   const char *form_key);

/* h_verify.c: the page after a proof of the mailbox (a verification or a reset): its title
 * and message, what the proof removed (identity.h invariant 4), and a link on. */
struct ways_removed;
void h_notice_removed(struct req *r, const char *title_key, const char *msg_key, const char *href,
                      const char *link_key, const struct ways_removed *w);

/* h_mfa.c: where a browser goes after a first factor (a password, GitHub, WeChat, …) proved
 * account, signed in by amr: "/login/2fa" when a second factor is due (the two-step cookie set,
 * no session), else the browser is signed in and the answer is next (NULL: the console), or
 * set-up when require_2fa asks for it. NULL when the store failed (answer 503). */
#define MFA_COOKIE "mfa"
const char *h_mfa_signin(struct req *r, int64_t account, const char *amr, const char *next);
struct twostep_out;
/* h_mfa.c: signs the browser in after a second step and redirects on. */
void h_mfa_done(struct req *r, const struct twostep_out *out);

/* h_mfa_settings.c: /settings/security with a notice or an error (catalog keys, NULL: none),
 * an authenticator set-up under way (secret) and recovery codes shown once (codes, n). */
void h_security_page(struct req *r, int status, const char *notice_key, const char *err_key,
                     const char *secret, char **codes, int ncodes);
/* h_passkey.c: the account's passkeys as the list passkey_rows in c: 0 or -1. */
int passkey_list_ctx(struct req *r, struct tmpl_ctx *c);

/* routes.c: the application's route table (router.h), handed to the pipeline by main. */
extern const struct route routes[];
extern const size_t routes_count;

/* h_tokens.c: the access tokens section of /settings (0, or -1 on a store error) and its
 * pages */
int h_tokens_add(struct req *r, struct tmpl_ctx *c);
void h_tokens_new_form(struct req *r);
void h_tokens_new(struct req *r);
void h_tokens_revoke(struct req *r);
/* h_registry_token.c */
void h_registry_token(struct req *r);
/* h_oidc.c: the OpenID Connect provider's pages; h_oidc_token.c: its machine endpoints;
 * h_oidc_apps.c: settings, apps with access; h_authcheck.c: forward auth for nginx */
void h_oidc_discovery(struct req *r);
void h_oidc_jwks(struct req *r);
void h_oidc_authorize(struct req *r);
void h_oidc_logout(struct req *r);
void h_oidc_token(struct req *r);
void h_oidc_userinfo(struct req *r);
void h_oidc_revoke(struct req *r);
void h_oidc_introspect(struct req *r);
void h_oidc_apps(struct req *r);
void h_oidc_apps_revoke(struct req *r);
void h_authcheck(struct req *r);
void h_authstart(struct req *r);
/* h_home.c */
void h_home(struct req *r);
void h_terms(struct req *r);
void h_lang(struct req *r);
void h_healthz(struct req *r);
void h_readyz(struct req *r);
/* h_metrics.c: GET /metrics; the metrics_listen listener's whole dispatch; metrics_allow */
void h_metrics(struct req *r);
void h_metrics_listener(struct req *r);
int h_metrics_init(void);
void h_metrics_shutdown(void);
/* h_signup.c */
void h_signup_form(struct req *r);
void h_signup_submit(struct req *r);
void h_captcha_new(struct req *r);
/* h_login.c */
void h_login_form(struct req *r);
void h_login_submit(struct req *r);
void h_logout(struct req *r);
/* h_mfa.c, h_mfa_settings.c, h_passkey.c: two-step sign-in, /settings/security, passkeys */
void h_mfa_form(struct req *r);
void h_mfa_submit(struct req *r);
void h_security(struct req *r);
void h_security_totp_begin(struct req *r);
void h_security_totp_confirm(struct req *r);
void h_security_totp_off(struct req *r);
void h_security_recovery(struct req *r);
void h_passkey_register_begin(struct req *r);
void h_passkey_register_finish(struct req *r);
void h_passkey_login_begin(struct req *r);
void h_passkey_login_finish(struct req *r);
/* The assertion a passkey ceremony's finish posted, its challenge from cookie; strings in r. */
struct pk_assertion;
void h_passkey_assertion(struct req *r, const char *cookie, struct pk_assertion *in);
void h_passkey_rename(struct req *r);
void h_passkey_remove(struct req *r);
/* h_console.c */
void h_console(struct req *r);
void h_console_offer_dismiss(struct req *r);
void h_verify_resend(struct req *r);
/* h_verify.c: the links of the verification and email-change mails */
void h_verify(struct req *r);
void h_email_confirm(struct req *r);
/* h_api.c */
void h_api_me(struct req *r);
/* h_static.c */
void h_static(struct req *r);

/* h_oauth.c: GitHub, Bitbucket, Coding */
void h_oauth_start(struct req *r);
void h_oauth_callback(struct req *r);
void h_oauth_complete_form(struct req *r);
void h_oauth_complete_submit(struct req *r);
/* A provider's name for pages: "GitHub", WeChat's from the catalog, else name. */
const char *h_provider_name(struct req *r, const char *name);
/* A page with a title, a message (catalog keys, {provider} {login} {email} filled from c,
 * which may be NULL) and links: pairs of href and catalog key, the first one primary, ended by
 * NULL. */
void h_oauth_notice(struct req *r, int status, const char *provider, const char *title_key,
                    const char *msg_key, struct tmpl_ctx *c, const char *const *links);
/* h_accounts.c: linked accounts */
void h_settings_accounts(struct req *r);
void h_settings_accounts_unbind(struct req *r);

/* h_wechat.c: WeChat */
void h_auth_wechat(struct req *r);
void h_auth_wechat_status(struct req *r);
void h_auth_wechat_register(struct req *r);
void h_wechat_callback_get(struct req *r);
void h_wechat_callback_post(struct req *r);
/* h_resources.c */
void h_resources(struct req *r);

/* console, settings, password reset */
void h_console_tour(struct req *r); /* h_console.c */
void h_build(struct req *r);        /* h_build.c */
void h_registry(struct req *r);     /* h_console.c */
void h_settings(struct req *r);     /* h_settings.c */
void h_settings_username(struct req *r);
void h_settings_email(struct req *r);
void h_settings_password(struct req *r);
void h_settings_session_end(struct req *r);
void h_settings_sessions_end_others(struct req *r);
void h_settings_delete_form(struct req *r);
void h_settings_delete(struct req *r);
void h_reauth_form(struct req *r); /* h_reauth.c */
void h_reauth_submit(struct req *r);
void h_reauth_code(struct req *r);
void h_reauth_passkey_begin(struct req *r);
void h_reauth_passkey_finish(struct req *r);
void h_password_forgot_form(struct req *r); /* h_password.c */
void h_password_forgot(struct req *r);
void h_password_reset_form(struct req *r);
void h_password_reset(struct req *r);

#endif
