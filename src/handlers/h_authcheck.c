/* h_authcheck: forward auth. GET /auth/check answers a proxy's subrequest: 200 with X-Auth-User,
 * X-Auth-Email (verified addresses only, else empty) and X-Auth-Id for a signed-in browser (in
 * ?group=NAME when given: else 403), 401 otherwise — nginx auth_request takes only 2xx, 401 and
 * 403. With ?redirect=1 (Traefik, Caddy: they pass the answer on) a browser not signed in gets a
 * 302 to sign in instead, back to X-Forwarded-Proto/Host/Uri. GET /auth/start?rd=URL sends a
 * browser to sign in and then to URL, an absolute URL on an allowed host (oidc_forward.h);
 * URL may come unencoded as the last parameter (nginx's $request_uri): see rd_of.
 * With require_2fa, a session of an account still without a second factor counts as not
 * signed in here, and /auth/start sends it to the set-up (the pipeline steers its pages). */
#include <string.h>

#include "arena.h"
#include "handlers.h"
#include "http.h"
#include "mfa.h"
#include "oidc_authz.h"
#include "oidc_forward.h"
#include "page.h"
#include "session.h"

static const char *start_href(struct req *r, const char *rd)
{
    const char *p[] = {"rd", rd, NULL};
    return oidc_url_with(r->a, "/auth/start", p);
}

void h_authcheck(struct req *r)
{
    const char *group = req_arg(r, "group");
    struct session *s = r->sess;
    if (mfa_session_setup_due(s)) s = NULL;
    if (!s) {
        const char *proto = req_header(r, "X-Forwarded-Proto"),
                   *host = req_header(r, "X-Forwarded-Host");
        const char *uri = req_header(r, "X-Forwarded-Uri");
        const char *rd =
            host ? arena_printf(r->a, "%s://%s%s", proto ? proto : "https", host, uri ? uri : "/")
                 : NULL;
        if (req_arg(r, "redirect") && rd && oidc_forward_url_ok(rd))
            return resp_redirect(r, start_href(r, rd));
        resp_header(r, "WWW-Authenticate", "Cookie realm=\"daoid\"");
        return resp_send(r, 401, "text/plain; charset=utf-8", "unauthenticated\n", 16);
    }
    if (group && !oidc_forward_member(group, s->username))
        return resp_send(r, 403, "text/plain; charset=utf-8", "forbidden\n", 10);
    resp_header(r, "X-Auth-User", s->username);
    resp_header(r, "X-Auth-Email", s->email && s->email_verified ? s->email : "");
    resp_header(r, "X-Auth-Id", arena_printf(r->a, "%lld", (long long)s->account_id));
    resp_send(r, 200, "text/plain; charset=utf-8", "ok\n", 3);
}

/* rd with the query parameters after it put back: nginx cannot percent-encode
 * `rd=$scheme://$http_host$request_uri`, so an app URL's own "&a=1&b" arrive as parameters of
 * /auth/start; they belong to rd when it is the last of ours (every key after it is taken as
 * the app's). Their text is encoded again where the decoding made it ambiguous (%, &, #, and =
 * in a key; "k=" comes back as "k"); rd's own value is taken as decoded, as when it comes
 * encoded (Traefik, Caddy), so a %26 in the app's first parameter is still lost. */
struct rd_rest {
    struct arena *a;
    const char *rd;
    int after;
};

static const char *reencode(struct arena *a, const char *s, const char *special)
{
    struct abuf b;
    abuf_init(&b, a, strlen(s) + 16);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '%' || *p == '&' || *p == '#' || strchr(special, *p))
            abuf_printf(&b, "%%%02X", *p);
        else
            abuf_addc(&b, (char)*p);
    }
    return abuf_str(&b);
}

static int rd_part(void *cls, enum req_kind kind, const char *key, const char *val, size_t len)
{
    struct rd_rest *x = cls;
    (void)kind, (void)len;
    if (x->after)
        x->rd = arena_printf(x->a, "%s&%s%s%s", x->rd, reencode(x->a, key, "="),
                             val && *val ? "=" : "", val && *val ? reencode(x->a, val, "") : "");
    else if (!strcmp(key, "rd"))
        x->after = 1;
    return 0;
}

static const char *rd_of(struct req *r)
{
    struct rd_rest x = {r->a, req_arg(r, "rd"), 0};
    if (!x.rd) return NULL;
    req_each(r, REQ_QUERY, rd_part, &x);
    return x.rd;
}

void h_authstart(struct req *r)
{
    const char *rd = rd_of(r);
    if (!oidc_forward_url_ok(rd))
        return page_notice(r, 400, "oidc.err.title", "authcheck.err.rd", NULL, NULL);
    if (mfa_session_setup_due(r->sess)) return resp_redirect(r, "/settings/security?setup=1");
    if (r->sess) return resp_redirect(r, rd);
    const char *p[] = {"next", start_href(r, rd), NULL};
    resp_redirect(r, oidc_url_with(r->a, "/login", p));
}
