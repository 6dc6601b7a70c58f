/* audit_trail: the reads of the audit table (the activity list of the settings page and of
 * `daoid admin show`) and its detach when an account goes. audit.c writes the rows (it is not
 * converted to the catalogue yet; when it is, its insert joins this owner). Rows are kept for
 * operators: no sweep. */
#ifndef DAOID_AUDIT_TRAIL_H
#define DAOID_AUDIT_TRAIL_H

#include "store.h"

struct audit_row {
    char *event, *ip, *detail;
    int64_t at;
};
/* account's newest events (at most 20 and at most max) into out[]; the number, or -1. */
int audit_trail_recent(struct st_conn *c, struct arena *a, int64_t account, struct audit_row *out,
                       int max);
/* account's events stay, without their account (it is being deleted). 0 or -1. */
int audit_trail_detach(struct st_conn *c, int64_t account);

#endif
