/* h_oidc_token: the OpenID Connect provider's machine endpoints: POST /oauth/token,
 * GET|POST /oauth/userinfo, POST /oauth/revoke (RFC 7009), POST /oauth/introspect (RFC 7662).
 * Form-encoded requests, JSON answers (oidc_token.h decides both). */
#include <time.h>

#include "handlers.h"
#include "http.h"
#include "json_reply.h"
#include "oidc_token.h"

static void answer(struct req *r, struct ot_out *o)
{
    if (o->www_authenticate) resp_header(r, "WWW-Authenticate", o->www_authenticate);
    resp_header(r, "Pragma", "no-cache");
    json_reply(r, o->status, o->body);
}

static void read_in(struct req *r, struct ot_in *in)
{
    *in = (struct ot_in){
        .authorization = req_header(r, "Authorization"),
        .grant_type = req_form(r, "grant_type"),
        .code = req_form(r, "code"),
        .redirect_uri = req_form(r, "redirect_uri"),
        .code_verifier = req_form(r, "code_verifier"),
        .refresh_token = req_form(r, "refresh_token"),
        .scope = req_form(r, "scope"),
        .client_id = req_form(r, "client_id"),
        .client_secret = req_form(r, "client_secret"),
        .token = req_form(r, "token"),
        .token_type_hint = req_form(r, "token_type_hint"),
    };
}

typedef void (*endpoint_fn)(struct arena *, const struct ot_in *, int64_t, struct ot_out *);

static void endpoint(struct req *r, endpoint_fn fn)
{
    struct ot_in in;
    struct ot_out o;
    read_in(r, &in);
    fn(r->a, &in, (int64_t)time(NULL), &o);
    answer(r, &o);
}

void h_oidc_token(struct req *r)
{
    endpoint(r, oidc_token_endpoint);
}

void h_oidc_revoke(struct req *r)
{
    endpoint(r, oidc_token_revoke);
}

void h_oidc_introspect(struct req *r)
{
    endpoint(r, oidc_token_introspect);
}

void h_oidc_userinfo(struct req *r)
{
    struct ot_out o;
    oidc_userinfo(r->a, req_header(r, "Authorization"), req_form(r, "access_token"),
                  (int64_t)time(NULL), &o);
    answer(r, &o);
}
