/* audit_trail: see audit_trail.h. */
#include "audit_trail.h"

int audit_trail_recent(struct st_conn *c, struct arena *a, int64_t account, struct audit_row *out,
                       int max)
{
    static const struct st_col cols[] = {
        ST_COL_TEXT(struct audit_row, event), ST_COL_TEXT(struct audit_row, ip),
        ST_COL_TEXT(struct audit_row, detail), ST_COL_INT(struct audit_row, at)};
    return st_list(c, a, Q_AUDIT_TRAIL_RECENT, ST_IN(ST_INT(account)), cols, 4, out, sizeof(*out),
                   max);
}

int audit_trail_detach(struct st_conn *c, int64_t account)
{
    return st_run(c, Q_AUDIT_TRAIL_DETACH, ST_IN(ST_INT(account))) == ST_OK ? 0 : -1;
}
