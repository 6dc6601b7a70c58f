/* q_oidc: the OpenID Connect provider's tables (oidc_clients.c, oidc_codes.c, oidc_grants.c,
 * oidc_tokens.c, oidc_consents.c, oidc_keys.c). */
Q(OIDC_CLIENTS_INSERT,
  "INSERT INTO oidc_clients (client_id, name, secret_hash, redirect_uris, post_logout_uris,"
  " scopes, public, first_party, id_token_alg, created_at, updated_at)"
  " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
  " RETURNING id",
  NULL)
Q(OIDC_CLIENTS_BY_CLIENT_ID,
  "SELECT id, client_id, name, secret_hash, redirect_uris, post_logout_uris, scopes, public,"
  " first_party, id_token_alg, created_at FROM oidc_clients WHERE client_id = ?",
  NULL)
Q(OIDC_CLIENTS_BY_ID,
  "SELECT id, client_id, name, secret_hash, redirect_uris, post_logout_uris, scopes, public,"
  " first_party, id_token_alg, created_at FROM oidc_clients WHERE id = ?",
  NULL)
Q(OIDC_CLIENTS_LIST,
  "SELECT id, client_id, name, secret_hash, redirect_uris, post_logout_uris, scopes, public,"
  " first_party, id_token_alg, created_at FROM oidc_clients ORDER BY id LIMIT 500",
  NULL)
Q(OIDC_CLIENTS_SET_SECRET,
  "UPDATE oidc_clients SET secret_hash = ?, updated_at = ? WHERE client_id = ? AND public = 0",
  NULL)
Q(OIDC_CLIENTS_SET_ALG,
  "UPDATE oidc_clients SET id_token_alg = ?, updated_at = ? WHERE client_id = ?", NULL)
Q(OIDC_CLIENTS_DELETE, "DELETE FROM oidc_clients WHERE client_id = ?", NULL)

Q(OIDC_CODES_INSERT,
  "INSERT INTO oidc_codes (code_hash, client_id, account_id, redirect_uri, scope, nonce,"
  " challenge, auth_time, amr, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
  NULL)
/* the first redemption marks the code used; a later one finds used_at set */
Q(OIDC_CODES_TAKE,
  "UPDATE oidc_codes SET used_at = ? WHERE code_hash = ? AND used_at = 0"
  " RETURNING client_id, account_id, redirect_uri, scope, nonce, challenge, auth_time, amr,"
  " expires_at",
  NULL)
Q(OIDC_CODES_GRANT_OF, "SELECT grant_id, client_id FROM oidc_codes WHERE code_hash = ?", NULL)
Q(OIDC_CODES_SET_GRANT, "UPDATE oidc_codes SET grant_id = ? WHERE code_hash = ?", NULL)
/* kept a day after expiry, so that a replay within it still revokes what the code issued */
QSWEEP(OIDC_CODES_SWEEP, "oidc_codes", "expires_at <= ? - 86400", "expires_at")

Q(OIDC_GRANTS_INSERT,
  "INSERT INTO oidc_grants (client_id, account_id, scope, auth_time, amr, created_at,"
  " expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
  NULL)
Q(OIDC_GRANTS_REVOKE, "UPDATE oidc_grants SET revoked_at = ? WHERE id = ? AND revoked_at = 0",
  NULL)
Q(OIDC_GRANTS_REVOKE_CLIENT,
  "UPDATE oidc_grants SET revoked_at = ? WHERE account_id = ? AND client_id = ?"
  " AND revoked_at = 0",
  NULL)
QSWEEP(OIDC_GRANTS_SWEEP, "oidc_grants", "expires_at <= ?", "expires_at")

Q(OIDC_TOKENS_INSERT,
  "INSERT INTO oidc_tokens (hash, grant_id, kind, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
  NULL)
/* a token with its grant, client and account, whatever its state (the caller judges) */
Q(OIDC_TOKENS_BY_HASH,
  "SELECT t.grant_id, t.kind, t.expires_at, t.used_at, t.revoked_at, g.revoked_at, g.client_id,"
  " g.account_id, g.scope, g.auth_time, g.amr, c.client_id, a.status, a.username, g.expires_at"
  " FROM oidc_tokens t JOIN oidc_grants g ON g.id = t.grant_id"
  " JOIN oidc_clients c ON c.id = g.client_id JOIN accounts a ON a.id = g.account_id"
  " WHERE t.hash = ?",
  NULL)
/* rotation: the one caller that marks the refresh token used wins */
Q(OIDC_TOKENS_USE,
  "UPDATE oidc_tokens SET used_at = ? WHERE hash = ? AND used_at = 0 AND revoked_at = 0", NULL)
Q(OIDC_TOKENS_REVOKE, "UPDATE oidc_tokens SET revoked_at = ? WHERE hash = ? AND revoked_at = 0",
  NULL)
QSWEEP(OIDC_TOKENS_SWEEP, "oidc_tokens", "expires_at <= ?", "expires_at")

Q(OIDC_CONSENTS_GET,
  "SELECT scope FROM oidc_consents WHERE account_id = ? AND client_id = ?", NULL)
Q(OIDC_CONSENTS_PUT,
  "INSERT INTO oidc_consents (account_id, client_id, scope, created_at, last_used_at)"
  " VALUES (?, ?, ?, ?, ?) ON CONFLICT (account_id, client_id) DO UPDATE SET"
  " scope = excluded.scope, last_used_at = excluded.last_used_at",
  NULL)
Q(OIDC_CONSENTS_TOUCH,
  "UPDATE oidc_consents SET last_used_at = ? WHERE account_id = ? AND client_id = ?", NULL)
Q(OIDC_CONSENTS_LIST,
  "SELECT k.client_id, c.client_id, c.name, k.scope, k.created_at, k.last_used_at"
  " FROM oidc_consents k JOIN oidc_clients c ON c.id = k.client_id WHERE k.account_id = ?"
  " ORDER BY k.last_used_at DESC LIMIT 100",
  NULL)
Q(OIDC_CONSENTS_DELETE,
  "DELETE FROM oidc_consents WHERE account_id = ? AND client_id = ?", NULL)

Q(OIDC_KEYS_INSERT,
  "INSERT INTO oidc_keys (kid, alg, private_sealed, public_jwk, created_at, active_at)"
  " VALUES (?, ?, ?, ?, ?, ?)",
  NULL)
/* the key of an algorithm that signs now: the newest already active (its kid only: the
 * private key is read by kid, and only when the process has not parsed it yet) */
Q(OIDC_KEYS_CURRENT,
  "SELECT kid FROM oidc_keys WHERE alg = ? AND active_at <= ?"
  " AND (expires_at = 0 OR expires_at > ?) ORDER BY active_at DESC, created_at DESC LIMIT 1",
  NULL)
Q(OIDC_KEYS_PUBLISHED,
  "SELECT kid, alg, public_jwk, created_at, active_at, expires_at FROM oidc_keys"
  " WHERE expires_at = 0 OR expires_at > ? ORDER BY created_at DESC, alg",
  NULL)
/* a rotation: the keys of alg published until now stop being published at `until` */
Q(OIDC_KEYS_RETIRE,
  "UPDATE oidc_keys SET expires_at = ? WHERE expires_at = 0 AND alg = ? AND kid <> ?", NULL)
Q(OIDC_KEYS_SWEEP, "DELETE FROM oidc_keys WHERE expires_at > 0 AND expires_at <= ?", NULL)
Q(OIDC_KEYS_BY_KID,
  "SELECT alg, private_sealed FROM oidc_keys WHERE kid = ?"
  " AND (expires_at = 0 OR expires_at > ?)",
  NULL)
