/* signup: creating an account by email. Checks run cheapest-first but the captcha is always
 * consumed first, so a bot learns nothing (not even whether a name is taken) without solving
 * it, and each image is good for one try. The account, its verification token and its mail
 * are written in one transaction. */
#ifndef DAOID_SIGNUP_H
#define DAOID_SIGNUP_H

#include <stdint.h>

struct arena;

enum signup_field { SF_EMAIL, SF_USERNAME, SF_PASSWORD, SF_CAPTCHA, SF_TERMS, SF_COUNT };

struct signup_in {
    const char *email, *username, *password;
    const char *captcha_id, *captcha_answer;
    int terms;
    const char *ip, *lang;
};

struct signup_out {
    int status;                   /* 200 created, 400 errors, 429 limited, 503 busy/down */
    const char *errors[SF_COUNT]; /* catalog key per field, NULL when fine */
    const char *error;            /* a form-level catalog key (429/503) */
    int64_t account_id;
};

/* Runs a sign-up; out->status says what happened. Strings in out are static or in a. */
void signup_run(struct arena *a, const struct signup_in *in, struct signup_out *out);

#endif
