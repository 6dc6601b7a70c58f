/* q_oauth: sign-in round trips at other providers (oauth_states.c) and the sign-ins that wait
 * for the user to choose a name (oauth_pending.c). */
Q(OAUTH_STATES_INSERT,
  "INSERT INTO oauth_states (state_hash, browser_hash, provider, intent, account_id, verifier,"
  " next, created_at, expires_at, repos) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
  NULL)
Q(OAUTH_STATES_TAKE,
  "DELETE FROM oauth_states WHERE state_hash = ? RETURNING browser_hash, provider, intent,"
  " account_id, verifier, next, created_at, expires_at, repos",
  NULL)
QSWEEP(OAUTH_STATES_SWEEP, "oauth_states", "expires_at <= ?", "expires_at")
#define PENDING_COLS                                                                               \
    "provider, subject, login, name, email, next, created_at, expires_at, token_ct, refresh_ct,"   \
    " token_scope, token_expires_at"
Q(OAUTH_PENDING_INSERT,
  "INSERT INTO oauth_pending (id_hash, provider, subject, login, name, email, next, created_at,"
  " expires_at, token_ct, refresh_ct, token_scope, token_expires_at)"
  " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
  NULL)
Q(OAUTH_PENDING_GET,
  "SELECT " PENDING_COLS " FROM oauth_pending WHERE id_hash = ? AND expires_at > ?", NULL)
Q(OAUTH_PENDING_TAKE,
  "DELETE FROM oauth_pending WHERE id_hash = ? AND expires_at > ? RETURNING " PENDING_COLS, NULL)
#undef PENDING_COLS
QSWEEP(OAUTH_PENDING_SWEEP, "oauth_pending", "expires_at <= ?", "expires_at")
