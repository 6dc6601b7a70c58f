/* session: signed-in browsers, as rows. A browser holds a 256-bit token (websession.h keeps it
 * in a cookie); the store holds only its hash, the account, the times and the device. Sessions
 * end on sign-out (row deleted), after session_idle without use, or session_absolute after
 * sign-in; a new token is issued at every sign-in (session_rotate: no fixation). last_seen is
 * written at most once a minute per session so that checking a session is a read, not a
 * write. Nothing here knows about requests or cookies. */
#ifndef DAOID_SESSION_H
#define DAOID_SESSION_H

#include <stdint.h>

#include "token.h"

struct arena;
struct st_conn;

#define SESSION_TOUCH_EVERY 60

/* The session cache keeps copies of this struct whole (session.c's pack): a text field added
 * here is added to SESSION_TEXTS in session.c. */
struct session {
    char id_hash[65];
    int64_t account_id;
    const char *username;
    const char *email; /* NULL when none */
    int email_verified;
    int has_password;
    int64_t created_at; /* of the session */
    int64_t auth_at;    /* last sign-in or re-authentication in this session */
    const char *amr;    /* how it signed in: space-separated method names (RFC 8176 style), "pwd"
                         * for a password, the provider's name ("github", "wechat", ...); "" for
                         * sessions older than this column */
    int64_t account_created_at; /* of the account */
    int tour_done;              /* the console's first-visit tour was finished or skipped */
    int64_t bonus_units;        /* sum of the account's grants (grants.h), read in the same query */
    const char *identities;     /* JSON [{"provider","login","linked_at"}]: the account's
                                 * identities at other providers, same query (GET /api/v1/me) */
    int has_factor; /* the account has a second factor (an authenticator app or a passkey),
                     * same query: what require_2fa's check reads (mfa_session_setup_due),
                     * kept current like the rest (the factors' owners report changes) */
};

/* The live session whose token is tok, with its account, in a (*out NULL when tok is NULL or
 * malformed, unknown, expired or idle — such a row is deleted — or its account is not
 * active). 0, or -1 when the store failed. */
int session_load(struct arena *a, const char *tok, struct session **out);
/* A new session of account_id from ip with user_agent (may be NULL), signed in by amr (see
 * struct session; NULL: ""); its token in tok. 0 or -1. */
int session_create(int64_t account_id, const char *ip, const char *user_agent, const char *amr,
                   char tok[TOKEN_LEN + 1]);
/* Sign-in: ends the session of old_tok (may be NULL) and creates a new one as session_create
 * does. 0 or -1. */
int session_rotate(const char *old_tok, int64_t account_id, const char *ip, const char *user_agent,
                   const char *amr, char tok[TOKEN_LEN + 1]);
/* Ends the session of tok (NULL or malformed: nothing to do). */
void session_end(const char *tok);
/* 1 when s (may be NULL: 0) signed in (or re-authenticated) within reauth_window: sensitive
 * changes (email, password, unbinding, deletion) need that or the password. */
int session_fresh(const struct session *s);
/* Records a re-authentication of s now (s->auth_at too). 0, or -1 (also when s is NULL). */
int session_reauthenticated(struct session *s);
/* Deletes expired sessions, at most a batch of each kind a call (sessions_sweep); how many, or
 * -1. */
int64_t session_sweep(struct st_conn *c, int64_t now);

#endif
