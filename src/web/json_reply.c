/* json_reply: see json_reply.h. */
#include "json_reply.h"

#include <stdlib.h>

#include "arena.h"
#include "http.h"

void json_reply(struct req *r, int status, json_t *j)
{
    char *body = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!body) {
        resp_json(r, 503, "{\"error\":\"temporarily_unavailable\"}");
        return;
    }
    arena_cleanup(r->a, free, body);
    resp_json(r, status, body);
}
