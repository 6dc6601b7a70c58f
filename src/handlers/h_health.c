/* h_health: /readyz. A balancer gets the plain answer ("ready", or 503 "not ready: REASON");
 * an operator who asks for JSON (Accept: application/json, or ?verbose) gets every check:
 *   {"ready": bool, "reasons": [...], "database": "ok"|"unavailable", "disk": "ok"|"full",
 *    "schema": {"applied": N, "shipped": M}}
 * Reasons: "database unavailable", "disk full: …", "migrations pending: database at N, this
 * binary ships M" (a node newer than its database). A database newer than the binary is no
 * reason (the rolling upgrade's old nodes, README "Upgrades"). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "handlers.h"
#include "http.h"
#include "store.h"

static int has_verbose(void *cls, enum req_kind kind, const char *key, const char *val, size_t len)
{
    (void)cls, (void)kind, (void)val, (void)len;
    return !strcmp(key, "verbose");
}

static int wants_json(struct req *r)
{
    const char *acc = req_header(r, "Accept");
    return (acc && strstr(acc, "application/json")) || req_each(r, REQ_QUERY, has_verbose, NULL);
}

void h_readyz(struct req *r)
{
    const char *why = store_unready();
    int applied = why && !strcmp(why, "database unavailable") ? -1 : store_schema_applied();
    int shipped = store_schema_version();
    const char *pending =
        applied >= 0 && applied < shipped
            ? arena_printf(r->a, "migrations pending: database at %d, this binary ships %d",
                           applied, shipped)
            : NULL;
    if (!wants_json(r)) {
        const char *reason = why ? why : pending;
        const char *body = reason ? arena_printf(r->a, "not ready: %s\n", reason) : "ready\n";
        resp_send(r, reason ? 503 : 200, "text/plain; charset=utf-8", body, strlen(body));
        return;
    }
    json_t *reasons = json_array();
    if (why) json_array_append_new(reasons, json_string(why));
    if (pending) json_array_append_new(reasons, json_string(pending));
    int ready = !why && !pending;
    int db_up = !why || strcmp(why, "database unavailable");
    json_t *o = json_pack("{s:b, s:o, s:s, s:s, s:{s:i, s:i}}", "ready", ready, "reasons", reasons,
                          "database", db_up ? "ok" : "unavailable", "disk",
                          why && !strncmp(why, "disk full", 9) ? "full" : "ok", "schema", "applied",
                          applied, "shipped", shipped);
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    const char *body = s ? arena_strdup(r->a, s) : "{\"ready\":false}";
    free(s);
    resp_json(r, ready ? 200 : 503, body);
}
