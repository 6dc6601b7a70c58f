/* wechat_nonces: the owner of the wechat_nonces table: the (nonce, timestamp) of each signed
 * WeChat push with a digest of the body it came with, kept until expires_at, so that a signed
 * query seen once (in a proxy log, say) cannot bring another body (wechat_push.c decides). */
#ifndef DAOID_WECHAT_NONCES_H
#define DAOID_WECHAT_NONCES_H

#include <stdint.h>

#include "store.h"

/* Records (nonce, ts) with digest unless recorded already, then tells whether the recorded
 * digest is this one: 1 (new, or the same body again), 0 (another body), -1 on error. */
int wechat_nonces_claim(struct st_conn *c, const char *nonce, int64_t ts, const char *digest,
                        int64_t expires_at);
/* Deletes the rows whose expires_at is before now (a push stamped ts is taken until now =
 * ts + window inclusive), one batch (ST_SWEEP_BATCH, catalog.h) a call, oldest first; their
 * number (0 when none is left), or -1. The janitor calls it until it returns 0. */
int64_t wechat_nonces_sweep(struct st_conn *c, int64_t now);

#endif
