/* settings_kv: see settings_kv.h. */
#include "settings_kv.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"

enum st_rc settings_kv_get(struct st_conn *c, struct arena *a, const char *name, char **value)
{
    return st_row(c, a, Q_SETTINGS_KV_GET, ST_IN(ST_TEXT(name)), ST_OUT(ST_OUT_TEXT(value)));
}

enum st_rc settings_kv_add(struct st_conn *c, const char *name, const char *value)
{
    return st_run(c, Q_SETTINGS_KV_ADD, ST_IN(ST_TEXT(name), ST_TEXT(value)));
}

char *settings_kv_get_or_create(const char *name, char *(*make)(void))
{
    struct st_conn *c = st_get();
    if (!c) return NULL;
    struct arena *a = arena_new();
    char *val = NULL, *out = NULL;
    enum st_rc rc = settings_kv_get(c, a, name, &val);
    if (rc == ST_NOTFOUND) {
        char *fresh = make();
        rc = settings_kv_add(c, name, fresh);
        free(fresh);
        if (rc == ST_OK) rc = settings_kv_get(c, a, name, &val);
    }
    if (rc == ST_OK && val) out = strdup(val);
    arena_free(a);
    return out;
}
