/* registration: the one way an account is created, by email (signup.c), through an OAuth
 * provider (oauth_flow.c) or by WeChat (wechat_login.c):
 *
 *   registration_start   this thread's connection and the sign-up rate limit (per
 *                        IP, one key for every way in)
 *   registration_check   the field rules (username, email, password, terms) and, when they
 *                        hold, the taken checks and the password hash, outside any transaction
 *   registration_create  ONE transaction: the caller's claim (its pending row or QR code),
 *                        the account (with its password hash), the verified address or the
 *                        verification mail (outbox), the outside identity, the caller's extras
 *                        (the WeChat bonus, the provider's tokens), the audit line
 *
 * Every call returns an enum reg_outcome; field errors are catalog keys in errors[], indexed
 * by enum reg_field, and the page for an outcome is the handler's business (its table).
 *
 * Invariants:
 *  1. Nothing of a registration is kept unless all of it is: a failure rolls the whole
 *     transaction back (the claim included, so a pending sign-up is left for another try).
 *  2. The taken checks run again inside the transaction (unique indexes): a name taken
 *     meanwhile is a field error, an identity linked meanwhile REG_TAKEN. An address that is
 *     another account's verified one is no error (account.h invariant 4: the account gets an
 *     unverified claim and the owner a notice), unless the provider proved it to be the
 *     person's own (email_verified: email_taken_key).
 *  3. An address kept as verified (email_verified) goes through account_verify_email, so other
 *     accounts' unverified claims on it end; any other address gets the verification mail. */
#ifndef DAOID_REGISTRATION_H
#define DAOID_REGISTRATION_H

#include <stdint.h>

struct arena;
struct st_conn;

enum reg_outcome {
    REG_OK,        /* created (registration_create), or go on (limit, check) */
    REG_INVALID,   /* field errors in errors[] */
    REG_LIMITED,   /* too many sign-ups from this address */
    REG_GONE,      /* the claim is no longer there: the pending sign-up or QR code is used,
                      expired or unknown */
    REG_TAKEN,     /* the outside identity was registered meanwhile */
    REG_BUSY,      /* no password hashing slot in time */
    REG_STORE_ERR, /* the store failed (logged) */
};

enum reg_field { RF_EMAIL, RF_USERNAME, RF_PASSWORD, RF_CAPTCHA, RF_TERMS, RF_COUNT };

/* A catalog key per field, NULL when fine. */
typedef const char *reg_errors[RF_COUNT];

/* 1 when any field has an error. */
int registration_has_errors(const reg_errors errors);

/* Starts a sign-up from ip at now: sets *c (this thread's connection) and counts the attempt.
 * REG_OK, REG_LIMITED or REG_STORE_ERR. */
enum reg_outcome registration_start(struct arena *a, const char *ip, int64_t now,
                                    struct st_conn **c);

struct reg_fields {
    const char *username, *email, *password; /* as typed */
    int terms;
    int with_password;           /* email sign-up: the password is required and hashed */
    int email_optional;          /* WeChat: an empty address means none */
    const char *email_taken_key; /* the message when a provider-proven address is taken */
};

/* The canonical values of a checked form (in a). */
struct reg_form {
    const char *username;
    const char *email, *email_norm; /* NULL: none given (email_optional) */
    const char *password_hash;      /* with_password only */
};

/* The field rules, then (when no field has an error, including any the caller set before)
 * the username's taken check, then the hash. REG_OK with form filled, REG_INVALID, REG_BUSY or
 * REG_STORE_ERR. */
enum reg_outcome registration_check(struct st_conn *c, struct arena *a, const struct reg_fields *in,
                                    struct reg_form *form, reg_errors errors);

/* The outside identity to link to the new account. */
struct reg_identity {
    const char *provider, *subject, *login, *email, *extra; /* login, email, extra may be NULL */
};

struct reg_new {
    const struct reg_form *form;
    int email_verified;                  /* the address is the provider's verified one */
    const struct reg_identity *identity; /* NULL: none (email sign-up) */
    const char *email_taken_key;
    const char *ip, *lang;
    const char *audit_detail; /* "email", or the provider */
    /* the caller's part of the transaction, each may be NULL: claim runs first (REG_OK to go
     * on, or the outcome to stop with), extras after the identity is linked */
    enum reg_outcome (*claim)(struct st_conn *c, struct arena *a, void *ctx);
    enum reg_outcome (*extras)(struct st_conn *c, struct arena *a, int64_t account_id, void *ctx);
    void *ctx;
};

/* The transaction (its own: begun and committed or rolled back here). REG_OK with
 * *account_id set, or REG_INVALID (errors[]), REG_GONE, REG_TAKEN, REG_STORE_ERR or what claim
 * or extras returned. A verification mail queued is sent after the commit (mail_kick). */
enum reg_outcome registration_create(struct st_conn *c, struct arena *a, const struct reg_new *n,
                                     reg_errors errors, int64_t *account_id);

#endif
