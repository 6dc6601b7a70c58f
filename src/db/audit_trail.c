/* audit_trail: see audit_trail.h. */
#include "audit_trail.h"

#include "arena.h"

struct recent {
    struct arena *a;
    struct audit_row *out;
    int n, max;
};

static int recent_row(struct st_stmt *s, void *arg)
{
    struct recent *r = arg;
    if (r->n >= r->max) return 1;
    struct audit_row *o = &r->out[r->n++];
    o->event = arena_strdup(r->a, st_col_text(s, 0));
    o->ip = arena_strdup(r->a, st_col_text(s, 1));
    o->detail = arena_strdup(r->a, st_col_text(s, 2));
    o->at = st_col_int(s, 3);
    return 0;
}

int audit_trail_recent(struct st_conn *c, struct arena *a, int64_t account, struct audit_row *out,
                       int max)
{
    struct recent r = {a, out, 0, max};
    return st_each(c, Q_AUDIT_TRAIL_RECENT, ST_IN(ST_INT(account)), recent_row, &r) == ST_OK ? r.n
                                                                                             : -1;
}

int audit_trail_detach(struct st_conn *c, int64_t account)
{
    return st_run(c, Q_AUDIT_TRAIL_DETACH, ST_IN(ST_INT(account))) == ST_OK ? 0 : -1;
}
