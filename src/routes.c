/* routes: the route table. One line per route: method, path, handler, flags (see router.h). */
#include "handlers.h"
#include "router.h"

const struct route routes[] = {
    {"GET", "/", h_home, R_SESSION},
    {"GET", "/terms", h_terms, R_SESSION},
    {"GET", "/lang", h_lang, 0},
    {"GET", "/healthz", h_healthz, 0},
    {"GET", "/readyz", h_readyz, 0},

    {"GET", "/signup", h_signup_form, R_SESSION},
    {"POST", "/signup", h_signup_submit, R_SESSION},
    {"GET", "/captcha/new", h_captcha_new, 0},

    {"GET", "/login", h_login_form, R_SESSION},
    {"POST", "/login", h_login_submit, R_SESSION},
    {"POST", "/logout", h_logout, R_SESSION},

    {"GET", "/console", h_console, R_PAGE_AUTH},
    {"POST", "/verify/resend", h_verify_resend, R_PAGE_AUTH},
    {"GET", "/verify", h_verify, R_SESSION},

    {"GET", "/api/v1/me", h_api_me, R_API_AUTH},
    {"GET", "/static/", h_static, R_PREFIX | R_NOSTORE_OFF},

    /* social sign-in: GitHub, Bitbucket, Coding (h_oauth.c) */
    {"GET", "/auth/github", h_auth_github, R_SESSION},

    /* WeChat (h_wechat.c) */
    {"GET", "/auth/wechat", h_auth_wechat, R_SESSION},

    /* console, settings, password reset (h_settings.c, h_password.c, h_console.c) */
};

const size_t routes_count = sizeof(routes) / sizeof(routes[0]);
