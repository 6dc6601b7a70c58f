/* sessions: owner of the sessions table — one row per signed-in browser, keyed by the hash of
 * its cookie (session.c makes the cookie). Functions run on the caller's connection; the
 * janitor calls sessions_sweep. */
#ifndef DAOID_SESSIONS_H
#define DAOID_SESSIONS_H

#include "store.h"

/* A session joined with its account, as session_load needs it (text in the caller's arena). */
struct sessions_loaded {
    int64_t account_id, created_at, last_seen, expires_at, auth_at;
    char *username, *email;
    char *amr; /* how the session signed in (session.h) */
    int64_t email_verified, has_password, status, account_created_at, tour_done_at;
    int64_t bonus_units; /* the account's granted units (grants) */
    int64_t has_factor;  /* 1: a confirmed authenticator app or a passkey (totp_secrets,
                          * passkeys) */
    char *identities;    /* JSON [{"provider","login","linked_at"}] (identities, by age) */
};
enum st_rc sessions_load(struct st_conn *c, struct arena *a, const char *id_hash,
                         struct sessions_loaded *out);
/* amr: how it signed in (session.h; NULL: ""). 0 or -1. */
int sessions_insert(struct st_conn *c, const char *id_hash, int64_t account, int64_t now,
                    int64_t expires_at, const char *ip, const char *user_agent, const char *amr);
int sessions_delete(struct st_conn *c, const char *id_hash);
int sessions_touch(struct st_conn *c, const char *id_hash, int64_t now);
/* Signed in again (password or provider) at now. */
int sessions_reauth(struct st_conn *c, const char *id_hash, int64_t now);
/* Ends account's session id_hash / all but keep ("" or NULL: none kept) / all of them;
 * sessions ended, or -1. */
int64_t sessions_end_one(struct st_conn *c, int64_t account, const char *id_hash);
int64_t sessions_end_others(struct st_conn *c, int64_t account, const char *keep);
int64_t sessions_end_all(struct st_conn *c, int64_t account);

struct session_row {
    char *id_hash, *ip, *user_agent;
    int64_t created_at, last_seen;
};
/* account's sessions live at now, first (current, may be NULL) then the most recently used,
 * at most max (≤ 50) into out[]; the number, or -1. */
int sessions_list(struct st_conn *c, struct arena *a, int64_t account, const char *current,
                  int64_t now, struct session_row *out, int max);
/* Janitor: removes sessions expired at now and sessions idle since before idle_before, at most
 * ST_SWEEP_BATCH of each kind a call (two transactions); rows or -1. */
int64_t sessions_sweep(struct st_conn *c, int64_t now, int64_t idle_before);

/* Metrics: sessions used at since or later; -1 on error. */
int64_t sessions_count_seen(struct st_conn *c, int64_t since);

#endif
