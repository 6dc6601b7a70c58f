/* h_api: the JSON API (GET /api/v1/me). Errors are {"error": CODE} with stable codes.
 * /api/v1/me answers from the session lookup alone (one query per request). */
#include <jansson.h>
#include <stdlib.h>

#include "arena.h"
#include "handlers.h"
#include "http.h"
#include "session.h"

void h_api_me(struct req *r)
{
    const struct session *s = r->sess;
    json_t *j = json_pack("{s:I, s:s, s:s?, s:b, s:b, s:I}", "id", (json_int_t)s->account_id,
                          "username", s->username, "email", s->email, "email_verified",
                          s->email_verified, "has_password", s->has_password, "created_at",
                          (json_int_t)s->account_created_at);
    char *body = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    arena_cleanup(r->a, free, body);
    resp_json(r, 200, body);
}
