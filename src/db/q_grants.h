/* q_grants: the ledger of units granted on top of the base plan (grants.c). */
/* reads: an account's sum (its resources) and its rows */
Q(GRANTS_SUM, "SELECT COALESCE(SUM(units), 0) FROM grants WHERE account_id = ?", NULL)
Q(GRANTS_LIST,
  "SELECT reason, units, created_at FROM grants WHERE account_id = ? ORDER BY created_at, id", NULL)
/* a grant at most once per account and reason, and once per reason and source */
Q(GRANTS_GIVEN, "SELECT COUNT(*) FROM grants WHERE reason = ? AND source IN (?, ?)", NULL)
Q(GRANTS_AWARD,
  "INSERT INTO grants (account_id, reason, units, source, created_at) VALUES (?, ?, ?, ?, ?)"
  " ON CONFLICT DO NOTHING",
  NULL)
