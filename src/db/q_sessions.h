/* q_sessions: signed-in browsers (sessions.c). */
/* whether the account has a second factor (a confirmed authenticator app or a passkey: what
 * require_2fa asks for, mfa.h), then, last, the account's identities at other providers as a
 * JSON array, for GET /api/v1/me from the session cache (identities_list's order) */
#define SESSIONS_LOAD_COLS                                                                         \
    "SELECT s.account_id, s.created_at, s.last_seen, s.expires_at, a.username, a.email,"           \
    " a.email_verified, a.password_hash IS NOT NULL, a.status, a.created_at, s.auth_at,"           \
    " a.tour_done_at, s.amr,"                                                                      \
    " (SELECT COALESCE(SUM(g.units), 0) FROM grants g WHERE g.account_id = a.id),"                 \
    " (EXISTS (SELECT 1 FROM totp_secrets t WHERE t.account_id = a.id"                             \
    " AND t.confirmed_at IS NOT NULL) OR EXISTS (SELECT 1 FROM passkeys p"                         \
    " WHERE p.account_id = a.id)),"
#define SESSIONS_LOAD_FROM                                                                         \
    " FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.id_hash = ?"
Q(SESSIONS_LOAD,
  SESSIONS_LOAD_COLS
  " (SELECT json_group_array(json_object('provider', provider, 'login', login, 'linked_at',"
  " created_at)) FROM (SELECT provider, login, created_at FROM identities"
  " WHERE account_id = a.id ORDER BY created_at, id))" SESSIONS_LOAD_FROM,
  SESSIONS_LOAD_COLS
  " (SELECT COALESCE(json_agg(json_build_object('provider', i.provider, 'login', i.login,"
  " 'linked_at', i.created_at) ORDER BY i.created_at, i.id), '[]')::text FROM identities i"
  " WHERE i.account_id = a.id)" SESSIONS_LOAD_FROM)
#undef SESSIONS_LOAD_COLS
#undef SESSIONS_LOAD_FROM
Q(SESSIONS_INSERT,
  "INSERT INTO sessions (id_hash, account_id, created_at, last_seen, expires_at, ip, user_agent,"
  " auth_at, amr) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
  NULL)
Q(SESSIONS_DELETE, "DELETE FROM sessions WHERE id_hash = ?", NULL)
Q(SESSIONS_TOUCH, "UPDATE sessions SET last_seen = ? WHERE id_hash = ?", NULL)
Q(SESSIONS_REAUTH, "UPDATE sessions SET auth_at = ? WHERE id_hash = ?", NULL)
Q(SESSIONS_END_ONE, "DELETE FROM sessions WHERE account_id = ? AND id_hash = ?", NULL)
Q(SESSIONS_END_OTHERS, "DELETE FROM sessions WHERE account_id = ? AND id_hash <> ?", NULL)
Q(SESSIONS_END_ALL, "DELETE FROM sessions WHERE account_id = ?", NULL)
/* the given one first, then the most recently used */
Q(SESSIONS_LIST,
  "SELECT id_hash, ip, user_agent, created_at, last_seen FROM sessions"
  " WHERE account_id = ? AND expires_at > ?"
  " ORDER BY CASE WHEN id_hash = ? THEN 0 ELSE 1 END, last_seen DESC, created_at DESC LIMIT 50",
  NULL)
/* ended sessions: past their absolute end, or unused too long (two sweeps, one index each) */
QSWEEP(SESSIONS_SWEEP_EXPIRED, "sessions", "expires_at <= ?", "expires_at")
QSWEEP(SESSIONS_SWEEP_IDLE, "sessions", "last_seen < ?", "last_seen")
/* metrics: sessions used since a moment (sessions_last_seen) */
Q(SESSIONS_COUNT_SEEN, "SELECT COUNT(*) FROM sessions WHERE last_seen >= ?", NULL)
