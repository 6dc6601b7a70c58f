/* janitor: a background thread that deletes what has expired (sessions, one-time tokens,
 * captchas, rate counters, old sent mails) once a minute. Every node may run it: the deletes
 * are idempotent. */
#ifndef DAOID_JANITOR_H
#define DAOID_JANITOR_H

#include <stdint.h>

int janitor_start(void);
void janitor_stop(void);
/* One sweep at now; returns rows removed, or -1 on a store error. */
int64_t janitor_sweep(int64_t now);

#endif
