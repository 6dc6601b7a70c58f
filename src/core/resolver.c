/* resolver: see resolver.h for the outcomes by intent. */
#include "resolver.h"

#include <string.h>

#include "account.h"
#include "audit.h"

static enum ident_rc find(struct st_conn *c, struct arena *a, const struct resolve_in *in,
                          struct identity *out)
{
    if (in->find) return in->find(c, a, in->find_ctx, out);
    return identity_find(c, a, in->provider, in->subject, out);
}

static enum resolve_outcome signin(struct st_conn *c, struct arena *a, const struct resolve_in *in,
                                   enum ident_rc found, int64_t now, struct resolve_out *out)
{
    if (found == IDENT_NOTFOUND) {
        int taken = in->email_norm ? account_email_verified_elsewhere(c, in->email_norm, 0) : 0;
        return taken < 0 ? RESOLVE_ERR : taken ? RESOLVE_EMAIL_TAKEN : RESOLVED_SIGNUP;
    }
    struct account acct;
    if (account_by_id(c, a, out->identity.account_id, &acct) != ACCT_OK) return RESOLVE_ERR;
    out->account_id = acct.id;
    if (acct.status != 0) {
        audit_log(c, acct.id, AUDIT_LOGIN_REFUSED_DISABLED, in->ip, in->provider, now);
        return RESOLVE_DISABLED;
    }
    if (identity_touch(c, out->identity.id, in->login, in->email, in->extra, now) != IDENT_OK)
        return RESOLVE_ERR;
    audit_log(c, acct.id, AUDIT_LOGIN, in->ip, in->provider, now);
    return RESOLVED_SIGNIN;
}

static enum resolve_outcome bind(struct st_conn *c, const struct resolve_in *in,
                                 enum ident_rc found, int64_t now, struct resolve_out *out)
{
    if (found == IDENT_OK)
        return out->identity.account_id == in->account_id ? RESOLVED_ALREADY : RESOLVE_TAKEN;
    switch (identity_link(c, in->account_id, in->provider, in->subject, in->login, in->email,
                          in->extra, now)) {
    case IDENT_OK:
        audit_log(c, in->account_id, AUDIT_IDENTITY_LINKED, in->ip, in->provider, now);
        return RESOLVED_BOUND;
    case IDENT_TAKEN:
        return RESOLVE_TAKEN;
    case IDENT_PROVIDER_TAKEN:
        return RESOLVE_PROVIDER_TAKEN;
    default:
        return RESOLVE_ERR;
    }
}

static enum resolve_outcome reauth(struct st_conn *c, const struct resolve_in *in,
                                   enum ident_rc found, int64_t now, struct resolve_out *out)
{
    int own = found == IDENT_OK && out->identity.account_id == in->account_id;
    if (own &&
        identity_touch(c, out->identity.id, in->login, in->email, in->extra, now) != IDENT_OK)
        return RESOLVE_ERR;
    audit_log(c, in->account_id, own ? AUDIT_REAUTH : AUDIT_REAUTH_REFUSED, in->ip, in->provider,
              now);
    return own ? RESOLVED_REAUTHED : RESOLVE_MISMATCH;
}

enum resolve_outcome resolver_run(struct st_conn *c, struct arena *a, const struct resolve_in *in,
                                  int64_t now, struct resolve_out *out)
{
    memset(out, 0, sizeof(*out));
    enum ident_rc found = find(c, a, in, &out->identity);
    if (found == IDENT_STORE_ERR) return RESOLVE_ERR;
    switch (in->intent) {
    case RESOLVE_BIND:
        return bind(c, in, found, now, out);
    case RESOLVE_REAUTH:
        return reauth(c, in, found, now, out);
    default:
        return signin(c, a, in, found, now, out);
    }
}
