/* q_invalidate: the change check of the session caches (invalidate.c): SQLite's count of
 * changes to sessions, accounts and grants (sql/013's triggers), read on every cached session
 * check. PostgreSQL never runs it: its changes are notified. */
Q(INVALIDATE_GENERATION, "SELECT n FROM session_gen", NULL)
