/* csrf: HMAC-SHA-256 (libsodium) over the cookie value, base64url; compared in constant time. */
#include "csrf.h"

#include <sodium.h>
#include <string.h>

#include "arena.h"
#include "config.h"
#include "http.h"
#include "log.h"
#include "secrets.h"
#include "token.h"

_Static_assert(SECRETS_KEY_LEN == crypto_auth_hmacsha256_KEYBYTES, "the CSRF key is an HMAC key");

void csrf_token_for(const char *cookie, char *out)
{
    const unsigned char *key = secrets_csrf_key();
    if (!key) fatalx("csrf: no key (secrets_init has not run)");
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256(mac, (const unsigned char *)cookie, strlen(cookie), key);
    sodium_bin2base64(out, 44, mac, sizeof(mac), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

void csrf_renew(struct req *r)
{
    char *fresh = arena_alloc(r->a, TOKEN_LEN + 1);
    token_new(fresh);
    /* a year: forms opened in old tabs keep working (until the next sign-in or sign-out) */
    resp_cookie(r, CSRF_COOKIE, fresh, 365L * 86400);
    r->csrf_cookie = fresh;
}

const char *csrf_token(struct req *r)
{
    /* the cookie this response sets, when it sets one, is what the next request brings */
    const char *cookie = r->csrf_cookie ? r->csrf_cookie : req_cookie(r, CSRF_COOKIE);
    if (!cookie || !token_wellformed(cookie)) {
        csrf_renew(r);
        cookie = r->csrf_cookie;
    }
    char *tok = arena_alloc(r->a, 44);
    csrf_token_for(cookie, tok);
    return tok;
}

static int same_origin(struct req *r)
{
    const char *site = req_header(r, "Sec-Fetch-Site");
    if (site && strcmp(site, "same-origin") && strcmp(site, "none")) return 0;
    const char *origin = req_header(r, "Origin");
    if (origin && strcmp(origin, cfg->origin)) return 0;
    return 1;
}

int csrf_check(struct req *r)
{
    if (!same_origin(r)) return 0;
    const char *cookie = req_cookie(r, CSRF_COOKIE);
    const char *sent = req_form(r, CSRF_FIELD);
    if (!sent) sent = req_header(r, "X-CSRF-Token");
    if (!cookie || !sent || !token_wellformed(cookie)) return 0;
    char want[44];
    csrf_token_for(cookie, want);
    return token_equal(want, sent);
}
