/* csrf: every POST carries a token that only this site's pages can know: HMAC(key, a random
 * per-browser cookie) (signed double submit), plus an Origin / Sec-Fetch-Site check.
 * SameSite=Lax on the cookies is defence in depth only. The key is the secrets module's
 * (secrets_csrf_key): set before the first request, it never changes while serving. */
#ifndef DAOID_CSRF_H
#define DAOID_CSRF_H

struct req;

#define CSRF_COOKIE "csrf"
#define CSRF_FIELD  "csrf"

/* The token for r's forms; sets the cookie when the browser has none. In r->a. */
const char *csrf_token(struct req *r);
/* Gives r's browser a new cookie (so a new token): at every sign-in and sign-out
 * (websession.c), so a value planted or read before is worth nothing after. */
void csrf_renew(struct req *r);
/* 1 when r (a POST) passes: same origin, and the form field (or X-CSRF-Token header) matches
 * the cookie. */
int csrf_check(struct req *r);
/* Token for a given cookie value (exposed for tests); out needs 44 bytes. */
void csrf_token_for(const char *cookie, char *out);

#endif
