/* q_tokens: one-time tokens (tokens.c). */
Q(TOKENS_INSERT,
  "INSERT INTO tokens (hash, kind, account_id, email, created_at, expires_at)"
  " VALUES (?, ?, ?, ?, ?, ?)",
  NULL)
Q(TOKENS_PEEK,
  "SELECT account_id, email FROM tokens WHERE hash = ? AND kind = ? AND used_at IS NULL", NULL)
Q(TOKENS_USE,
  "UPDATE tokens SET used_at = ? WHERE hash = ? AND kind = ? AND used_at IS NULL"
  " AND expires_at > ? RETURNING account_id, email",
  NULL)
Q(TOKENS_STATE, "SELECT COALESCE(used_at, 0), expires_at FROM tokens WHERE hash = ? AND kind = ?",
  NULL)
Q(TOKENS_WITH_ACCOUNT,
  "SELECT COALESCE(t.used_at, 0), t.expires_at, t.email, a.id, a.username, a.email, a.email_norm"
  " FROM tokens t JOIN accounts a ON a.id = t.account_id WHERE t.hash = ? AND t.kind = ?",
  NULL)
Q(TOKENS_LATEST_UNUSED,
  "SELECT email FROM tokens WHERE account_id = ? AND kind = ? AND used_at IS NULL"
  " AND expires_at > ? ORDER BY created_at DESC LIMIT 1",
  NULL)
Q(TOKENS_DROP_UNUSED, "DELETE FROM tokens WHERE account_id = ? AND kind = ? AND used_at IS NULL",
  NULL)
Q(TOKENS_DROP_OTHER_CLAIMS,
  "DELETE FROM tokens WHERE kind = 'verify' AND email = ? AND account_id <> ? AND used_at IS NULL",
  NULL)
Q(TOKENS_USE_ALL,
  "UPDATE tokens SET used_at = ? WHERE account_id = ? AND kind = ? AND used_at IS NULL", NULL)
/* one-time tokens stay a week past expiry, so an old link still says "expired" */
QSWEEP(TOKENS_SWEEP, "tokens", "expires_at <= ? - 604800", "expires_at")
