/* totp_secrets: see totp_secrets.h. Every statement on the totp_secrets table (q_mfa.h). */
#include "totp_secrets.h"

#include <string.h>

#include "invalidate.h"

/* Whether an account has a confirmed app is part of what its cached sessions hold
 * (sessions_load's has_factor): a write that may change it tells the caches (invalidate.h).
 * Returns n. */
static int64_t factor_written(struct st_conn *c, int64_t account, int64_t n)
{
    if (n > 0) invalidate_account(c, account);
    return n;
}

int totp_secrets_put(struct st_conn *c, int64_t account, const char *secret_ct, int64_t now)
{
    int64_t n = st_change(c, Q_TOTP_PUT, ST_IN(ST_INT(account), ST_TEXT(secret_ct), ST_INT(now)));
    return n < 0 ? -1 : n > 0;
}

enum st_rc totp_secrets_get(struct st_conn *c, struct arena *a, int64_t account,
                            struct totp_secret_row *o)
{
    memset(o, 0, sizeof(*o));
    return st_row(c, a, Q_TOTP_GET, ST_IN(ST_INT(account)),
                  ST_OUT(ST_OUT_TEXT(&o->secret_ct), ST_OUT_INT(&o->confirmed_at),
                         ST_OUT_INT(&o->last_step)));
}

int totp_secrets_confirm(struct st_conn *c, int64_t account, int64_t step, int64_t now)
{
    int64_t n =
        factor_written(c, account,
                       st_change(c, Q_TOTP_CONFIRM,
                                 ST_IN(ST_INT(now), ST_INT(step), ST_INT(account), ST_INT(step))));
    return n < 0 ? -1 : n > 0;
}

int totp_secrets_use(struct st_conn *c, int64_t account, int64_t step)
{
    int64_t n = st_change(c, Q_TOTP_USE, ST_IN(ST_INT(step), ST_INT(account), ST_INT(step)));
    return n < 0 ? -1 : n > 0;
}

int64_t totp_secrets_delete(struct st_conn *c, int64_t account)
{
    return factor_written(c, account, st_change(c, Q_TOTP_DELETE, ST_IN(ST_INT(account))));
}
