/* handlers: every route's handler, one file per page group (h_*.c). Handlers are thin:
 * parse the request, call one service, map the result to a status and a template. */
#ifndef DAOID_HANDLERS_H
#define DAOID_HANDLERS_H

struct req;

/* h_home.c */
void h_home(struct req *r);
void h_terms(struct req *r);
void h_lang(struct req *r);
void h_healthz(struct req *r);
void h_readyz(struct req *r);
/* h_signup.c */
void h_signup_form(struct req *r);
void h_signup_submit(struct req *r);
void h_captcha_new(struct req *r);
/* h_login.c */
void h_login_form(struct req *r);
void h_login_submit(struct req *r);
void h_logout(struct req *r);
/* h_console.c */
void h_console(struct req *r);
void h_verify_resend(struct req *r);
/* h_verify.c */
void h_verify(struct req *r);
/* h_api.c */
void h_api_me(struct req *r);
/* h_static.c */
void h_static(struct req *r);
/* h_social.c (until h_oauth.c and h_wechat.c replace these) */
void h_auth_github(struct req *r);
void h_auth_wechat(struct req *r);

/* h_oauth.c: GitHub, Bitbucket, Coding */

/* h_wechat.c: WeChat */

/* console, settings, password reset */

#endif
