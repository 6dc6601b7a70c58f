/* q_access_tokens: access tokens for the image registry (access_tokens.c). */
Q(ACCESS_TOKENS_INSERT,
  "INSERT INTO access_tokens (account_id, name, hash, scopes, created_at, expires_at)"
  " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
  NULL)
Q(ACCESS_TOKENS_COUNT_LIVE,
  "SELECT COUNT(*) FROM access_tokens WHERE account_id = ? AND revoked_at = 0", NULL)
Q(ACCESS_TOKENS_LIST,
  "SELECT id, name, scopes, created_at, expires_at, last_used_at, revoked_at FROM access_tokens"
  " WHERE account_id = ? ORDER BY created_at DESC, id DESC LIMIT 100",
  NULL)
Q(ACCESS_TOKENS_BY_HASH,
  "SELECT t.id, t.account_id, t.scopes, t.expires_at, t.revoked_at, a.username, a.status,"
  " t.last_used_at"
  " FROM access_tokens t JOIN accounts a ON a.id = t.account_id WHERE t.hash = ?",
  NULL)
Q(ACCESS_TOKENS_TOUCH, "UPDATE access_tokens SET last_used_at = ? WHERE id = ? AND last_used_at < ?",
  NULL)
Q(ACCESS_TOKENS_REVOKE,
  "UPDATE access_tokens SET revoked_at = ? WHERE id = ? AND account_id = ? AND revoked_at = 0"
  " RETURNING name",
  NULL)
/* revoked and expired tokens stay listed for 30 days, then go: one batch of each a call */
QSWEEP(ACCESS_TOKENS_SWEEP_REVOKED, "access_tokens", "revoked_at > 0 AND revoked_at <= ? - 2592000",
       "revoked_at")
QSWEEP(ACCESS_TOKENS_SWEEP_EXPIRED, "access_tokens", "expires_at > 0 AND expires_at <= ? - 2592000",
       "expires_at")
