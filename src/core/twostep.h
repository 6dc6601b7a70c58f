/* twostep: the state of a sign-in between its first factor (password, GitHub, WeChat, …) and its
 * second (the app's code, a recovery code or a passkey): a short-lived row (mfa_pending.h) keyed
 * by the hash of a token the browser keeps in a cookie — never a half-signed-in session, so
 * nothing that checks sessions ever sees it. A second factor refused is counted per account and
 * per IP like a wrong password (login.h): past login_captcha_after failures (or the per-account
 * limit) the form asks for a captcha; past the per-IP limit the answer is "too many"; never a
 * lock-out of the account's owner. */
#ifndef DAOID_TWOSTEP_H
#define DAOID_TWOSTEP_H

#include <stdint.h>

#include "token.h"

struct arena;

#define TWOSTEP_TTL 300 /* seconds between the first step and the second */

/* Starts the second step for account after a first one signed in by first_amr, going to next
 * (NULL: the console) afterwards; the cookie's token into tok. 0 or -1. */
int twostep_begin(int64_t account, const char *first_amr, const char *next,
                  char tok[TOKEN_LEN + 1]);

struct twostep_state {
    int64_t account_id;
    char *first_amr, *next;
    int totp;         /* the account has the app */
    int64_t passkeys; /* and this many passkeys */
    int want_captcha;
};
/* The live state of tok: 1 (filled), 0 (none: expired, used or unknown), -1. */
int twostep_get(struct arena *a, const char *tok, const char *ip, struct twostep_state *out);

enum twostep_rc {
    TWOSTEP_OK,
    TWOSTEP_GONE,   /* no live state: sign in again */
    TWOSTEP_BAD,    /* wrong code (counted) */
    TWOSTEP_REUSED, /* the app's code was used already (counted) */
    TWOSTEP_CAPTCHA_NEEDED,
    TWOSTEP_CAPTCHA_WRONG,
    TWOSTEP_CAPTCHA_MISSING,
    TWOSTEP_LIMITED,
    TWOSTEP_BUSY,
};

struct twostep_in {
    const char *tok, *code;
    const char *captcha_id, *captcha_answer;
    const char *ip;
};
struct twostep_out {
    int64_t account_id;
    char *amr;  /* for the session: first_amr + " otp mfa" */
    char *next; /* NULL: the console */
    int recovery_used;
    int want_captcha;
};
/* The second step with a code (the app's, else a recovery code): on TWOSTEP_OK the state is
 * taken (once) and the caller signs the browser in with out->amr. Audited. */
enum twostep_rc twostep_code(struct arena *a, const struct twostep_in *in, struct twostep_out *out);
/* The second step with a passkey of account (verified by the caller, passkey.h; amr its
 * methods): takes the state when it is account's. TWOSTEP_OK, TWOSTEP_GONE (none, or another
 * account's), TWOSTEP_BUSY. */
enum twostep_rc twostep_passkey(struct arena *a, const char *tok, int64_t account,
                                const char *passkey_amr, struct twostep_out *out);

#endif
