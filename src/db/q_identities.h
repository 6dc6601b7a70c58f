/* q_identities: identities at other sign-in providers (identities.c). */
#define IDENT_COLS "id, provider, subject, login, email, extra, account_id, created_at"
Q(IDENTITIES_FIND, "SELECT " IDENT_COLS " FROM identities WHERE provider = ? AND subject = ?", NULL)
Q(IDENTITIES_OF, "SELECT " IDENT_COLS " FROM identities WHERE account_id = ? AND provider = ?",
  NULL)
Q(IDENTITIES_LIST,
  "SELECT " IDENT_COLS " FROM identities WHERE account_id = ? ORDER BY created_at, id", NULL)
#undef IDENT_COLS
Q(IDENTITIES_OWNER, "SELECT account_id FROM identities WHERE provider = ? AND subject = ?", NULL)
/* extra is the given text, or starts with the prefix: prefix <= extra < bound (the prefix with
 * its last byte raised), both read off identities_extra; bytewise on PostgreSQL too */
Q(IDENTITIES_BY_EXTRA,
  "SELECT subject FROM identities WHERE provider = ? AND (extra = ? OR (extra >= ? AND extra < ?))"
  " LIMIT 1",
  "SELECT subject FROM identities WHERE provider = ? AND (extra COLLATE \"C\" = ?"
  " OR (extra COLLATE \"C\" >= ? AND extra COLLATE \"C\" < ?)) LIMIT 1")
/* bound_verified: whether the account's address is verified as the identity is bound */
Q(IDENTITIES_INSERT,
  "INSERT INTO identities (provider, subject, login, email, extra, account_id, created_at,"
  " updated_at, bound_verified) VALUES (?, ?, ?, ?, ?, ?, ?, ?,"
  " (SELECT COUNT(*) FROM accounts WHERE id = ? AND email_verified = 1))",
  NULL)
Q(IDENTITIES_TOUCH,
  "UPDATE identities SET login = ?, email = ?, extra = COALESCE(?, extra), updated_at = ?"
  " WHERE id = ? RETURNING account_id",
  NULL)
Q(IDENTITIES_RESUBJECT,
  "UPDATE identities SET subject = ?, updated_at = ? WHERE id = ? AND subject = ?", NULL)
Q(IDENTITIES_PROVIDERS, "SELECT provider FROM identities WHERE account_id = ?", NULL)
Q(IDENTITIES_COUNT_AT, "SELECT COUNT(*) FROM identities WHERE account_id = ? AND provider = ?",
  NULL)
Q(IDENTITIES_COUNT, "SELECT COUNT(*) FROM identities WHERE account_id = ?", NULL)
Q(IDENTITIES_DELETE, "DELETE FROM identities WHERE account_id = ? AND provider = ?", NULL)
/* identities bound while the account's address was not verified (identity.h, invariant 4) */
Q(IDENTITIES_UNPROVEN,
  "SELECT provider FROM identities WHERE account_id = ? AND bound_verified = 0 ORDER BY id", NULL)
Q(IDENTITIES_DELETE_UNPROVEN, "DELETE FROM identities WHERE account_id = ? AND bound_verified = 0",
  NULL)
Q(IDENTITIES_ADOPT, "UPDATE identities SET bound_verified = 1 WHERE account_id = ?", NULL)
