/* reauth: proving again, at a signed-in browser, that the person there owns the account, before
 * a sensitive change (email, password, unbinding, deletion) when the sign-in is older than
 * reauth_window. With the password here; accounts without one sign in again with a provider
 * they have bound (the providers' flows, with intent=reauth). An account with a second factor
 * confirms with it instead (a sign-in needed it too): the app's code, a recovery code or a
 * passkey (passkey.h's assertion, begun for the account); the session then counts as signed in
 * with two factors (mfa_session_strong), which turning a factor off or removing a passkey
 * needs. Wrong passwords and codes count per account (limit_login_account), so a stolen
 * session cannot be used to guess them. */
#ifndef DAOID_REAUTH_H
#define DAOID_REAUTH_H

#include <stdint.h>

struct arena;

enum reauth_rc {
    REAUTH_OK,
    REAUTH_BAD,         /* wrong password (counted) */
    REAUTH_NO_PASSWORD, /* the account has none: sign in again with a provider */
    REAUTH_FACTOR,      /* the account has a second factor: confirm with it, not the password */
    REAUTH_REUSED,      /* the app's code was used already (counted) */
    REAUTH_LIMITED,     /* too many wrong passwords lately */
    REAUTH_BUSY,        /* no hash slot in time */
    REAUTH_ERR,
};

/* Checks password (as typed) against the account's; records the outcome in the audit log.
 * The caller marks the session re-authenticated on REAUTH_OK. */
enum reauth_rc reauth_password(struct arena *a, int64_t account_id, const char *password,
                               const char *ip);
/* With a second factor: the app's code or a recovery code (used up, audited, mailed in lang).
 * REAUTH_OK, REAUTH_BAD / REAUTH_REUSED (counted), REAUTH_LIMITED, REAUTH_ERR. The caller
 * signs the browser in again with the session's amr plus "otp mfa" (mfa_amr_add). */
enum reauth_rc reauth_code(struct arena *a, int64_t account_id, const char *code, const char *ip,
                           const char *lang);
/* Records a confirmation by a passkey the caller verified (passkey_login_finish, begun for
 * account_id): audited. 0 or -1. */
int reauth_passkey_done(int64_t account_id, const char *ip);

struct reauth_ways {
    const char **providers; /* console_provider_name strings, in a */
    int nproviders;
    int has_password;
    int factor;       /* the account has a second factor: only the factor confirms */
    int totp;         /* the authenticator app is on */
    int64_t passkeys; /* how many passkeys */
};
/* The ways the account can confirm. Without a second factor: the password, and the providers
 * it is bound to (WeChat only while configured). With one: the app's code or a recovery code,
 * and its passkeys. 0 or -1. */
int reauth_ways(struct arena *a, int64_t account_id, struct reauth_ways *out);

#endif
