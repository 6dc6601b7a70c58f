/* accounts: see accounts.h. Row reads share one column list (q_accounts.h) and one reader. */
#include "accounts.h"

#include "invalidate.h"

/* Every write below changes what a cached session holds (its account's row): the caches are
 * told (invalidate.h); account 0: any account. Returns rc. */
static int64_t written(struct st_conn *c, int64_t account, int64_t rc)
{
    if (account > 0)
        invalidate_account(c, account);
    else
        invalidate_all(c);
    return rc;
}

#include "arena.h"

static enum st_rc read_one(struct st_conn *c, struct arena *a, enum q_id q, struct st_val key,
                           struct account *o)
{
    int64_t verified = 0, status = 0;
    enum st_rc rc =
        st_row(c, a, q, &key, 1,
               ST_OUT(ST_OUT_INT(&o->id), ST_OUT_TEXT(&o->username), ST_OUT_TEXT(&o->email),
                      ST_OUT_INT(&verified), ST_OUT_TEXT(&o->password_hash), ST_OUT_INT(&status),
                      ST_OUT_INT(&o->created_at)));
    o->email_verified = (int)verified;
    o->status = (int)status;
    return rc;
}

enum st_rc accounts_insert(struct st_conn *c, const char *username, const char *email,
                           const char *email_norm, int verified, const char *pw_hash, int64_t now,
                           int64_t *id)
{
    return st_row(c, NULL, Q_ACCOUNTS_INSERT,
                  ST_IN(ST_TEXT(username), ST_TEXT(email), ST_TEXT(email_norm),
                        ST_INT(verified != 0), ST_TEXT(pw_hash), ST_INT(now), ST_INT(now)),
                  ST_OUT(ST_OUT_INT(id)));
}

enum st_rc accounts_by_id(struct st_conn *c, struct arena *a, int64_t id, struct account *out)
{
    return read_one(c, a, Q_ACCOUNTS_BY_ID, (struct st_val)ST_INT(id), out);
}

enum st_rc accounts_by_username(struct st_conn *c, struct arena *a, const char *canonical,
                                struct account *out)
{
    return read_one(c, a, Q_ACCOUNTS_BY_USERNAME, (struct st_val)ST_TEXT(canonical), out);
}

enum st_rc accounts_by_email(struct st_conn *c, struct arena *a, const char *email_norm,
                             int verified, struct account *out)
{
    return read_one(c, a, verified ? Q_ACCOUNTS_BY_VERIFIED_EMAIL : Q_ACCOUNTS_BY_EMAIL,
                    (struct st_val)ST_TEXT(email_norm), out);
}

struct found {
    struct arena *a;
    struct account *out;
    int n, max;
};

static int found_row(struct st_stmt *s, void *arg)
{
    struct found *f = arg;
    struct account *o = &f->out[f->n++];
    o->id = st_col_int(s, 0);
    o->username = arena_strdup(f->a, st_col_text(s, 1));
    o->email = arena_strdup(f->a, st_col_text(s, 2));
    o->email_verified = (int)st_col_int(s, 3);
    o->password_hash = arena_strdup(f->a, st_col_text(s, 4));
    o->status = (int)st_col_int(s, 5);
    o->created_at = st_col_int(s, 6);
    return f->n >= f->max;
}

int accounts_find(struct st_conn *c, struct arena *a, const char *pattern, struct account *out,
                  int max)
{
    struct found f = {a, out, 0, max};
    if (max <= 0) return 0;
    return st_each(c, Q_ACCOUNTS_FIND, ST_IN(ST_TEXT(pattern), ST_TEXT(pattern)), found_row, &f) ==
                   ST_OK
               ? f.n
               : -1;
}

int64_t accounts_count_username(struct st_conn *c, const char *canonical)
{
    return st_count(c, Q_ACCOUNTS_COUNT_USERNAME, ST_IN(ST_TEXT(canonical)));
}

int64_t accounts_count_email(struct st_conn *c, const char *email_norm)
{
    return st_count(c, Q_ACCOUNTS_COUNT_EMAIL, ST_IN(ST_TEXT(email_norm)));
}

int64_t accounts_count_verified_elsewhere(struct st_conn *c, const char *email_norm, int64_t except)
{
    return st_count(c, Q_ACCOUNTS_COUNT_VERIFIED_ELSEWHERE,
                    ST_IN(ST_TEXT(email_norm), ST_INT(except)));
}

int accounts_has_password(struct st_conn *c, int64_t id)
{
    int64_t n = st_count(c, Q_ACCOUNTS_HAS_PASSWORD, ST_IN(ST_INT(id)));
    return n < 0 ? -1 : n > 0;
}

