/* mfa_pending: owner of the mfa_pending table — sign-ins whose first factor (a password, GitHub,
 * WeChat, …) is done and whose second is awaited: keyed by the hash of a cookie the browser
 * holds, with the account, how the first step signed in, where to go next and a short expiry.
 * Not a session: nothing signed in reads it. A row is taken once (deleted and returned in one
 * statement), so the second step signs in once whatever the timing. */
#ifndef DAOID_MFA_PENDING_H
#define DAOID_MFA_PENDING_H

#include "store.h"

struct mfa_pending_row {
    int64_t account_id, created_at;
    char *first_amr;
    char *next; /* NULL: none */
};

int mfa_pending_insert(struct st_conn *c, const char *id_hash, int64_t account,
                       const char *first_amr, const char *next, int64_t now, int64_t expires_at);
/* The live row of id_hash: ST_OK, ST_NOTFOUND (none, or expired) or an error. */
enum st_rc mfa_pending_get(struct st_conn *c, struct arena *a, const char *id_hash, int64_t now,
                           struct mfa_pending_row *out);
/* Deletes the live row of id_hash: 1 taken, 0 (none: taken already, or expired), -1. */
int mfa_pending_take(struct st_conn *c, const char *id_hash, int64_t now);
int64_t mfa_pending_sweep(struct st_conn *c, int64_t now);

#endif
