/* catalog: every statement the table owners run, by id. The texts live in one X-macro file per
 * table (q_accounts.h, q_sessions.h, …), each line one of
 *
 *   Q(ID, "SQL", pg)               pg: NULL, or the whole PostgreSQL text where the dialect differs
 *   QT(ID, "SQL", "lite", "pg")    the same statement with a tail per backend ("" / " FOR UPDATE")
 *
 * SQL uses `?` placeholders and the dialect both backends share (ON CONFLICT, RETURNING, integer
 * Unix times). A connection keeps its prepared statements in an array indexed by enum q_id, so
 * a statement is found in O(1) and prepared at most once per connection (store_sqlite.c,
 * store_pg.c). Migrations (the files under sql/) keep their {{MACRO}}s: the backends expand those.
 */
#ifndef DAOID_CATALOG_H
#define DAOID_CATALOG_H

/* A sweep deletes at most ST_SWEEP_BATCH expired rows per statement (its own short transaction),
 * so a writer never waits long for the janitor (janitor.c runs the batches with a pause between
 * them). QSWEEP(ID, table, where, order) is such a statement: the rows matching `where`, the
 * oldest first by `order` (an indexed column, so the batch is read off an index), by rowid on
 * SQLite and by ctid on PostgreSQL (rows another transaction holds are skipped, not waited for). */
#define ST_SWEEP_BATCH      100
#define ST_SWEEP_BATCH_TEXT "100" /* the same, for the statements' text */
#define QSWEEP(id, table, where, order)                                                            \
    Q(id,                                                                                          \
      "DELETE FROM " table " WHERE rowid IN (SELECT rowid FROM " table " WHERE " where             \
      " ORDER BY " order " LIMIT " ST_SWEEP_BATCH_TEXT ")",                                        \
      "DELETE FROM " table " WHERE ctid = ANY (ARRAY(SELECT ctid FROM " table " WHERE " where      \
      " ORDER BY " order " LIMIT " ST_SWEEP_BATCH_TEXT " FOR UPDATE SKIP LOCKED))")

enum q_id {
#define Q(id, sql, pg)                  Q_##id,
#define QT(id, sql, lite_tail, pg_tail) Q_##id,
#include "q_all.h"
#undef Q
#undef QT
    Q_COUNT
};

/* The text of q for the SQLite dialect (pg = 0) or PostgreSQL (pg = 1). */
const char *catalog_sql(enum q_id q, int pg);
/* "ACCOUNTS_INSERT" — for log lines. */
const char *catalog_name(enum q_id q);

#endif
