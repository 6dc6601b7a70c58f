/* verify: proving an email address. A verification mail carries a one-time link (24 h,
 * single use, tied to the account and the address); opening it marks the address verified
 * (account.c invariant 2). Resending is limited per account (per minute and per day) and
 * per IP. Opening a link proves the mailbox: in a browser signed in to the account, the
 * account's identities are adopted; anywhere else, every way in the mailbox owner did not add
 * ends (identity.h invariant 4) and a mail to the address says what went. */
#ifndef DAOID_VERIFY_H
#define DAOID_VERIFY_H

#include <stdint.h>

struct arena;
struct st_conn;
struct ways_removed;

enum verify_rc {
    VERIFY_OK,
    VERIFY_UNKNOWN, /* not a link we issued */
    VERIFY_USED,
    VERIFY_EXPIRED,
    VERIFY_TAKEN, /* another account verified this address first */
    VERIFY_STALE, /* the account no longer uses this address */
    VERIFY_ERR,
};

/* Queues a verification mail for account_id to email (display form; the token keeps the
 * lowercase form); when the address is another account's verified one, the notice to its
 * owner instead (account.h invariant 4). Inside the caller's transaction. 0 or -1. */
int verify_send(struct st_conn *c, struct arena *a, int64_t account_id, const char *email,
                const char *lang, int64_t now);
struct verify_in {
    const char *token, *ip, *lang;
    int64_t signed_in_as; /* the account of the opening browser's session, 0 when none */
};
/* Consumes the link's token; on VERIFY_OK *email (in a) is the verified address, *account_id
 * its account and *removed what the proof ended. */
enum verify_rc verify_consume(struct arena *a, const struct verify_in *in, int64_t *account_id,
                              char **email, struct ways_removed *removed);

enum resend_rc { RESEND_OK, RESEND_LIMITED, RESEND_NOTHING, RESEND_ERR };
/* Sends a fresh link to the account's unverified address, within the limits. */
enum resend_rc verify_resend(struct arena *a, int64_t account_id, const char *ip, const char *lang,
                             int64_t now);

#endif
