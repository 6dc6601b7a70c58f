/* q_accounts: the accounts table (accounts.c). */
#define ACCOUNTS_COLS "id, username, email, email_verified, password_hash, status, created_at"
Q(ACCOUNTS_INSERT,
  "INSERT INTO accounts (username, email, email_norm, email_verified, password_hash, created_at,"
  " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
  NULL)
Q(ACCOUNTS_BY_ID, "SELECT " ACCOUNTS_COLS " FROM accounts WHERE id = ?", NULL)
Q(ACCOUNTS_BY_USERNAME, "SELECT " ACCOUNTS_COLS " FROM accounts WHERE username = ?", NULL)
Q(ACCOUNTS_BY_VERIFIED_EMAIL,
  "SELECT " ACCOUNTS_COLS " FROM accounts WHERE email_norm = ? AND email_verified = 1", NULL)
Q(ACCOUNTS_BY_EMAIL, "SELECT " ACCOUNTS_COLS " FROM accounts WHERE email_norm = ?", NULL)
Q(ACCOUNTS_FIND,
  "SELECT " ACCOUNTS_COLS " FROM accounts WHERE username LIKE ? ESCAPE '\\'"
  " OR email_norm LIKE ? ESCAPE '\\' ORDER BY id LIMIT 50",
  NULL)
/* counts: names and addresses taken */
Q(ACCOUNTS_COUNT_USERNAME, "SELECT COUNT(*) FROM accounts WHERE username = ?", NULL)
Q(ACCOUNTS_COUNT_EMAIL, "SELECT COUNT(*) FROM accounts WHERE email_norm = ?", NULL)
Q(ACCOUNTS_COUNT_VERIFIED_ELSEWHERE,
  "SELECT COUNT(*) FROM accounts WHERE email_norm = ? AND email_verified = 1 AND id <> ?", NULL)
Q(ACCOUNTS_HAS_PASSWORD, "SELECT COUNT(*) FROM accounts WHERE id = ? AND password_hash IS NOT NULL",
  NULL)
/* the account-row lock every change of an account takes first */
QT(ACCOUNTS_LOCK, "SELECT id FROM accounts WHERE id = ?", "", " FOR UPDATE")
QT(ACCOUNTS_LOCK_CLAIMS, "SELECT id FROM accounts WHERE email_norm = ? OR id = ? ORDER BY id", "",
   " FOR UPDATE")
Q(ACCOUNTS_MARK_VERIFIED,
  "UPDATE accounts SET email_verified = 1, updated_at = ? WHERE id = ? AND email_norm = ?", NULL)
Q(ACCOUNTS_CLEAR_CLAIMS,
  "UPDATE accounts SET email = NULL, email_norm = NULL, updated_at = ?"
  " WHERE email_norm = ? AND email_verified = 0 AND id <> ?",
  NULL)
Q(ACCOUNTS_SET_EMAIL,
  "UPDATE accounts SET email = ?, email_norm = ?, email_verified = 1, updated_at = ? WHERE id = ?",
  NULL)
Q(ACCOUNTS_SET_PASSWORD_HASH, "UPDATE accounts SET password_hash = ?, updated_at = ? WHERE id = ?",
  NULL)
Q(ACCOUNTS_SET_USERNAME, "UPDATE accounts SET username = ?, updated_at = ? WHERE id = ?", NULL)
Q(ACCOUNTS_SET_STATUS, "UPDATE accounts SET status = ?, updated_at = ? WHERE id = ?", NULL)
Q(ACCOUNTS_SET_TOUR_DONE, "UPDATE accounts SET tour_done_at = ? WHERE id = ?", NULL)
Q(ACCOUNTS_DISMISS_OFFER,
  "UPDATE accounts SET offers_dismissed = offers_dismissed | ? WHERE id = ?", NULL)
Q(ACCOUNTS_OFFERS_DISMISSED, "SELECT offers_dismissed FROM accounts WHERE id = ?", NULL)
Q(ACCOUNTS_DELETE, "DELETE FROM accounts WHERE id = ?", NULL)
/* accounts nobody verified: no verified address and no identity, created before ? (closure.h) */
/* the oldest first off accounts_unverified; the identity check is a probe of
 * identities_account_provider per candidate (a NOT EXISTS becomes an anti-join that hashes the
 * whole identities table on PostgreSQL) */
Q(ACCOUNTS_UNVERIFIED_BEFORE,
  "SELECT id FROM accounts a WHERE email_verified = 0 AND created_at < ?"
  " AND (SELECT COUNT(*) FROM identities i WHERE i.account_id = a.id) = 0"
  " ORDER BY created_at LIMIT ?",
  NULL)
#undef ACCOUNTS_COLS
