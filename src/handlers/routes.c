/* routes: the route table. One line per route: method, path, handler, flags (see router.h). */
#include "handlers.h"
#include "router.h"

const struct route routes[] = {
    {"GET", "/", h_home, R_SESSION},
    {"GET", "/terms", h_terms, R_SESSION},
    {"GET", "/lang", h_lang, 0},
    {"GET", "/healthz", h_healthz, 0},
    {"GET", "/readyz", h_readyz, 0},
    {"GET", "/metrics", h_metrics, 0},

    {"GET", "/signup", h_signup_form, R_SESSION},
    {"POST", "/signup", h_signup_submit, R_SESSION},
    {"GET", "/captcha/new", h_captcha_new, 0},

    {"GET", "/login", h_login_form, R_SESSION},
    {"POST", "/login", h_login_submit, R_SESSION},
    {"POST", "/logout", h_logout, R_SESSION},
    /* two-step sign-in, /settings/security, passkeys (h_mfa.c, h_mfa_settings.c, h_passkey.c) */
    {"GET", "/login/2fa", h_mfa_form, R_SESSION},
    {"POST", "/login/2fa", h_mfa_submit, R_SESSION},
    {"POST", "/passkey/login/begin", h_passkey_login_begin, R_SESSION},
    {"POST", "/passkey/login/finish", h_passkey_login_finish, R_SESSION},
    {"GET", "/settings/security", h_security, R_PAGE_AUTH | R_SETUP},
    {"POST", "/settings/security/totp", h_security_totp_begin, R_PAGE_AUTH | R_RECENT | R_SETUP},
    {"POST", "/settings/security/totp/confirm", h_security_totp_confirm, R_PAGE_AUTH | R_SETUP},
    {"POST", "/settings/security/totp/off", h_security_totp_off, R_PAGE_AUTH | R_RECENT},
    {"POST", "/settings/security/recovery", h_security_recovery, R_PAGE_AUTH | R_RECENT},
    {"POST", "/settings/security/passkeys/begin", h_passkey_register_begin,
     R_PAGE_AUTH | R_RECENT | R_SETUP},
    {"POST", "/settings/security/passkeys/finish", h_passkey_register_finish,
     R_PAGE_AUTH | R_SETUP},
    {"POST", "/settings/security/passkeys/rename", h_passkey_rename, R_PAGE_AUTH},
    {"POST", "/settings/security/passkeys/remove", h_passkey_remove, R_PAGE_AUTH | R_RECENT},

    {"GET", "/console", h_console, R_PAGE_AUTH},
    {"POST", "/verify/resend", h_verify_resend, R_PAGE_AUTH},
    {"GET", "/verify", h_verify, R_SESSION},

    {"GET", "/api/v1/me", h_api_me, R_API_AUTH},
    {"GET", "/static/", h_static, R_PREFIX | R_NOSTORE_OFF},

    /* social sign-in: GitHub, Bitbucket, Coding (h_oauth.c) */
    {"GET", "/auth/github", h_oauth_start, R_SESSION},
    {"GET", "/auth/github/callback", h_oauth_callback, R_SESSION},
    {"GET", "/auth/bitbucket", h_oauth_start, R_SESSION},
    {"GET", "/auth/bitbucket/callback", h_oauth_callback, R_SESSION},
    {"GET", "/auth/coding", h_oauth_start, R_SESSION},
    {"GET", "/auth/coding/callback", h_oauth_callback, R_SESSION},
    {"GET", "/auth/complete", h_oauth_complete_form, R_SESSION},
    {"POST", "/auth/complete", h_oauth_complete_submit, R_SESSION},
    /* linked accounts (h_accounts.c) */
    {"GET", "/settings/accounts", h_settings_accounts, R_PAGE_AUTH},
    {"POST", "/settings/accounts/unbind", h_settings_accounts_unbind, R_PAGE_AUTH},

    /* WeChat (h_wechat.c) */
    {"GET", "/auth/wechat", h_auth_wechat, R_SESSION},
    {"GET", "/auth/wechat/status", h_auth_wechat_status, R_SESSION},
    {"POST", "/auth/wechat/register", h_auth_wechat_register, R_SESSION},
    {"GET", "/wechat/callback", h_wechat_callback_get, 0},
    {"POST", "/wechat/callback", h_wechat_callback_post, R_NOCSRF},
    /* image registry: access tokens (h_tokens.c), the Distribution token endpoint
     * (h_registry_token.c) */
    {"GET", "/settings/tokens/new", h_tokens_new_form, R_PAGE_AUTH | R_RECENT},
    {"POST", "/settings/tokens/new", h_tokens_new, R_PAGE_AUTH | R_RECENT},
    {"POST", "/settings/tokens/revoke", h_tokens_revoke, R_PAGE_AUTH},
    {"GET", "/v2/token", h_registry_token, 0},
    {"GET", "/registry/token", h_registry_token, 0},
    /* OpenID Connect provider (h_oidc.c, h_oidc_token.c, h_oidc_apps.c), forward auth
     * (h_authcheck.c) */
    {"GET", "/.well-known/openid-configuration", h_oidc_discovery, 0},
    {"GET", "/oauth/jwks", h_oidc_jwks, 0},
    {"GET", "/oauth/authorize", h_oidc_authorize, R_SESSION},
    {"POST", "/oauth/authorize", h_oidc_authorize, R_PAGE_AUTH},
    {"POST", "/oauth/token", h_oidc_token, R_NOCSRF},
    {"GET", "/oauth/userinfo", h_oidc_userinfo, 0},
    {"POST", "/oauth/userinfo", h_oidc_userinfo, R_NOCSRF},
    {"POST", "/oauth/revoke", h_oidc_revoke, R_NOCSRF},
    {"POST", "/oauth/introspect", h_oidc_introspect, R_NOCSRF},
    {"GET", "/oauth/logout", h_oidc_logout, R_SESSION},
    {"POST", "/oauth/logout", h_oidc_logout, R_SESSION},
    {"GET", "/settings/apps", h_oidc_apps, R_PAGE_AUTH},
    {"POST", "/settings/apps/revoke", h_oidc_apps_revoke, R_PAGE_AUTH},
    {"GET", "/auth/check", h_authcheck, R_SESSION},
    {"GET", "/auth/start", h_authstart, R_SESSION},
    /* resources (h_resources.c) */
    {"GET", "/resources", h_resources, R_PAGE_AUTH},

    /* console, settings, password reset (h_settings.c, h_password.c, h_console.c) */
    {"POST", "/console/tour", h_console_tour, R_PAGE_AUTH},
    {"POST", "/console/offer/dismiss", h_console_offer_dismiss, R_PAGE_AUTH},
    {"GET", "/build", h_build, R_PAGE_AUTH},
    {"GET", "/registry", h_registry, R_PAGE_AUTH},
    {"GET", "/settings", h_settings, R_PAGE_AUTH},
    {"POST", "/settings/username", h_settings_username, R_PAGE_AUTH},
    {"POST", "/settings/email", h_settings_email, R_PAGE_AUTH},
    {"POST", "/settings/password", h_settings_password, R_PAGE_AUTH},
    {"POST", "/settings/sessions/end", h_settings_session_end, R_PAGE_AUTH},
    {"POST", "/settings/sessions/end-others", h_settings_sessions_end_others, R_PAGE_AUTH},
    {"GET", "/settings/delete", h_settings_delete_form, R_PAGE_AUTH | R_RECENT},
    {"POST", "/settings/delete", h_settings_delete, R_PAGE_AUTH | R_RECENT},
    {"GET", "/email/confirm", h_email_confirm, R_SESSION},
    {"GET", "/reauth", h_reauth_form, R_PAGE_AUTH | R_SETUP},
    {"POST", "/reauth", h_reauth_submit, R_PAGE_AUTH | R_SETUP},
    {"POST", "/reauth/code", h_reauth_code, R_PAGE_AUTH | R_SETUP},
    {"POST", "/reauth/passkey/begin", h_reauth_passkey_begin, R_PAGE_AUTH | R_SETUP},
    {"POST", "/reauth/passkey/finish", h_reauth_passkey_finish, R_PAGE_AUTH | R_SETUP},
    {"GET", "/password/forgot", h_password_forgot_form, R_SESSION},
    {"POST", "/password/forgot", h_password_forgot, R_SESSION},
    {"GET", "/password/reset", h_password_reset_form, R_SESSION},
    {"POST", "/password/reset", h_password_reset, R_SESSION},
};

const size_t routes_count = sizeof(routes) / sizeof(routes[0]);
