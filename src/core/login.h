/* login: password sign-in by username or email. Unknown accounts, accounts without a password
 * and wrong passwords get the same answer after the same work (a dummy hash). Failures are
 * counted per IP and per account: the username and the email of one account share one count,
 * and an identifier that names no account is counted as typed (so unknown names are no way
 * around it). Past login_captcha_after within 15 minutes the form asks for a captcha (delays
 * and captchas rather than lockouts, so a known username cannot be locked out by others); the
 * per-account sign-in limit (limit_login_account) is keyed the same way. */
#ifndef DAOID_LOGIN_H
#define DAOID_LOGIN_H

#include <stdint.h>

struct arena;

#define LOGIN_FAIL_WINDOW 900

/* Where the sign-in comes from: its success is audited as that channel's event. */
enum login_channel {
    LOGIN_WEB,      /* the sign-in form: AUDIT_LOGIN */
    LOGIN_REGISTRY, /* docker login (the registry's token endpoint): AUDIT_REGISTRY_LOGIN */
};

struct login_in {
    const char *identifier, *password;
    const char *captcha_id, *captcha_answer; /* NULL when the form had no captcha */
    const char *ip;
    enum login_channel channel;
};

enum login_rc {
    LOGIN_OK,
    LOGIN_BAD,            /* wrong identifier or password */
    LOGIN_CAPTCHA_NEEDED, /* too many failures: solve the captcha first */
    LOGIN_CAPTCHA_WRONG,
    LOGIN_CAPTCHA_MISSING, /* the captcha field was left empty */
    LOGIN_DISABLED,        /* right password, disabled account */
    LOGIN_LIMITED,         /* 429 */
    LOGIN_BUSY,            /* 503 */
};

struct login_out {
    int64_t account_id;
    int want_captcha; /* show a captcha on the next form */
};

enum login_rc login_run(struct arena *a, const struct login_in *in, struct login_out *out);
/* 1 when a sign-in form for this IP should show the captcha already. */
int login_captcha_for_ip(struct arena *a, const char *ip);

#endif
