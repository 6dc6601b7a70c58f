/* held_usernames: owner of the held_usernames table — usernames released by a rename (held for
 * the account that gave them up) or a deletion (held for nobody) until held_until, so nobody
 * else takes them meanwhile (account.h invariant 1). Functions run on the caller's connection,
 * inside its transaction. */
#ifndef DAOID_HELD_USERNAMES_H
#define DAOID_HELD_USERNAMES_H

#include "store.h"

/* Holds of username live at now for someone other than except (0: anyone); -1 on error. */
int64_t held_usernames_count(struct st_conn *c, const char *username, int64_t except, int64_t now);
/* Holds username until until for account (0: nobody), replacing an older hold. 0 or -1. */
int held_usernames_hold(struct st_conn *c, const char *username, int64_t account, int64_t until,
                        int64_t now);
/* Ends account's own hold of username (it takes the name back). 0 or -1. */
int held_usernames_unhold(struct st_conn *c, const char *username, int64_t account);
/* Ends the hold of username that belongs to nobody (a deleted account's: an operator releases
 * it, daoid admin release-username). 1 ended, 0 there was none, -1 on error. */
int held_usernames_release(struct st_conn *c, const char *username);
/* The holds of account become nobody's (the account is being deleted). 0 or -1. */
int held_usernames_detach(struct st_conn *c, int64_t account);

struct held_username {
    char *username;
    int64_t held_until;
};
/* account's holds, soonest end first, at most max into out[]; the number, or -1. */
int held_usernames_list(struct st_conn *c, struct arena *a, int64_t account,
                        struct held_username *out, int max);
/* Janitor: removes holds over at now, at most ST_SWEEP_BATCH a call; rows removed or -1. */
int64_t held_usernames_sweep(struct st_conn *c, int64_t now);

#endif
