/* accounts: owner of the accounts table. Every statement on accounts outside the owners not yet
 * converted (signup, oauth_flow, wechat_login, identity) is one of these functions; the rules
 * (canonical usernames, one verified owner per address) are account.c's. Functions run on the
 * caller's connection, inside the caller's transaction when it holds one; text comes back in
 * the caller's arena. Rows are deleted only by closure (accounts_delete): no sweep. */
#ifndef DAOID_ACCOUNTS_H
#define DAOID_ACCOUNTS_H

#include "store.h"

struct account {
    int64_t id;
    char *username;
    char *email; /* NULL when none */
    int email_verified;
    char *password_hash; /* NULL for accounts without a password */
    int status;          /* 0 active, 1 disabled */
    int64_t created_at;
};

/* A new row; *id set on ST_OK; ST_CONFLICT when the username is taken. */
enum st_rc accounts_insert(struct st_conn *c, const char *username, const char *email,
                           const char *email_norm, int verified, const char *pw_hash, int64_t now,
                           int64_t *id);
/* One account: ST_OK, ST_NOTFOUND or an error. */
enum st_rc accounts_by_id(struct st_conn *c, struct arena *a, int64_t id, struct account *out);
enum st_rc accounts_by_username(struct st_conn *c, struct arena *a, const char *canonical,
                                struct account *out);
/* The account that holds email_norm verified; with verified 0, the one that claims it (the
 * caller makes sure there is exactly one: accounts_count_email). */
enum st_rc accounts_by_email(struct st_conn *c, struct arena *a, const char *email_norm,
                             int verified, struct account *out);
/* Accounts whose username or address matches the LIKE pattern (with \ escapes), by id, at most
 * max (≤ 50), into out[]; the number found, or -1. */
int accounts_find(struct st_conn *c, struct arena *a, const char *pattern, struct account *out,
                  int max);
/* Counts; -1 on error. */
int64_t accounts_count_username(struct st_conn *c, const char *canonical);
int64_t accounts_count_email(struct st_conn *c, const char *email_norm);
int64_t accounts_count_verified_elsewhere(struct st_conn *c, const char *email_norm,
                                          int64_t except);
/* 1 when the account has a password, 0 when not (or no such account), -1 on error. */
int accounts_has_password(struct st_conn *c, int64_t id);
/* Locks the account's row until the transaction ends (PostgreSQL FOR UPDATE; SQLite's write
 * lock is held already): 1 locked, 0 no such account, -1 on error. */
int accounts_lock(struct st_conn *c, int64_t id);
/* Locks every account claiming email_norm, and also (0: none), in id order. 0 or -1. */
int accounts_lock_claims(struct st_conn *c, const char *email_norm, int64_t also);
/* email_verified = 1 where id still has email_norm; rows changed (0 or 1), or -1;
 * -2 when the address is verified elsewhere (a unique index refused it). */
int64_t accounts_mark_verified(struct st_conn *c, int64_t id, const char *email_norm, int64_t now);
/* Clears the unverified claims on email_norm of every account but except. 0 or -1. */
int accounts_clear_claims(struct st_conn *c, const char *email_norm, int64_t except, int64_t now);
/* Sets the address (verified); rows changed, -1 on error, -2 when taken. */
int64_t accounts_set_email(struct st_conn *c, int64_t id, const char *email, const char *email_norm,
                           int64_t now);
/* 0 or -1. */
int accounts_set_password_hash(struct st_conn *c, int64_t id, const char *hash, int64_t now);
/* ST_OK, ST_CONFLICT (the name is taken) or an error. */
enum st_rc accounts_set_username(struct st_conn *c, int64_t id, const char *username, int64_t now);
int accounts_set_status(struct st_conn *c, int64_t id, int disabled, int64_t now);
/* The console tour: done at now, or not done. 0 or -1. */
int accounts_set_tour_done(struct st_conn *c, int64_t id, int done, int64_t now);
/* The console's dismissed offers: adds the bits of mask; reads them (0 for no such account).
 * 0 or -1. */
int accounts_dismiss_offer(struct st_conn *c, int64_t id, int64_t mask);
int accounts_offers_dismissed(struct st_conn *c, int64_t id, int64_t *mask);
/* Deletes the row (its sessions, tokens, identities… go by foreign key). 0 or -1. */
int accounts_delete(struct st_conn *c, int64_t id);
/* At most max ids (into ids[], oldest first) of accounts created before before with neither
 * a verified address nor an identity. How many, or -1. */
int accounts_unverified_before(struct st_conn *c, int64_t before, int64_t *ids, int max);

#endif
