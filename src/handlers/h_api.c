/* h_api: the JSON API (GET /api/v1/me). Errors are {"error": CODE} with stable codes.
 * /api/v1/me answers from the session lookup alone (which also sums the resource grants and
 * lists the linked identities): a session in the node's cache runs no statement. */
#include <jansson.h>
#include <stdlib.h>

#include "arena.h"
#include "handlers.h"
#include "http.h"
#include "identity.h"
#include "oauth_flow.h"
#include "page.h"
#include "resources.h"
#include "session.h"

/* [{"provider","login","linked_at"}] of the account (login left out when there is none); NULL
 * on a store error. From the session when it has them, else from the store. */
static json_t *identities_json(struct req *r)
{
    if (r->sess->identities) {
        json_t *list = json_loads(r->sess->identities, 0, NULL), *it;
        size_t i;
        if (!json_is_array(list)) {
            json_decref(list);
            return NULL;
        }
        json_array_foreach(list, i, it)
        {
            if (json_is_null(json_object_get(it, "login"))) json_object_del(it, "login");
        }
        return list;
    }
    struct identity *v = NULL;
    int n = 0;
    if (oauth_flow_identities(r->a, r->sess->account_id, &v, &n) != 0) return NULL;
    json_t *list = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(list,
                              json_pack("{s:s, s:s?, s:I}", "provider", v[i].provider, "login",
                                        v[i].login, "linked_at", (json_int_t)v[i].created_at));
    return list;
}

void h_api_me(struct req *r)
{
    const struct session *s = r->sess;
    json_t *j =
        json_pack("{s:I, s:s, s:s?, s:b, s:b, s:I}", "id", (json_int_t)s->account_id, "username",
                  s->username, "email", s->email, "email_verified", s->email_verified,
                  "has_password", s->has_password, "created_at", (json_int_t)s->account_created_at);
    /* console: the first-visit tour was finished or skipped */
    json_object_set_new(j, "tour_done", json_boolean(s->tour_done));
    /* GitHub issue: the identities at other sign-in providers */
    json_t *ids = identities_json(r);
    if (!ids) {
        json_decref(j);
        page_error(r, 503, "error.unavailable");
        return;
    }
    json_object_set_new(j, "identities", ids);
    /* WeChat issue: the resources, in 1X units (base plan + bonus grants) */
    struct resources res;
    resources_from_bonus(s->bonus_units, &res);
    json_object_set_new(j, "resources",
                        json_pack("{s:I, s:I, s:I}", "base", (json_int_t)res.base, "bonus",
                                  (json_int_t)res.bonus, "total", (json_int_t)res.total));
    char *body = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    arena_cleanup(r->a, free, body);
    resp_json(r, 200, body);
}
