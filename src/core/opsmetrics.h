/* opsmetrics: the domain's side of the metrics (lib/metrics.h): stable names of outcomes for
 * the result labels, and the gauges read from the store at scrape time (outbox depth, active
 * sessions) or from the password module (hash slots in use). */
#ifndef DAOID_OPSMETRICS_H
#define DAOID_OPSMETRICS_H

#include "login.h"

/* Registers the gauges and the build info (version, commit, backend); after store_init. */
void opsmetrics_init(void);
/* One sign-in attempt by method ("password", "registry", "github", "wechat" …) and result. */
void opsmetrics_signin(const char *method, enum login_rc rc);
/* "ok", "bad_password", "captcha_needed" … (static) */
const char *opsmetrics_login(enum login_rc rc);

#endif
