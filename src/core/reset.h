/* reset: forgotten passwords.
 *
 * requested (reset_request) → a one-time link (token kind "reset", reset_ttl, tied to the
 *   account and the address) in a mail → opened (reset_check: looked at, not used) →
 *   completed (reset_complete): the new password is set, every session of the account ends,
 *   and nobody is signed in.
 *
 * Invariants:
 *  1. A request gets the same answer, after the same work, whether or not an account uses the
 *     address: a token is made, the mail rendered and composed, and a transaction of three
 *     writes committed either way (only a known address's mail is queued), and the answer
 *     waits until RESET_FLOOR_US after the request began.
 *  2. Requests are limited per IP (answered "too many") and per address (silently: the same
 *     answer, no mail), so the form cannot bomb a mailbox or tell which addresses exist.
 *  3. A link works once, within reset_ttl, and only while its account still uses the address
 *     it was sent to; completing it uses every other reset link of the account too.
 *  4. Completing is one transaction: token used, password set, sessions ended, the identities
 *     bound while the address was not verified unlinked (identity.h invariant 4), audit line,
 *     notice mail (saying what was removed). An unverified address that received the link is
 *     proven, so it is verified (account.h invariant 2). */
#ifndef DAOID_RESET_H
#define DAOID_RESET_H

#include <stdint.h>

struct arena;
struct ways_removed;

#define RESET_FLOOR_US 20000 /* a request's answer takes at least this long */

enum reset_rc {
    RESET_OK,
    RESET_INVALID, /* *err: catalog key for the field */
    RESET_LIMITED,
    RESET_UNKNOWN, /* the link: never issued, or its account is gone */
    RESET_USED,
    RESET_EXPIRED,
    RESET_STALE, /* the account no longer uses the address the link went to */
    RESET_BUSY,  /* no hash slot in time */
    RESET_ERR,
};

/* Handles a "forgot password" form for the typed address (invariants 1, 2). */
enum reset_rc reset_request(struct arena *a, const char *typed, const char *ip, const char *lang,
                            const char **err);
/* Looks at a link without using it; on RESET_OK *username (in a) is its account's name. */
enum reset_rc reset_check(struct arena *a, const char *token, char **username);
/* Sets the new password through the link (invariants 3, 4); *removed says what else ended. */
enum reset_rc reset_complete(struct arena *a, const char *token, const char *password,
                             const char *ip, const char *lang, const char **err,
                             struct ways_removed *removed);

#endif
