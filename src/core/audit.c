/* audit: one INSERT per event; a failure is logged and otherwise ignored, because losing an
 * audit line must not undo the user's action. */
#include "audit.h"

#include "log.h"
#include "store.h"

void audit_log(struct st_conn *c, int64_t account_id, const char *event, const char *ip,
               const char *detail, int64_t now)
{
    enum st_rc rc = st_exec(c,
                            "INSERT INTO audit (account_id, event, ip, detail, created_at)"
                            " VALUES (NULLIF(?, 0), ?, ?, ?, ?)",
                            "isssi", account_id, event, ip, detail, now);
    if (rc != ST_OK) log_warnx("audit: cannot record %s", event);
}
