/* grants: see grants.h for the invariants. Awarding is one INSERT … ON CONFLICT DO NOTHING
 * against both unique indexes, so racing binds grant once, on either backend. Every
 * statement on the grants table is here (q_grants.h). */
#include "grants.h"

#include <sodium.h>
#include <string.h>

#include "arena.h"
#include "invalidate.h"
#include "store.h"

/* more than there are reasons to grant (one grant per reason and account, invariant 1) */
#define GRANTS_MAX 64

char *grants_source(struct arena *a, const char *provider, const char *subject)
{
    /* the hash token_hash() gives (BLAKE2b-256, hex), so the sources of earlier grants match */
    unsigned char h[32];
    char hex[2 * sizeof(h) + 1];
    crypto_generichash(h, sizeof(h), (const unsigned char *)subject, strlen(subject), NULL, 0);
    sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
    return arena_printf(a, "%s:%s", provider, hex);
}

enum grant_rc grants_award(struct st_conn *c, int64_t account_id, const char *reason, int64_t units,
                           const char *source, int64_t now)
{
    int64_t n = st_change(
        c, Q_GRANTS_AWARD,
        ST_IN(ST_INT(account_id), ST_TEXT(reason), ST_INT(units), ST_TEXT(source), ST_INT(now)));
    if (n > 0) invalidate_account(c, account_id); /* its sum is in cached sessions */
    return n < 0 ? GRANT_ERR : n == 1 ? GRANT_OK : GRANT_ALREADY;
}

int grants_given(struct st_conn *c, const char *reason, const char *source1, const char *source2)
{
    int64_t n =
        st_count(c, Q_GRANTS_GIVEN, ST_IN(ST_TEXT(reason), ST_TEXT(source1), ST_TEXT(source2)));
    return n < 0 ? -1 : n > 0;
}

int64_t grants_sum(struct st_conn *c, int64_t account_id)
{
    return st_count(c, Q_GRANTS_SUM, ST_IN(ST_INT(account_id)));
}

int grants_list(struct st_conn *c, struct arena *a, int64_t account_id, struct grant **out, int *n)
{
    static const struct st_col cols[] = {ST_COL_TEXT(struct grant, reason),
                                         ST_COL_INT(struct grant, units),
                                         ST_COL_INT(struct grant, created_at)};
    struct grant *v = arena_alloc(a, sizeof(*v) * GRANTS_MAX);
    int k =
        st_list(c, a, Q_GRANTS_LIST, ST_IN(ST_INT(account_id)), cols, 3, v, sizeof(*v), GRANTS_MAX);
    if (k < 0) return -1;
    *out = v;
    *n = k;
    return 0;
}
