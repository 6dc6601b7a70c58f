/* session: signed-in browsers. The cookie holds a 256-bit token; the store holds only its
 * hash, the account, the times and the device. Sessions end on sign-out (row deleted), after
 * session_idle without use, or session_absolute after sign-in; a new token is issued at every
 * sign-in (no fixation). last_seen is written at most once a minute per session so that
 * checking a session is a read, not a write. */
#ifndef DAOID_SESSION_H
#define DAOID_SESSION_H

#include <stdint.h>

struct req;
struct st_conn;

#define SESSION_COOKIE      "session"
#define SESSION_TOUCH_EVERY 60

struct session {
    char id_hash[65];
    int64_t account_id;
    const char *username;
    const char *email; /* NULL when none */
    int email_verified;
    int has_password;
    int64_t created_at;         /* of the session */
    int64_t auth_at;            /* last sign-in or re-authentication in this session */
    int64_t account_created_at; /* of the account */
    int tour_done;              /* the console's first-visit tour was finished or skipped */
    int64_t bonus_units;        /* sum of the account's grants (grants.h), read in the same query */
};

/* Loads r->sess from the cookie (NULL when none or expired). 0, or -1 when the store failed. */
int session_load(struct req *r);
/* Signs r's browser in as account_id: ends the browser's previous session, creates a new
 * one and sets the cookie. 0 or -1. */
int session_begin(struct req *r, int64_t account_id);
/* 1 when r's session signed in (or re-authenticated) within reauth_window: sensitive changes
 * (email, password, unbinding, deletion) need that or the password. */
int session_fresh(const struct req *r);
/* Records a re-authentication of r's session now. 0 or -1. */
int session_reauthenticated(struct req *r);
/* Signs r's browser out: deletes the row and the cookie. */
void session_end(struct req *r);
/* Deletes expired sessions; returns how many, or -1. */
int64_t session_sweep(struct st_conn *c, int64_t now);

#endif
