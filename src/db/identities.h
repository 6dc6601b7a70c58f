/* identities: the owner of the identities table: an account's identity at another sign-in
 * provider (GitHub, Bitbucket, Coding, WeChat). Typed reads and writes only; the rules (who
 * may link, the last way to sign in) live in core/identity.c.
 *
 * Invariant: (provider, subject) is unique, and so is (account_id, provider): an insert that
 * breaks either gives ST_CONFLICT. Each row records (bound_verified, set by the insert itself)
 * whether its account's address was verified when it was bound. */
#ifndef DAOID_IDENTITIES_H
#define DAOID_IDENTITIES_H

#include <stdint.h>

#include "store.h"

struct arena;

struct identity {
    int64_t id;
    char *provider; /* "github", "bitbucket", "coding", "wechat" */
    char *subject;  /* the provider's stable id */
    char *login;    /* shown to the user; may be NULL */
    char *email;    /* as the provider reported it; may be NULL */
    char *extra;    /* provider-specific JSON; may be NULL */
    int64_t account_id;
    int64_t created_at;
};

/* The identity (provider, subject). Strings in a. ST_OK, ST_NOTFOUND or an error. */
enum st_rc identities_find(struct st_conn *c, struct arena *a, const char *provider,
                           const char *subject, struct identity *out);
/* The account's identity at provider. */
enum st_rc identities_of(struct st_conn *c, struct arena *a, int64_t account_id,
                         const char *provider, struct identity *out);
/* The account holding (provider, subject) into *account_id. ST_OK, ST_NOTFOUND or an error. */
enum st_rc identities_owner(struct st_conn *c, const char *provider, const char *subject,
                            int64_t *account_id);
/* The subject of the first identity at provider whose extra is exactly extra_is or starts
 * with extra_prefix (in a); ST_NOTFOUND when none. */
enum st_rc identities_find_by_extra(struct st_conn *c, struct arena *a, const char *provider,
                                    const char *extra_is, const char *extra_prefix, char **subject);
/* A new row; login, email and extra may be NULL. ST_CONFLICT when a unique index refused. */
enum st_rc identities_insert(struct st_conn *c, int64_t account_id, const char *provider,
                             const char *subject, const char *login, const char *email,
                             const char *extra, int64_t now);
/* What the provider shows now (extra NULL: kept). 0 or -1. */
int identities_touch(struct st_conn *c, int64_t id, const char *login, const char *email,
                     const char *extra, int64_t now);
/* Moves identity id from subject from to subject to (only while it is still from). 0 or -1. */
int identities_resubject(struct st_conn *c, int64_t id, const char *from, const char *to,
                         int64_t now);
/* The account's identities, oldest first: *out (in a) and *n. 0 or -1. */
int identities_list(struct st_conn *c, struct arena *a, int64_t account_id, struct identity **out,
                    int *n);
/* Calls fn with the provider of each of the account's identities. 0 or -1. */
int identities_each_provider(struct st_conn *c, int64_t account_id,
                             void (*fn)(void *ctx, const char *provider), void *ctx);
/* Calls fn with the provider of each identity of the account bound while its address was not
 * verified, oldest first. 0 or -1. */
int identities_each_unproven(struct st_conn *c, int64_t account_id,
                             void (*fn)(void *ctx, const char *provider), void *ctx);
/* Deletes those identities (their provider tokens go with them: cascade); how many, or -1. */
int64_t identities_delete_unproven(struct st_conn *c, int64_t account_id);
/* Marks every identity of the account as bound under a verified address. 0 or -1. */
int identities_adopt(struct st_conn *c, int64_t account_id);
/* How many identities the account has (at provider; NULL: at all). 0 or -1. */
int identities_count(struct st_conn *c, int64_t account_id, const char *provider, int64_t *n);
/* Deletes the account's identity at provider. 0 or -1. */
int identities_delete(struct st_conn *c, int64_t account_id, const char *provider);

#endif
