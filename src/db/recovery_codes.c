/* recovery_codes: see recovery_codes.h. Every statement on the recovery_codes table (q_mfa.h). */
#include "recovery_codes.h"

#include "arena.h"

int recovery_codes_insert(struct st_conn *c, int64_t account, const char *hash, int64_t now)
{
    return st_run(c, Q_RECOVERY_INSERT, ST_IN(ST_INT(account), ST_TEXT(hash), ST_INT(now))) == ST_OK
               ? 0
               : -1;
}

int64_t recovery_codes_delete_all(struct st_conn *c, int64_t account)
{
    return st_change(c, Q_RECOVERY_DELETE_ALL, ST_IN(ST_INT(account)));
}

struct hash_row {
    char *hash;
};

int recovery_codes_unused(struct st_conn *c, struct arena *a, int64_t account, char **out, int max)
{
    static const struct st_col cols[] = {ST_COL_TEXT(struct hash_row, hash)};
    struct hash_row *rows = arena_alloc(a, sizeof(*rows) * (size_t)max);
    int n =
        st_list(c, a, Q_RECOVERY_UNUSED, ST_IN(ST_INT(account)), cols, 1, rows, sizeof(*rows), max);
    for (int i = 0; i < n; i++) out[i] = rows[i].hash;
    return n;
}

int recovery_codes_use(struct st_conn *c, int64_t account, const char *hash, int64_t now)
{
    int64_t n = st_change(c, Q_RECOVERY_USE, ST_IN(ST_INT(now), ST_INT(account), ST_TEXT(hash)));
    return n < 0 ? -1 : n > 0;
}

int64_t recovery_codes_count(struct st_conn *c, int64_t account)
{
    return st_count(c, Q_RECOVERY_COUNT, ST_IN(ST_INT(account)));
}
