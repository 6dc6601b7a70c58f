/* passkeys: see passkeys.h. Every statement on the passkeys table (q_mfa.h). */
#include "passkeys.h"

#include <string.h>

#include "arena.h"
#include "invalidate.h"

/* Whether an account has a passkey is part of what its cached sessions hold (sessions_load's
 * has_factor): an insert or a delete tells the caches (invalidate.h). Returns n. */
static int64_t factor_written(struct st_conn *c, int64_t account, int64_t n)
{
    if (n > 0) invalidate_account(c, account);
    return n;
}

enum st_rc passkeys_insert(struct st_conn *c, const struct passkey_row *r)
{
    enum st_rc rc =
        st_run(c, Q_PASSKEYS_INSERT,
               ST_IN(ST_INT(r->account_id), ST_TEXT(r->cred_id), ST_INT(r->cose_alg),
                     ST_TEXT(r->public_key), ST_INT(r->sign_count), ST_INT(r->backup_eligible),
                     ST_INT(r->backup_state), ST_TEXT(r->name), ST_INT(r->created_at)));
    factor_written(c, r->account_id, rc == ST_OK);
    return rc;
}

#define PASSKEY_OUT(o)                                                                             \
    ST_OUT(ST_OUT_INT(&(o)->id), ST_OUT_INT(&(o)->account_id), ST_OUT_TEXT(&(o)->cred_id),         \
           ST_OUT_INT(&(o)->cose_alg), ST_OUT_TEXT(&(o)->public_key),                              \
           ST_OUT_INT(&(o)->sign_count), ST_OUT_INT(&(o)->backup_eligible),                        \
           ST_OUT_INT(&(o)->backup_state), ST_OUT_TEXT(&(o)->name), ST_OUT_INT(&(o)->created_at),  \
           ST_OUT_INT(&(o)->last_used_at))

enum st_rc passkeys_by_cred(struct st_conn *c, struct arena *a, const char *cred_id,
                            struct passkey_row *o)
{
    memset(o, 0, sizeof(*o));
    return st_row(c, a, Q_PASSKEYS_BY_CRED, ST_IN(ST_TEXT(cred_id)), PASSKEY_OUT(o));
}

int passkeys_list(struct st_conn *c, struct arena *a, int64_t account, struct passkey_row *out,
                  int max)
{
    static const struct st_col cols[] = {
        ST_COL_INT(struct passkey_row, id),
        ST_COL_INT(struct passkey_row, account_id),
        ST_COL_TEXT(struct passkey_row, cred_id),
        ST_COL_INT(struct passkey_row, cose_alg),
        ST_COL_TEXT(struct passkey_row, public_key),
        ST_COL_INT(struct passkey_row, sign_count),
        ST_COL_INT(struct passkey_row, backup_eligible),
        ST_COL_INT(struct passkey_row, backup_state),
        ST_COL_TEXT(struct passkey_row, name),
        ST_COL_INT(struct passkey_row, created_at),
        ST_COL_INT(struct passkey_row, last_used_at),
    };
    return st_list(c, a, Q_PASSKEYS_LIST, ST_IN(ST_INT(account)), cols,
                   (int)(sizeof(cols) / sizeof(cols[0])), out, sizeof(*out), max);
}

int passkeys_used(struct st_conn *c, int64_t id, int64_t sign_count, int backup_state, int64_t now)
{
    int64_t n = st_change(c, Q_PASSKEYS_USED,
                          ST_IN(ST_INT(sign_count), ST_INT(backup_state), ST_INT(now), ST_INT(id),
                                ST_INT(sign_count), ST_INT(sign_count)));
    return n < 0 ? -1 : n > 0;
}

int passkeys_rename(struct st_conn *c, int64_t id, int64_t account, const char *name)
{
    int64_t n = st_change(c, Q_PASSKEYS_RENAME, ST_IN(ST_TEXT(name), ST_INT(id), ST_INT(account)));
    return n < 0 ? -1 : n > 0;
}

int passkeys_delete(struct st_conn *c, int64_t id, int64_t account)
{
    int64_t n = factor_written(c, account,
                               st_change(c, Q_PASSKEYS_DELETE, ST_IN(ST_INT(id), ST_INT(account))));
    return n < 0 ? -1 : n > 0;
}

int64_t passkeys_delete_all(struct st_conn *c, int64_t account)
{
    return factor_written(c, account, st_change(c, Q_PASSKEYS_DELETE_ALL, ST_IN(ST_INT(account))));
}

int64_t passkeys_count(struct st_conn *c, int64_t account)
{
    return st_count(c, Q_PASSKEYS_COUNT, ST_IN(ST_INT(account)));
}
