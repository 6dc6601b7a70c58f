/* q_mfa: second factors (totp_secrets.c, recovery_codes.c), the two-step sign-in state
 * (mfa_pending.c), passkeys (passkeys.c) and WebAuthn challenges (webauthn_challenges.c). */
/* a new secret replaces one still waiting for its first code, never a confirmed one */
Q(TOTP_PUT,
  "INSERT INTO totp_secrets (account_id, secret_ct, confirmed_at, last_step, created_at)"
  " VALUES (?, ?, NULL, 0, ?) ON CONFLICT (account_id) DO UPDATE SET"
  " secret_ct = excluded.secret_ct, last_step = 0, created_at = excluded.created_at"
  " WHERE totp_secrets.confirmed_at IS NULL",
  NULL)
Q(TOTP_GET,
  "SELECT secret_ct, COALESCE(confirmed_at, 0), last_step FROM totp_secrets WHERE account_id = ?",
  NULL)
Q(TOTP_CONFIRM,
  "UPDATE totp_secrets SET confirmed_at = ?, last_step = ? WHERE account_id = ?"
  " AND confirmed_at IS NULL AND last_step < ?",
  NULL)
/* a step is used once on every node: only a later step moves last_step */
Q(TOTP_USE,
  "UPDATE totp_secrets SET last_step = ? WHERE account_id = ? AND confirmed_at IS NOT NULL"
  " AND last_step < ?",
  NULL)
Q(TOTP_DELETE, "DELETE FROM totp_secrets WHERE account_id = ?", NULL)

Q(RECOVERY_INSERT,
  "INSERT INTO recovery_codes (account_id, code_hash, created_at) VALUES (?, ?, ?)", NULL)
Q(RECOVERY_DELETE_ALL, "DELETE FROM recovery_codes WHERE account_id = ?", NULL)
Q(RECOVERY_UNUSED,
  "SELECT code_hash FROM recovery_codes WHERE account_id = ? AND used_at IS NULL", NULL)
Q(RECOVERY_USE,
  "UPDATE recovery_codes SET used_at = ? WHERE account_id = ? AND code_hash = ?"
  " AND used_at IS NULL",
  NULL)
Q(RECOVERY_COUNT,
  "SELECT COUNT(*) FROM recovery_codes WHERE account_id = ? AND used_at IS NULL", NULL)

Q(MFA_PENDING_INSERT,
  "INSERT INTO mfa_pending (id_hash, account_id, first_amr, next, created_at, expires_at)"
  " VALUES (?, ?, ?, ?, ?, ?)",
  NULL)
Q(MFA_PENDING_GET,
  "SELECT account_id, first_amr, next, created_at FROM mfa_pending WHERE id_hash = ?"
  " AND expires_at > ?",
  NULL)
Q(MFA_PENDING_TAKE,
  "DELETE FROM mfa_pending WHERE id_hash = ? AND expires_at > ? RETURNING account_id", NULL)
QSWEEP(MFA_PENDING_SWEEP, "mfa_pending", "expires_at <= ?", "expires_at")

#define PASSKEY_COLS                                                                               \
    "id, account_id, cred_id, cose_alg, public_key, sign_count, backup_eligible, backup_state,"   \
    " name, created_at, COALESCE(last_used_at, 0)"
Q(PASSKEYS_INSERT,
  "INSERT INTO passkeys (account_id, cred_id, cose_alg, public_key, sign_count,"
  " backup_eligible, backup_state, name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
  NULL)
Q(PASSKEYS_BY_CRED, "SELECT " PASSKEY_COLS " FROM passkeys WHERE cred_id = ?", NULL)
Q(PASSKEYS_LIST,
  "SELECT " PASSKEY_COLS " FROM passkeys WHERE account_id = ? ORDER BY created_at, id LIMIT 50",
  NULL)
/* the counter moves forward only (0 stays 0 for authenticators without one) */
Q(PASSKEYS_USED,
  "UPDATE passkeys SET sign_count = ?, backup_state = ?, last_used_at = ? WHERE id = ?"
  " AND (sign_count < ? OR (sign_count = 0 AND ? = 0))",
  NULL)
Q(PASSKEYS_RENAME, "UPDATE passkeys SET name = ? WHERE id = ? AND account_id = ?", NULL)
Q(PASSKEYS_DELETE, "DELETE FROM passkeys WHERE id = ? AND account_id = ?", NULL)
Q(PASSKEYS_DELETE_ALL, "DELETE FROM passkeys WHERE account_id = ?", NULL)
Q(PASSKEYS_COUNT, "SELECT COUNT(*) FROM passkeys WHERE account_id = ?", NULL)
#undef PASSKEY_COLS

Q(WEBAUTHN_CHALLENGES_INSERT,
  "INSERT INTO webauthn_challenges (id_hash, challenge, kind, account_id, name, created_at,"
  " expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
  NULL)
Q(WEBAUTHN_CHALLENGES_TAKE,
  "DELETE FROM webauthn_challenges WHERE id_hash = ? RETURNING challenge, kind, account_id,"
  " name, expires_at",
  NULL)
QSWEEP(WEBAUTHN_CHALLENGES_SWEEP, "webauthn_challenges", "expires_at <= ?", "expires_at")
