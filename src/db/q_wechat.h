/* q_wechat: the WeChat tables — QR tickets (wechat_tickets.c), pushes received
 * (wechat_pushes.c), their nonces (wechat_nonces.c), followers (wechat_followers.c) and the
 * access token (wechat_tokens.c). */
#define TICKET_COLS                                                                                \
    "scene, secret_hash, intent, account_id, wx_ticket, qr_url, state, openid, unionid,"           \
    " resolved, lang, created_at, expires_at"
Q(WECHAT_TICKETS_INSERT,
  "INSERT INTO wechat_tickets (scene, secret_hash, intent, account_id, wx_ticket, qr_url, lang,"
  " created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
  NULL)
Q(WECHAT_TICKETS_BY_SECRET, "SELECT " TICKET_COLS " FROM wechat_tickets WHERE secret_hash = ?",
  NULL)
Q(WECHAT_TICKETS_BY_SCENE, "SELECT " TICKET_COLS " FROM wechat_tickets WHERE scene = ?", NULL)
#undef TICKET_COLS
Q(WECHAT_TICKETS_DELETE_SECRET, "DELETE FROM wechat_tickets WHERE secret_hash = ?", NULL)
Q(WECHAT_TICKETS_SCAN,
  "UPDATE wechat_tickets SET state = 'scanned', openid = ?, scanned_at = ?, expires_at = ?"
  " WHERE scene = ? AND state = 'pending'",
  NULL)
Q(WECHAT_TICKETS_RESOLVE, "UPDATE wechat_tickets SET unionid = ?, resolved = 1 WHERE scene = ?",
  NULL)
Q(WECHAT_TICKETS_CONSUME,
  "UPDATE wechat_tickets SET state = 'consumed'"
  " WHERE scene = ? AND state = 'scanned' AND expires_at > ?",
  NULL)
QSWEEP(WECHAT_TICKETS_SWEEP, "wechat_tickets", "expires_at <= ? - 86400", "expires_at")
Q(WECHAT_PUSHES_INSERT,
  "INSERT INTO wechat_pushes (from_user, create_time, event, received_at) VALUES (?, ?, ?, ?)"
  " ON CONFLICT DO NOTHING",
  NULL)
Q(WECHAT_PUSHES_REPLY_OF,
  "SELECT reply, lang FROM wechat_pushes WHERE from_user = ? AND create_time = ?", NULL)
Q(WECHAT_PUSHES_SET_REPLY,
  "UPDATE wechat_pushes SET reply = ?, lang = ? WHERE from_user = ? AND create_time = ?", NULL)
QSWEEP(WECHAT_PUSHES_SWEEP, "wechat_pushes", "received_at <= ? - 86400", "received_at")
Q(WECHAT_FOLLOWERS_SET,
  "INSERT INTO wechat_followers (openid, following, updated_at) VALUES (?, ?, ?)"
  " ON CONFLICT (openid) DO UPDATE SET following = excluded.following,"
  " updated_at = excluded.updated_at",
  NULL)
QT(WECHAT_FOLLOWERS_LOCK, "SELECT following FROM wechat_followers WHERE openid = ?", "",
   " FOR UPDATE")
Q(WECHAT_TOKENS_GET,
  "SELECT token, expires_at, refresh_at, lease_owner, lease_until FROM wechat_tokens"
  " WHERE app_id = ?",
  NULL)
Q(WECHAT_TOKENS_CREATE, "INSERT INTO wechat_tokens (app_id) VALUES (?) ON CONFLICT DO NOTHING",
  NULL)
Q(WECHAT_TOKENS_LEASE_TAKE,
  "UPDATE wechat_tokens SET lease_owner = ?, lease_until = ? WHERE app_id = ? AND lease_until <= ?",
  NULL)
Q(WECHAT_TOKENS_LEASE_STORE,
  "UPDATE wechat_tokens SET token = ?, expires_at = ?, refresh_at = ?, lease_owner = '',"
  " lease_until = 0, fetches = fetches + 1, updated_at = ? WHERE app_id = ? AND lease_owner = ?",
  NULL)
Q(WECHAT_TOKENS_LEASE_END,
  "UPDATE wechat_tokens SET lease_owner = '', lease_until = ? WHERE app_id = ? AND lease_owner = ?",
  NULL)
Q(WECHAT_TOKENS_INVALIDATE,
  "UPDATE wechat_tokens SET expires_at = 0, refresh_at = 0 WHERE app_id = ? AND token = ?", NULL)
Q(WECHAT_NONCES_INSERT,
  "INSERT INTO wechat_nonces (nonce, ts, digest, expires_at) VALUES (?, ?, ?, ?)"
  " ON CONFLICT DO NOTHING",
  NULL)
Q(WECHAT_NONCES_SAME,
  "SELECT COUNT(*) FROM wechat_nonces WHERE nonce = ? AND ts = ? AND digest = ?", NULL)
QSWEEP(WECHAT_NONCES_SWEEP, "wechat_nonces", "expires_at < ?", "expires_at")
