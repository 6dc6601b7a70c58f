/* reauth: proving again, at a signed-in browser, that the person there owns the account, before
 * a sensitive change (email, password, unbinding, deletion) when the sign-in is older than
 * reauth_window. With the password here; accounts without one sign in again with a provider
 * they have bound (the providers' flows, with intent=reauth). Wrong passwords count per
 * account (limit_login_account), so a stolen session cannot be used to guess the password. */
#ifndef DAOID_REAUTH_H
#define DAOID_REAUTH_H

#include <stdint.h>

struct arena;

enum reauth_rc {
    REAUTH_OK,
    REAUTH_BAD,         /* wrong password (counted) */
    REAUTH_NO_PASSWORD, /* the account has none: sign in again with a provider */
    REAUTH_LIMITED,     /* too many wrong passwords lately */
    REAUTH_BUSY,        /* no hash slot in time */
    REAUTH_ERR,
};

/* Checks password (as typed) against the account's; records the outcome in the audit log.
 * The caller marks the session re-authenticated on REAUTH_OK. */
enum reauth_rc reauth_password(struct arena *a, int64_t account_id, const char *password,
                               const char *ip);
/* The providers (console_provider_name strings) the account can sign in again with: those it
 * is bound to (WeChat only while configured). Into *out (in a), *n of them; *has_password set.
 * 0 or -1. */
int reauth_methods(struct arena *a, int64_t account_id, const char ***out, int *n,
                   int *has_password);

#endif
