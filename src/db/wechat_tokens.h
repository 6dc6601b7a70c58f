/* wechat_tokens: the owner of the wechat_tokens table: one row per AppID holding the shared
 * access token (sealed by core/wechat_token.c, never in clear here) and the lease under which
 * one caller at a time fetches a new one. core/wechat_token.h has the states and invariants;
 * every statement on the table is here (q_wechat.h).
 *
 * The lease: lease_until in the future with a lease_owner is a fetch in progress; with
 * lease_owner "" it is a back-off after a failed fetch (nobody fetches before then). Only the
 * owner's calls (store, end) change a held lease. */
#ifndef DAOID_WECHAT_TOKENS_H
#define DAOID_WECHAT_TOKENS_H

#include <stdint.h>

#include "store.h"

struct arena;

struct wechat_tokens_row {
    char *token; /* the stored (sealed) form; NULL or "" when none */
    int64_t expires_at, refresh_at;
    char *lease_owner;
    int64_t lease_until;
};

/* The row of app_id into out (filled only on ST_OK; strings in a). ST_OK, ST_NOTFOUND or an
 * error. */
enum st_rc wechat_tokens_get(struct st_conn *c, struct arena *a, const char *app_id,
                             struct wechat_tokens_row *out);
/* Creates the (empty) row of app_id unless it exists. 0 or -1. */
int wechat_tokens_create(struct st_conn *c, const char *app_id);
/* Takes the lease for owner until until, when no lease or back-off runs at now. 1 taken, 0
 * held by another (or backing off), -1 on an error. */
int wechat_tokens_lease_take(struct st_conn *c, const char *app_id, const char *owner, int64_t now,
                             int64_t until);
/* Stores token (sealed) with its expiry and refresh times and ends owner's lease (counting
 * the fetch); nothing when owner no longer holds it. 0 or -1. */
int wechat_tokens_lease_store(struct st_conn *c, const char *app_id, const char *owner,
                              const char *token, int64_t expires_at, int64_t refresh_at,
                              int64_t now);
/* Ends owner's lease with a back-off until until (0: none). 0 or -1. */
int wechat_tokens_lease_end(struct st_conn *c, const char *app_id, const char *owner,
                            int64_t until);
/* Marks token expired if it is still the stored one. 0 or -1. */
int wechat_tokens_invalidate(struct st_conn *c, const char *app_id, const char *token);

#endif
