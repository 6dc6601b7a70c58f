/* captchas: owner of the captchas table — a challenge's id hash and answer hash until it is
 * answered once (taken: whatever the answer, it cannot be tried again) or expires. */
#ifndef DAOID_CAPTCHAS_H
#define DAOID_CAPTCHAS_H

#include "store.h"

/* 0 or -1. */
int captchas_insert(struct st_conn *c, const char *id_hash, const char *answer_hash,
                    int64_t expires_at);
/* Removes the challenge and returns what it held: ST_OK, ST_NOTFOUND or an error. */
enum st_rc captchas_take(struct st_conn *c, struct arena *a, const char *id_hash,
                         char **answer_hash, int64_t *expires_at);
/* Janitor: removes challenges expired at now, at most ST_SWEEP_BATCH a call; rows or -1. */
int64_t captchas_sweep(struct st_conn *c, int64_t now);

#endif
