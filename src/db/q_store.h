/* q_store: the store's own statements (migrations bookkeeping, the readiness probe). */
Q(STORE_MIGRATION_APPLIED, "SELECT COUNT(*) FROM schema_migrations WHERE version = ?", NULL)
Q(STORE_MIGRATION_RECORD, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", NULL)
Q(STORE_SCHEMA_VERSION, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", NULL)
Q(STORE_READY, "SELECT 1", NULL)
/* the space probe of /readyz: a row of version -1 recorded (STORE_MIGRATION_RECORD) and removed
 * in one transaction, so that the commit has pages to write */
Q(STORE_SPACE_UNDO, "DELETE FROM schema_migrations WHERE version = ?", NULL)
/* a statement whose first parameter may be bound as an integer or as text: the contract suite
 * runs one slot with both (store_pg.c then runs the call that does not fit unnamed) */
Q(STORE_PROBE, "SELECT COUNT(*) FROM accounts WHERE CAST(? AS TEXT) IS NULL AND username = ?", NULL)
