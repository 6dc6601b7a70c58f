/* q_provider_tokens: sealed OAuth tokens of bound providers (provider_tokens.c). */
Q(PROVIDER_TOKENS_SCOPE, "SELECT scope FROM provider_tokens WHERE account_id = ? AND provider = ?",
  NULL)
Q(PROVIDER_TOKENS_PUT,
  "INSERT INTO provider_tokens (account_id, provider, identity_id, access_ct, refresh_ct, scope,"
  " expires_at, generation, lease_until, updated_at)"
  " SELECT account_id, provider, id, ?, ?, ?, ?, 1, 0, ? FROM identities"
  " WHERE account_id = ? AND provider = ? AND subject = ?"
  " ON CONFLICT (account_id, provider) DO UPDATE SET identity_id = excluded.identity_id,"
  " access_ct = excluded.access_ct, refresh_ct = excluded.refresh_ct, scope = excluded.scope,"
  " expires_at = excluded.expires_at, generation = provider_tokens.generation + 1,"
  " lease_until = 0, updated_at = excluded.updated_at",
  NULL)
Q(PROVIDER_TOKENS_GET,
  "SELECT i.subject, t.access_ct, t.refresh_ct, t.scope, t.expires_at, t.generation,"
  " t.lease_until, t.updated_at FROM provider_tokens t JOIN identities i"
  " ON i.id = t.identity_id WHERE t.account_id = ? AND t.provider = ?",
  NULL)
Q(PROVIDER_TOKENS_LEASE,
  "UPDATE provider_tokens SET lease_until = ? WHERE account_id = ? AND provider = ?"
  " AND generation = ? AND lease_until <= ?",
  NULL)
Q(PROVIDER_TOKENS_REFRESHED,
  "UPDATE provider_tokens SET access_ct = ?, refresh_ct = COALESCE(?, refresh_ct),"
  " scope = COALESCE(?, scope), expires_at = ?, generation = generation + 1, lease_until = 0,"
  " updated_at = ? WHERE account_id = ? AND provider = ? AND generation = ?",
  NULL)
Q(PROVIDER_TOKENS_RELEASE,
  "UPDATE provider_tokens SET lease_until = 0 WHERE account_id = ? AND provider = ?"
  " AND generation = ?",
  NULL)
Q(PROVIDER_TOKENS_RELEASE_DROP_REFRESH,
  "UPDATE provider_tokens SET lease_until = 0, refresh_ct = NULL, generation = generation + 1"
  " WHERE account_id = ? AND provider = ? AND generation = ?",
  NULL)
