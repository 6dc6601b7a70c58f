/* access_tokens: see access_tokens.h. */
#include "access_tokens.h"

enum st_rc access_tokens_insert(struct st_conn *c, int64_t account, const char *name,
                                const char *hash, const char *scopes, int64_t now,
                                int64_t expires_at, int64_t *id)
{
    return st_row(c, NULL, Q_ACCESS_TOKENS_INSERT,
                  ST_IN(ST_INT(account), ST_TEXT(name), ST_TEXT(hash), ST_TEXT(scopes), ST_INT(now),
                        ST_INT(expires_at)),
                  ST_OUT(ST_OUT_INT(id)));
}

int64_t access_tokens_count_live(struct st_conn *c, int64_t account)
{
    return st_count(c, Q_ACCESS_TOKENS_COUNT_LIVE, ST_IN(ST_INT(account)));
}

int access_tokens_list(struct st_conn *c, struct arena *a, int64_t account,
                       struct access_token_row *out, int max)
{
    static const struct st_col cols[] = {
        ST_COL_INT(struct access_token_row, id),
        ST_COL_TEXT(struct access_token_row, name),
        ST_COL_TEXT(struct access_token_row, scopes),
        ST_COL_INT(struct access_token_row, created_at),
        ST_COL_INT(struct access_token_row, expires_at),
        ST_COL_INT(struct access_token_row, last_used_at),
        ST_COL_INT(struct access_token_row, revoked_at),
    };
    return st_list(c, a, Q_ACCESS_TOKENS_LIST, ST_IN(ST_INT(account)), cols,
                   (int)(sizeof(cols) / sizeof(cols[0])), out, sizeof(*out), max);
}

enum st_rc access_tokens_by_hash(struct st_conn *c, struct arena *a, const char *hash,
                                 struct access_token_row *o)
{
    return st_row(c, a, Q_ACCESS_TOKENS_BY_HASH, ST_IN(ST_TEXT(hash)),
                  ST_OUT(ST_OUT_INT(&o->id), ST_OUT_INT(&o->account_id), ST_OUT_TEXT(&o->scopes),
                         ST_OUT_INT(&o->expires_at), ST_OUT_INT(&o->revoked_at),
                         ST_OUT_TEXT(&o->username), ST_OUT_INT(&o->status),
                         ST_OUT_INT(&o->last_used_at)));
}

int access_tokens_touch(struct st_conn *c, int64_t id, int64_t now, int64_t every)
{
    return st_run(c, Q_ACCESS_TOKENS_TOUCH, ST_IN(ST_INT(now), ST_INT(id), ST_INT(now - every))) ==
                   ST_OK
               ? 0
               : -1;
}

enum st_rc access_tokens_revoke(struct st_conn *c, struct arena *a, int64_t id, int64_t account,
                                int64_t now, char **name)
{
    return st_row(c, a, Q_ACCESS_TOKENS_REVOKE, ST_IN(ST_INT(now), ST_INT(id), ST_INT(account)),
                  ST_OUT(ST_OUT_TEXT(name)));
}

int64_t access_tokens_sweep(struct st_conn *c, int64_t now)
{
    int64_t revoked = st_change(c, Q_ACCESS_TOKENS_SWEEP_REVOKED, ST_IN(ST_INT(now)));
    if (revoked < 0) return -1;
    int64_t expired = st_change(c, Q_ACCESS_TOKENS_SWEEP_EXPIRED, ST_IN(ST_INT(now)));
    return expired < 0 ? -1 : revoked + expired;
}
