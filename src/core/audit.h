/* audit: the security activity log (sign-ins, failures, sign-ups, verifications, …) shown to
 * the account owner and kept for operators. Never holds secrets. */
#ifndef DAOID_AUDIT_H
#define DAOID_AUDIT_H

#include <stdint.h>

struct st_conn;

/* Records event for account_id (0: none). Failures are logged, never fatal to the caller. */
void audit_log(struct st_conn *c, int64_t account_id, const char *event, const char *ip,
               const char *detail, int64_t now);

#endif
