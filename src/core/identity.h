/* identity: accounts' identities at other sign-in providers (GitHub, Bitbucket, Coding,
 * WeChat), the identities table.
 *
 * Invariants:
 *  1. (provider, subject) belongs to at most one account, and an account has at most one
 *     identity per provider (unique indexes).
 *  2. Linking never happens by email or username: only a signed-in account (or one being
 *     created in the same transaction) gets an identity linked.
 *  3. An account keeps at least one way to sign in that works now: a password, or an identity
 *     at a provider offered now (ways_in_provider, ways_in.h). An unlink that would leave
 *     none is refused (checked under a lock on the account's row); so is unlinking the last
 *     identity of an account that has no usable way left (it works again if its provider
 *     is configured again).
 *  4. A proof of the mailbox made from outside the account (a password reset, a verification
 *     link opened in a browser not signed in to it) ends every way in its owner did not add:
 *     the identities bound while the address was not verified go (with their provider tokens)
 *     and every session ends, in the proof's transaction (identity_proof_outside). A proof
 *     made by the account's holder (the link opened in a browser signed in to it, an email
 *     change it asked for) adopts its identities instead (identity_proof_holder). */
#ifndef DAOID_IDENTITY_H
#define DAOID_IDENTITY_H

#include <stdint.h>

#include "identities.h" /* struct identity */

struct arena;

enum ident_rc {
    IDENT_OK,
    IDENT_NOTFOUND,
    IDENT_TAKEN,          /* (provider, subject) is linked to another account */
    IDENT_PROVIDER_TAKEN, /* the account already has an identity at this provider */
    IDENT_LAST_METHOD,    /* unlinking would leave no way to sign in */
    IDENT_STORE_ERR,
};

/* The identity (provider, subject), with its account. Strings in a. */
enum ident_rc identity_find(struct st_conn *c, struct arena *a, const char *provider,
                            const char *subject, struct identity *out);
/* The account's identity at provider. */
enum ident_rc identity_of(struct st_conn *c, struct arena *a, int64_t account_id,
                          const char *provider, struct identity *out);
/* Links (inside the caller's transaction). login, email and extra may be NULL. */
enum ident_rc identity_link(struct st_conn *c, int64_t account_id, const char *provider,
                            const char *subject, const char *login, const char *email,
                            const char *extra, int64_t now);
/* Refreshes what the provider shows (login, email, extra) at sign-in. */
enum ident_rc identity_touch(struct st_conn *c, int64_t id, const char *login, const char *email,
                             const char *extra, int64_t now);
/* Unlinks the account's identity at provider (its own transaction), unless no usable way to
 * sign in would be left (IDENT_LAST_METHOD). */
enum ident_rc identity_unlink(struct st_conn *c, int64_t account_id, const char *provider);
/* What identity_proof_outside removed: the providers unlinked, by their names in the mail's
 * language joined with ", " (in a; NULL when none), and the sessions ended. */
struct ways_removed {
    const char *providers;
    int identities;
    int64_t sessions;
};
/* Invariant 4, inside the caller's transaction (the account row locked first): unlinks the
 * identities bound while the address was not verified and ends every session. lang names the
 * providers in *out. 0 or -1. */
int identity_proof_outside(struct st_conn *c, struct arena *a, int64_t account_id, const char *lang,
                           struct ways_removed *out);
/* Invariant 4, inside the caller's transaction: the account's identities count as bound under
 * its verified address from now on. 0 or -1. */
int identity_proof_holder(struct st_conn *c, int64_t account_id);
/* "removed" (the names of the providers) and "sessions" for the mails and pages that say what
 * a proof removed, in v; nothing when nothing was removed. */
struct tmpl_ctx;
void identity_removed_vars(struct arena *a, struct tmpl_ctx *v, const struct ways_removed *w);
/* The account's identities, oldest first: *out (in a) and *n. 0 or -1. */
int identity_list(struct st_conn *c, struct arena *a, int64_t account_id, struct identity **out,
                  int *n);
/* Ways the account can sign in now: 1 for a password, plus one per identity at a provider
 * offered now (ways_in_provider); -1 on error. */
int identity_signin_methods(struct st_conn *c, int64_t account_id);
/* The account's identities at providers that are not usable now, other than at except (may
 * be NULL); -1 on error. */
int identity_unusable_count(struct st_conn *c, int64_t account_id, const char *except);

#endif
