/* identity: see identity.h for the invariants. Unlinking locks the account's row first
 * (accounts_lock) so that two concurrent unlinks cannot both pass the last-method check.
 * Which providers count as ways in is what ways_in.h says is offered now, so a provider
 * removed from the config takes its identities out of the count. The rows are read and
 * written through the tables' owners (db/identities.c, db/accounts.c). */
#include "identity.h"

#include <string.h>

#include "accounts.h"
#include "arena.h"
#include "i18n.h"
#include "sessions.h"
#include "store.h"
#include "tmpl.h"
#include "ways_in.h"

static enum ident_rc from_st(enum st_rc rc)
{
    return rc == ST_OK ? IDENT_OK : rc == ST_NOTFOUND ? IDENT_NOTFOUND : IDENT_STORE_ERR;
}

enum ident_rc identity_find(struct st_conn *c, struct arena *a, const char *provider,
                            const char *subject, struct identity *out)
{
    return from_st(identities_find(c, a, provider, subject, out));
}

enum ident_rc identity_of(struct st_conn *c, struct arena *a, int64_t account_id,
                          const char *provider, struct identity *out)
{
    return from_st(identities_of(c, a, account_id, provider, out));
}

enum ident_rc identity_link(struct st_conn *c, int64_t account_id, const char *provider,
                            const char *subject, const char *login, const char *email,
                            const char *extra, int64_t now)
{
    int64_t other = 0;
    enum st_rc rc = identities_owner(c, provider, subject, &other);
    if (rc == ST_OK) return other == account_id ? IDENT_OK : IDENT_TAKEN;
    if (rc != ST_NOTFOUND) return IDENT_STORE_ERR;
    rc = identities_insert(c, account_id, provider, subject, login, email, extra, now);
    if (rc == ST_CONFLICT) {
        /* lost a race, or the account has this provider already: say which */
        rc = identities_owner(c, provider, subject, &other);
        return rc == ST_OK && other != account_id ? IDENT_TAKEN : IDENT_PROVIDER_TAKEN;
    }
    return rc == ST_OK ? IDENT_OK : IDENT_STORE_ERR;
}

enum ident_rc identity_touch(struct st_conn *c, int64_t id, const char *login, const char *email,
                             const char *extra, int64_t now)
{
    return identities_touch(c, id, login, email, extra, now) == 0 ? IDENT_OK : IDENT_STORE_ERR;
}

struct counting {
    int usable;         /* count the usable (1) or the unusable (0) ones */
    const char *except; /* NULL: none */
    int n;
};

static void count_one(void *ctx, const char *p)
{
    struct counting *k = ctx;
    if (k->except && p && !strcmp(p, k->except)) return;
    if (!ways_in_provider(p) == !k->usable) k->n++;
}

/* The account's identities other than at except (NULL: all) whose provider is usable now
 * (usable 1) or not (usable 0); -1 on error. */
static int count_identities(struct st_conn *c, int64_t account_id, int usable, const char *except)
{
    struct counting k = {usable, except, 0};
    return identities_each_provider(c, account_id, count_one, &k) == 0 ? k.n : -1;
}

/* The password (0 or 1) plus the usable identities other than at except; -1 on error. */
static int methods_except(struct st_conn *c, int64_t account_id, const char *except)
{
    int pw = accounts_has_password(c, account_id);
    if (pw < 0) return -1;
    int n = count_identities(c, account_id, 1, except);
    return n < 0 ? -1 : n + pw;
}

int identity_signin_methods(struct st_conn *c, int64_t account_id)
{
    return methods_except(c, account_id, NULL);
}

int identity_unusable_count(struct st_conn *c, int64_t account_id, const char *except)
{
    return count_identities(c, account_id, 0, except);
}

enum ident_rc identity_unlink(struct st_conn *c, int64_t account_id, const char *provider)
{
    if (st_begin(c) != ST_OK) return IDENT_STORE_ERR;
    enum ident_rc out = IDENT_STORE_ERR;
    /* the account row is the lock every change of its sign-in methods takes */
    int locked = accounts_lock(c, account_id);
    if (locked == 0) out = IDENT_NOTFOUND;
    if (locked != 1) goto fail;
    int left = methods_except(c, account_id, provider); /* the usable ways after the unlink */
    if (left < 0) goto fail;
    int64_t has = 0;
    if (identities_count(c, account_id, provider, &has) != 0) goto fail;
    if (!has) {
        out = IDENT_NOTFOUND;
        goto fail;
    }
    if (left < 1) {
        out = IDENT_LAST_METHOD;
        goto fail;
    }
    if (identities_delete(c, account_id, provider) != 0) goto fail;
    if (st_commit(c) != ST_OK) return IDENT_STORE_ERR;
    return IDENT_OK;
fail:
    st_rollback(c);
    return out;
}

int identity_list(struct st_conn *c, struct arena *a, int64_t account_id, struct identity **out,
                  int *n)
{
    return identities_list(c, a, account_id, out, n);
}

/* ---- proofs of the mailbox (invariant 4) ---- */

struct naming {
    struct arena *a;
    const struct i18n_cat *cat;
    const char *joined;
    int n;
};

static void name_one(void *ctx, const char *provider)
{
    struct naming *k = ctx;
    const char *name = i18n_get(k->cat, arena_printf(k->a, "provider.%s", provider));
    k->joined = k->joined ? arena_printf(k->a, "%s, %s", k->joined, name) : name;
    k->n++;
}

int identity_proof_outside(struct st_conn *c, struct arena *a, int64_t account_id, const char *lang,
                           struct ways_removed *out)
{
    memset(out, 0, sizeof(*out));
    struct naming k = {a, i18n_cat(lang), NULL, 0};
    if (identities_each_unproven(c, account_id, name_one, &k) != 0) return -1;
    if (k.n && identities_delete_unproven(c, account_id) < 0) return -1;
    int64_t ended = sessions_end_all(c, account_id);
    if (ended < 0) return -1;
    *out = (struct ways_removed){k.joined, k.n, ended};
    return 0;
}

int identity_proof_holder(struct st_conn *c, int64_t account_id)
{
    return identities_adopt(c, account_id);
}

void identity_removed_vars(struct arena *a, struct tmpl_ctx *v, const struct ways_removed *w)
{
    if (w->identities) tmpl_set(v, "removed", w->providers);
    if (w->sessions) tmpl_set(v, "sessions", arena_printf(a, "%lld", (long long)w->sessions));
}
