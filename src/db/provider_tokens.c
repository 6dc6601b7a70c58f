/* provider_tokens: see provider_tokens.h. */
#include "provider_tokens.h"

enum st_rc provider_tokens_scope(struct st_conn *c, struct arena *a, int64_t account,
                                 const char *provider, char **scope)
{
    return st_row(c, a, Q_PROVIDER_TOKENS_SCOPE, ST_IN(ST_INT(account), ST_TEXT(provider)),
                  ST_OUT(ST_OUT_TEXT(scope)));
}

int provider_tokens_put(struct st_conn *c, int64_t account, const char *provider,
                        const char *subject, const struct provider_tokens_put *r, int64_t now)
{
    return (int)st_change(c, Q_PROVIDER_TOKENS_PUT,
                          ST_IN(ST_TEXT(r->access_ct), ST_TEXT(r->refresh_ct), ST_TEXT(r->scope),
                                ST_INT(r->expires_at), ST_INT(now), ST_INT(account),
                                ST_TEXT(provider), ST_TEXT(subject)));
}

enum st_rc provider_tokens_get(struct st_conn *c, struct arena *a, int64_t account,
                               const char *provider, struct provider_tokens_row *o)
{
    return st_row(c, a, Q_PROVIDER_TOKENS_GET, ST_IN(ST_INT(account), ST_TEXT(provider)),
                  ST_OUT(ST_OUT_TEXT(&o->subject), ST_OUT_TEXT(&o->access_ct),
                         ST_OUT_TEXT(&o->refresh_ct), ST_OUT_TEXT(&o->scope),
                         ST_OUT_INT(&o->expires_at), ST_OUT_INT(&o->generation),
                         ST_OUT_INT(&o->lease_until), ST_OUT_INT(&o->updated_at)));
}

int provider_tokens_lease(struct st_conn *c, int64_t account, const char *provider,
                          int64_t generation, int64_t now, int64_t ttl)
{
    int64_t n = st_change(c, Q_PROVIDER_TOKENS_LEASE,
                          ST_IN(ST_INT(now + ttl), ST_INT(account), ST_TEXT(provider),
                                ST_INT(generation), ST_INT(now)));
    return n < 0 ? -1 : n == 1;
}

int provider_tokens_refreshed(struct st_conn *c, int64_t account, const char *provider,
                              int64_t generation, const struct provider_tokens_put *r, int64_t now)
{
    int64_t n = st_change(c, Q_PROVIDER_TOKENS_REFRESHED,
                          ST_IN(ST_TEXT(r->access_ct), ST_TEXT(r->refresh_ct), ST_TEXT(r->scope),
                                ST_INT(r->expires_at), ST_INT(now), ST_INT(account),
                                ST_TEXT(provider), ST_INT(generation)));
    return n < 0 ? -1 : n == 1;
}

int provider_tokens_release(struct st_conn *c, int64_t account, const char *provider,
                            int64_t generation, int drop_refresh)
{
    return st_run(c,
                  drop_refresh ? Q_PROVIDER_TOKENS_RELEASE_DROP_REFRESH : Q_PROVIDER_TOKENS_RELEASE,
                  ST_IN(ST_INT(account), ST_TEXT(provider), ST_INT(generation))) == ST_OK
               ? 0
               : -1;
}
