/* account: the rules for usernames and emails, and the accounts table.
 *
 * Invariants:
 *  1. username is canonical: NFKC + case folded input that passes the Docker-namespace rule
 *     (3–30 of [a-z0-9], single '-' or '_' between them), not reserved; unique; and not held
 *     (a name released by a rename or a deletion stays out of reach of other accounts for
 *     username_hold, see held_usernames).
 *  2. An email address belongs to at most one account *verified*. Unverified claims may be
 *     held by several accounts at once; the first to verify wins and the other claims are
 *     cleared in the same transaction. So a squatter who registers someone else's address
 *     never blocks or captures the owner (pre-account takeover), and sign-in by email uses the
 *     verified owner, or an unverified address only while exactly one account claims it.
 *  3. An account row and the outbox row of its verification mail are written in one
 *     transaction (signup.c), so no account exists without its mail and vice versa.
 *  4. No answer tells whether an address is another account's verified one: a sign-up (by
 *     email, GitHub or WeChat) or an email change naming it is answered as for a free address
 *     (an unverified claim, a link issued), but the link is never sent there; the owner gets a
 *     notice instead (account_address_used), and the claim can never be verified (it is swept
 *     with the other unverified accounts, closure.h). Only an address the provider proved to
 *     be the person's own may be told "taken" (the owner learns about their own account). */
#ifndef DAOID_ACCOUNT_H
#define DAOID_ACCOUNT_H

#include <stdint.h>

#include "accounts.h" /* struct account, the table's owner */

struct arena;
struct st_conn;

enum name_rc { NAME_OK, NAME_EMPTY, NAME_LENGTH, NAME_CHARS, NAME_RESERVED };
enum email_rc { EMAIL_OK, EMAIL_EMPTY, EMAIL_INVALID, EMAIL_TOO_LONG };

/* Canonical form of a typed username into *out (in a). */
enum name_rc account_username_normalize(struct arena *a, const char *in, const char **out);
/* 1 when the canonical name is reserved (built-in list or the site name). */
int account_username_reserved(const char *canonical);
/* Trimmed address (*display) and its lookup key (*norm, lower case), in a. */
enum email_rc account_email_normalize(struct arena *a, const char *in, const char **display,
                                      const char **norm);

enum acct_rc {
    ACCT_OK,
    ACCT_NOTFOUND,
    ACCT_USERNAME_TAKEN,
    ACCT_EMAIL_TAKEN, /* verified by another account */
    ACCT_STORE_ERR,
};

#define ACCOUNT_NOTICES_PER_DAY 3 /* "someone tried to use your address" mails per address */

/* Invariant 4: when another account than except (0: none) holds email_norm verified, queues
 * the notice to its owner ("someone tried to use your address for another account; if it was
 * you, sign in or reset your password"), at most ACCOUNT_NOTICES_PER_DAY a day per address,
 * and returns 1; 0 when the address is nobody else's; -1 on error. Inside the caller's
 * transaction; lang: the notice's language. */
int account_address_used(struct st_conn *c, struct arena *a, const char *email_norm, int64_t except,
                         const char *lang, int64_t now);
/* Inserts an account (inside the caller's transaction); *id set on ACCT_OK. email may be NULL;
 * pw_hash may be NULL. An unverified address may be another account's verified one
 * (invariant 4); a verified one may not (ACCT_EMAIL_TAKEN). ACCT_USERNAME_TAKEN also for a
 * held name (roll back then). */
enum acct_rc account_insert(struct st_conn *c, const char *username, const char *email,
                            const char *email_norm, int verified, const char *pw_hash, int64_t now,
                            int64_t *id);
/* 1 when another account holds email_norm verified, 0 when not, -1 on error. */
int account_email_verified_elsewhere(struct st_conn *c, const char *email_norm, int64_t except);
/* 1 when the canonical username exists or is held, 0 when not, -1 on error. */
int account_username_exists(struct st_conn *c, const char *canonical);
/* 1 when the canonical username is held at now for an account other than except (0: any),
 * 0 when not, -1 on error. */
int account_username_held(struct st_conn *c, const char *canonical, int64_t except, int64_t now);

enum acct_rc account_by_id(struct st_conn *c, struct arena *a, int64_t id, struct account *out);
/* The account a sign-in identifier names: an email (invariant 2) or a username. */
enum acct_rc account_by_login(struct st_conn *c, struct arena *a, const char *identifier,
                              struct account *out);
/* Locks (inside the caller's transaction) every account claiming email_norm, and the account
 * also (0: none), in id order. Transactions that change claims on an address take this lock
 * before any other row of theirs (tokens included), so they queue instead of deadlocking.
 * 0 or -1. */
int account_lock_claims(struct st_conn *c, const char *email_norm, int64_t also);
/* Marks email_norm verified for id when it is still the account's address; clears the
 * unverified claims of other accounts (invariant 2). Inside the caller's transaction.
 * ACCT_OK, ACCT_NOTFOUND (the account changed its address since), ACCT_EMAIL_TAKEN. */
enum acct_rc account_verify_email(struct st_conn *c, int64_t id, const char *email_norm,
                                  int64_t now);
/* email_norm is proven to be id's: the unverified claims of other accounts on it end, with
 * their verification links. Inside the caller's transaction, after account_lock_claims. 0/-1. */
int account_claim_address(struct st_conn *c, const char *email_norm, int64_t id, int64_t now);
/* Replaces the password hash (re-hash on sign-in). */
int account_set_password_hash(struct st_conn *c, int64_t id, const char *hash, int64_t now);

/* The catalog key of the message for a rejected username or email (never for *_OK). */
const char *account_name_error(enum name_rc rc);
const char *account_email_error(enum email_rc rc);

#endif
