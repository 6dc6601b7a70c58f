/* tokens: see tokens.h. */
#include "tokens.h"

int tokens_insert(struct st_conn *c, const char *hash, const char *kind, int64_t account,
                  const char *email, int64_t now, int64_t expires_at)
{
    return st_run(c, Q_TOKENS_INSERT,
                  ST_IN(ST_TEXT(hash), ST_TEXT(kind), ST_INT(account), ST_TEXT(email), ST_INT(now),
                        ST_INT(expires_at))) == ST_OK
               ? 0
               : -1;
}

enum st_rc tokens_peek(struct st_conn *c, struct arena *a, const char *hash, const char *kind,
                       int64_t *account, char **email)
{
    return st_row(c, a, Q_TOKENS_PEEK, ST_IN(ST_TEXT(hash), ST_TEXT(kind)),
                  ST_OUT(ST_OUT_INT(account), ST_OUT_TEXT(email)));
}

enum st_rc tokens_use(struct st_conn *c, struct arena *a, const char *hash, const char *kind,
                      int64_t now, int64_t *account, char **email)
{
    return st_row(c, a, Q_TOKENS_USE, ST_IN(ST_INT(now), ST_TEXT(hash), ST_TEXT(kind), ST_INT(now)),
                  ST_OUT(ST_OUT_INT(account), ST_OUT_TEXT(email)));
}

enum st_rc tokens_state(struct st_conn *c, const char *hash, const char *kind, int64_t *used_at,
                        int64_t *expires_at)
{
    return st_row(c, NULL, Q_TOKENS_STATE, ST_IN(ST_TEXT(hash), ST_TEXT(kind)),
                  ST_OUT(ST_OUT_INT(used_at), ST_OUT_INT(expires_at)));
}

enum st_rc tokens_with_account(struct st_conn *c, struct arena *a, const char *hash,
                               const char *kind, struct token_link *o)
{
    return st_row(c, a, Q_TOKENS_WITH_ACCOUNT, ST_IN(ST_TEXT(hash), ST_TEXT(kind)),
                  ST_OUT(ST_OUT_INT(&o->used_at), ST_OUT_INT(&o->expires_at),
                         ST_OUT_TEXT(&o->sent_to), ST_OUT_INT(&o->account_id),
                         ST_OUT_TEXT(&o->username), ST_OUT_TEXT(&o->email),
                         ST_OUT_TEXT(&o->email_norm)));
}

enum st_rc tokens_latest_unused(struct st_conn *c, struct arena *a, int64_t account,
                                const char *kind, int64_t now, char **email)
{
    return st_row(c, a, Q_TOKENS_LATEST_UNUSED, ST_IN(ST_INT(account), ST_TEXT(kind), ST_INT(now)),
                  ST_OUT(ST_OUT_TEXT(email)));
}

int tokens_drop_unused(struct st_conn *c, int64_t account, const char *kind)
{
    return st_run(c, Q_TOKENS_DROP_UNUSED, ST_IN(ST_INT(account), ST_TEXT(kind))) == ST_OK ? 0 : -1;
}

int tokens_drop_other_claims(struct st_conn *c, const char *email_norm, int64_t account)
{
    return st_run(c, Q_TOKENS_DROP_OTHER_CLAIMS, ST_IN(ST_TEXT(email_norm), ST_INT(account))) ==
                   ST_OK
               ? 0
               : -1;
}

int tokens_use_all(struct st_conn *c, int64_t account, const char *kind, int64_t now)
{
    return st_run(c, Q_TOKENS_USE_ALL, ST_IN(ST_INT(now), ST_INT(account), ST_TEXT(kind))) == ST_OK
               ? 0
               : -1;
}

int64_t tokens_sweep(struct st_conn *c, int64_t now)
{
    return st_change(c, Q_TOKENS_SWEEP, ST_IN(ST_INT(now)));
}
