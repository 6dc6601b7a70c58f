/* signup: creating an account by email. Checks run cheapest-first but the captcha is always
 * consumed first, so a bot learns nothing (not even whether a name is taken) without solving
 * it, and each image is good for one try. The rate limit, the field rules and the one
 * transaction (account, token, outbox, audit) are registration's (registration.h). */
#ifndef DAOID_SIGNUP_H
#define DAOID_SIGNUP_H

#include <stdint.h>

#include "registration.h"

struct arena;

struct signup_in {
    const char *email, *username, *password;
    const char *captcha_id, *captcha_answer;
    int terms;
    int passkey; /* a passkey instead of a password: none asked for (the account gets none;
                    its owner adds the passkey next, signed in) */
    const char *ip, *lang;
};

struct signup_out {
    reg_errors errors;  /* catalog key per field (RF_*), NULL when fine */
    int64_t account_id; /* REG_OK */
};

/* Runs a sign-up: REG_OK (created), REG_INVALID (out->errors), REG_LIMITED, REG_BUSY or
 * REG_STORE_ERR. Strings in out are static or in a. */
enum reg_outcome signup_run(struct arena *a, const struct signup_in *in, struct signup_out *out);

#endif
