/* janitor: a background thread that deletes what has expired (sessions, one-time tokens,
 * captchas, rate counters, old sent mails, audit rows past audit_retention) once a minute, in
 * batches of at most ST_SWEEP_BATCH rows per transaction so that no writer waits long for it,
 * and refreshes the planner's statistics (store_optimize) at start and daily. Every node may
 * run it: the deletes are idempotent. */
#ifndef DAOID_JANITOR_H
#define DAOID_JANITOR_H

#include <stdint.h>

int janitor_start(void);
void janitor_stop(void);
/* One sweep at now, every table batch after batch until none is left (or the worker stops);
 * returns rows removed, or -1 on a store error. */
int64_t janitor_sweep(int64_t now);

#endif