int accounts_lock(struct st_conn *c, int64_t id)
{
    int64_t got = 0;
    enum st_rc rc = st_row(c, NULL, Q_ACCOUNTS_LOCK, ST_IN(ST_INT(id)), ST_OUT(ST_OUT_INT(&got)));
    return rc == ST_OK ? 1 : rc == ST_NOTFOUND ? 0 : -1;
}

int accounts_lock_claims(struct st_conn *c, const char *email_norm, int64_t also)
{
    /* every row is stepped over (st_run): each one is locked */
    return st_run(c, Q_ACCOUNTS_LOCK_CLAIMS, ST_IN(ST_TEXT(email_norm), ST_INT(also))) == ST_OK
               ? 0
               : -1;
}

/* rows changed, -2 for a refused write, -1 on error */
static int64_t changed(struct st_conn *c, enum st_rc rc)
{
    return rc == ST_OK ? st_changes(c) : rc == ST_CONFLICT ? -2 : -1;
}

int64_t accounts_mark_verified(struct st_conn *c, int64_t id, const char *email_norm, int64_t now)
{
    return written(c, id,
                   changed(c, st_run(c, Q_ACCOUNTS_MARK_VERIFIED,
                                     ST_IN(ST_INT(now), ST_INT(id), ST_TEXT(email_norm)))));
}

int accounts_clear_claims(struct st_conn *c, const char *email_norm, int64_t except, int64_t now)
{
    return written(c, 0,
                   st_run(c, Q_ACCOUNTS_CLEAR_CLAIMS,
                          ST_IN(ST_INT(now), ST_TEXT(email_norm), ST_INT(except))) == ST_OK
                       ? 0
                       : -1);
}

int64_t accounts_set_email(struct st_conn *c, int64_t id, const char *email, const char *email_norm,
                           int64_t now)
{
    return written(
        c, id,
        changed(c, st_run(c, Q_ACCOUNTS_SET_EMAIL,
                          ST_IN(ST_TEXT(email), ST_TEXT(email_norm), ST_INT(now), ST_INT(id)))));
}

int accounts_set_password_hash(struct st_conn *c, int64_t id, const char *hash, int64_t now)
{
    return written(c, id,
                   st_run(c, Q_ACCOUNTS_SET_PASSWORD_HASH,
                          ST_IN(ST_TEXT(hash), ST_INT(now), ST_INT(id))) == ST_OK
                       ? 0
                       : -1);
}

enum st_rc accounts_set_username(struct st_conn *c, int64_t id, const char *username, int64_t now)
{
    return written(
        c, id,
        st_run(c, Q_ACCOUNTS_SET_USERNAME, ST_IN(ST_TEXT(username), ST_INT(now), ST_INT(id))));
}

int accounts_set_status(struct st_conn *c, int64_t id, int disabled, int64_t now)
{
    return written(c, id,
                   st_run(c, Q_ACCOUNTS_SET_STATUS,
                          ST_IN(ST_INT(disabled != 0), ST_INT(now), ST_INT(id))) == ST_OK
                       ? 0
                       : -1);
}

int accounts_set_tour_done(struct st_conn *c, int64_t id, int done, int64_t now)
{
    return written(c, id,
                   st_run(c, Q_ACCOUNTS_SET_TOUR_DONE, ST_IN(ST_INT(done ? now : 0), ST_INT(id))) ==
                           ST_OK
                       ? 0
                       : -1);
}

int accounts_dismiss_offer(struct st_conn *c, int64_t id, int64_t mask)
{
    return written(
        c, id,
        st_run(c, Q_ACCOUNTS_DISMISS_OFFER, ST_IN(ST_INT(mask), ST_INT(id))) == ST_OK ? 0 : -1);
}

int accounts_offers_dismissed(struct st_conn *c, int64_t id, int64_t *mask)
{
    *mask = 0;
    enum st_rc rc =
        st_row(c, NULL, Q_ACCOUNTS_OFFERS_DISMISSED, ST_IN(ST_INT(id)), ST_OUT(ST_OUT_INT(mask)));
    return rc == ST_OK || rc == ST_NOTFOUND ? 0 : -1;
}

int accounts_delete(struct st_conn *c, int64_t id)
{
    return written(c, id, st_run(c, Q_ACCOUNTS_DELETE, ST_IN(ST_INT(id))) == ST_OK ? 0 : -1);
}

int accounts_unverified_before(struct st_conn *c, int64_t before, int64_t *ids, int max)
{
    static const struct st_col cols[] = {{0, 0}};
    return st_list(c, NULL, Q_ACCOUNTS_UNVERIFIED_BEFORE, ST_IN(ST_INT(before), ST_INT(max)), cols,
                   1, ids, sizeof(*ids), max);
}
