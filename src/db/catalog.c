/* catalog: the table of statement texts built from the q_*.h files (see catalog.h). */
#include "catalog.h"

#include <stddef.h>

static const struct {
    const char *name, *sql, *pg;
} texts[Q_COUNT] = {
#define Q(id, sql, pg)                  [Q_##id] = {#id, sql, pg},
#define QT(id, sql, lite_tail, pg_tail) [Q_##id] = {#id, sql lite_tail, sql pg_tail},
#include "q_all.h"
#undef Q
#undef QT
};

const char *catalog_sql(enum q_id q, int pg)
{
    if (q < 0 || q >= Q_COUNT) return NULL;
    return pg && texts[q].pg ? texts[q].pg : texts[q].sql;
}

const char *catalog_name(enum q_id q)
{
    return q >= 0 && q < Q_COUNT ? texts[q].name : "?";
}
