/* clock: the one source of time readings. Monotonic readings (never step back, unaffected by
 * the wall clock being set) measure durations and deadlines; wall seconds are what the store
 * keeps (Unix time) and what expiries compare with. Thread-safe, no state. */
#ifndef DAOID_CLOCK_H
#define DAOID_CLOCK_H

#include <stdint.h>

/* Microseconds since an arbitrary start (CLOCK_MONOTONIC): request timings, deadlines. */
int64_t clock_mono_us(void);
/* The same in milliseconds. */
int64_t clock_mono_ms(void);
/* Unix time in seconds (CLOCK_REALTIME). */
int64_t clock_wall_s(void);

#endif
