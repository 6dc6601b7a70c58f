/* h_registry_token: the Distribution token endpoint (GET /v2/token and /registry/token, as the
 * registry's auth.token.realm says). Answers {"token","access_token","expires_in","issued_at"}
 * or {"errors":[{"code","message"}]} (the registry's error shape, which docker prints). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "config.h"
#include "handlers.h"
#include "http.h"
#include "registry_scope.h"
#include "registry_token.h"

static const int status_of[] = {
    [RT_OK] = 200,      [RT_BAD_REQUEST] = 400, [RT_UNAUTHORIZED] = 401,
    [RT_LIMITED] = 429, [RT_UNAVAILABLE] = 503,
};

static void send_json(struct req *r, int status, json_t *j)
{
    char *body = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    arena_cleanup(r->a, free, body);
    resp_json(r, status, body);
}

void h_registry_token(struct req *r)
{
    if (strcmp(r->path, cfg->registry_realm_path)) {
        send_json(r, 404,
                  json_pack("{s:[{s:s, s:s}]}", "errors", "code", "NOT_FOUND", "message",
                            "the token endpoint is at another path"));
        return;
    }
    const char *scopes[REG_SCOPE_MAX + 1];
    int n = req_arg_all(r, "scope", scopes, REG_SCOPE_MAX + 1);
    struct reg_token_in in = {
        .authorization = req_header(r, "Authorization"),
        .service = req_arg(r, "service"),
        .scopes = scopes,
        .nscopes = n > REG_SCOPE_MAX ? REG_SCOPE_MAX + 1 : n,
        .ip = r->ip,
    };
    struct reg_token_out o;
    enum rt_rc rc = registry_token_issue(r->a, &in, &o);
    if (rc != RT_OK) {
        if (rc == RT_UNAUTHORIZED)
            resp_header(r, "WWW-Authenticate", "Basic realm=\"registry\", charset=\"UTF-8\"");
        send_json(r, status_of[rc],
                  json_pack("{s:[{s:s, s:s}]}", "errors", "code", o.code, "message", o.message));
        return;
    }
    char at[32];
    time_t t = (time_t)o.issued_at;
    struct tm tm;
    strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
    send_json(r, 200,
              json_pack("{s:s, s:s, s:I, s:s}", "token", o.token, "access_token", o.token,
                        "expires_in", (json_int_t)o.expires_in, "issued_at", at));
}
