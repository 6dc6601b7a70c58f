/* q_held_usernames: usernames released by renames and deletions (held_usernames.c). */
Q(HELD_USERNAMES_COUNT,
  "SELECT COUNT(*) FROM held_usernames WHERE username = ? AND held_until > ?"
  " AND (account_id IS NULL OR account_id <> ?)",
  NULL)
Q(HELD_USERNAMES_HOLD,
  "INSERT INTO held_usernames (username, account_id, held_until, created_at)"
  " VALUES (?, NULLIF(?, 0), ?, ?) ON CONFLICT (username) DO UPDATE SET"
  " account_id = excluded.account_id, held_until = excluded.held_until,"
  " created_at = excluded.created_at",
  NULL)
/* the account takes its old name back */
Q(HELD_USERNAMES_UNHOLD, "DELETE FROM held_usernames WHERE username = ? AND account_id = ?", NULL)
/* an operator releases a deleted account's hold */
Q(HELD_USERNAMES_RELEASE, "DELETE FROM held_usernames WHERE username = ? AND account_id IS NULL",
  NULL)
/* the account is being deleted: its holds become nobody's */
Q(HELD_USERNAMES_DETACH, "UPDATE held_usernames SET account_id = NULL WHERE account_id = ?", NULL)
Q(HELD_USERNAMES_LIST,
  "SELECT username, held_until FROM held_usernames WHERE account_id = ? ORDER BY held_until", NULL)
QSWEEP(HELD_USERNAMES_SWEEP, "held_usernames", "held_until <= ?", "held_until")
