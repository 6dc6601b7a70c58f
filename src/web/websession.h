/* websession: a request's session, between the session cookie and the session rows
 * (session.h). The cookie holds the token (persistent: session_absolute at most); r->sess is
 * the loaded session, loaded at most once per request (r->sess_loaded). */
#ifndef DAOID_WEBSESSION_H
#define DAOID_WEBSESSION_H

#include <stdint.h>

struct req;

#define WEBSESSION_COOKIE "session"

/* Loads r->sess from the cookie (NULL when none or expired). 0, or -1 when the store failed. */
int websession_load(struct req *r);
/* Signs r's browser in as account_id, by amr (session.h: "pwd", "github", "wechat", ...): ends the
 * browser's previous session, creates a new one and sets the cookie (r->sess is loaded again on the
 * next websession_load); the CSRF cookie is renewed too (csrf_renew). 0 or -1. */
int websession_begin(struct req *r, int64_t account_id, const char *amr);
/* Signs r's browser out: ends the session, deletes the cookie and renews the CSRF cookie. */
void websession_end(struct req *r);

#endif
