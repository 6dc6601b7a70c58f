/* totp_secrets: owner of the totp_secrets table — one row per account with an authenticator
 * app: the sealed secret (mfa.c seals and opens it; only sealed text here), when its first code
 * confirmed it (0 while set-up waits), and the last time step used (a code works once, on every
 * node: totp_secrets_use moves it forward only). Rows go with their account. */
#ifndef DAOID_TOTP_SECRETS_H
#define DAOID_TOTP_SECRETS_H

#include "store.h"

struct totp_secret_row {
    char *secret_ct;
    int64_t confirmed_at, last_step;
};

/* A secret waiting for its first code (replaces one that waits; never a confirmed one: then 0
 * rows). 1 written, 0 not, -1 on error. */
int totp_secrets_put(struct st_conn *c, int64_t account, const char *secret_ct, int64_t now);
enum st_rc totp_secrets_get(struct st_conn *c, struct arena *a, int64_t account,
                            struct totp_secret_row *out);
/* Confirms the waiting secret with the step of its first code: 1, 0 (none waits), -1. */
int totp_secrets_confirm(struct st_conn *c, int64_t account, int64_t step, int64_t now);
/* Records step as used when it is later than the last one: 1, 0 (used already), -1. */
int totp_secrets_use(struct st_conn *c, int64_t account, int64_t step);
/* Removes the account's secret: rows removed, or -1. */
int64_t totp_secrets_delete(struct st_conn *c, int64_t account);

#endif
