/* h_api: the JSON API (GET /api/v1/me). Errors are {"error": CODE} with stable codes. */
#include <jansson.h>
#include <stdlib.h>

#include "account.h"
#include "arena.h"
#include "handlers.h"
#include "http.h"
#include "page.h"
#include "session.h"
#include "store.h"

void h_api_me(struct req *r)
{
    struct st_conn *c = st_get();
    struct account a;
    if (!c || account_by_id(c, r->a, r->sess->account_id, &a) != ACCT_OK) {
        page_error(r, 503, "error.unavailable");
        return;
    }
    json_t *j = json_pack("{s:I, s:s, s:s?, s:b, s:b, s:I}", "id", (json_int_t)a.id, "username",
                          a.username, "email", a.email, "email_verified", a.email_verified,
                          "has_password", a.password_hash != NULL, "created_at",
                          (json_int_t)a.created_at);
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    char *body = arena_strdup(r->a, s);
    free(s);
    resp_json(r, 200, body);
}
