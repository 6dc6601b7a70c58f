/* captchas: see captchas.h. */
#include "captchas.h"

int captchas_insert(struct st_conn *c, const char *id_hash, const char *answer_hash,
                    int64_t expires_at)
{
    return st_run(c, Q_CAPTCHAS_INSERT,
                  ST_IN(ST_TEXT(id_hash), ST_TEXT(answer_hash), ST_INT(expires_at))) == ST_OK
               ? 0
               : -1;
}

enum st_rc captchas_take(struct st_conn *c, struct arena *a, const char *id_hash,
                         char **answer_hash, int64_t *expires_at)
{
    return st_row(c, a, Q_CAPTCHAS_TAKE, ST_IN(ST_TEXT(id_hash)),
                  ST_OUT(ST_OUT_TEXT(answer_hash), ST_OUT_INT(expires_at)));
}

int64_t captchas_sweep(struct st_conn *c, int64_t now)
{
    return st_change(c, Q_CAPTCHAS_SWEEP, ST_IN(ST_INT(now)));
}
