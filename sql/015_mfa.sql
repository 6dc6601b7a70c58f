-- 015: second factors and passkeys. The authenticator-app secret (sealed like provider tokens,
-- with the last time step used so a code works once), recovery codes (hashed, single use), the
-- two-step sign-in state between the first factor and the second (a row bound to the browser's
-- cookie, never a session), passkeys (WebAuthn credentials) and WebAuthn challenges (single use,
-- bound to the browser, 5 minutes).
CREATE TABLE totp_secrets (
    account_id INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    secret_ct TEXT NOT NULL,
    confirmed_at INTEGER,
    last_step INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);

CREATE TABLE recovery_codes (
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    used_at INTEGER,
    PRIMARY KEY (account_id, code_hash)
);

CREATE TABLE mfa_pending (
    id_hash TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    first_amr TEXT NOT NULL,
    next TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX mfa_pending_expires ON mfa_pending (expires_at);
CREATE INDEX mfa_pending_account ON mfa_pending (account_id);

CREATE TABLE passkeys (
    id {{ID}},
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    cred_id TEXT NOT NULL UNIQUE,
    cose_alg INTEGER NOT NULL,
    public_key TEXT NOT NULL,
    sign_count INTEGER NOT NULL DEFAULT 0,
    backup_eligible INTEGER NOT NULL DEFAULT 0,
    backup_state INTEGER NOT NULL DEFAULT 0,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER
);
CREATE INDEX passkeys_account ON passkeys (account_id);

CREATE TABLE webauthn_challenges (
    id_hash TEXT PRIMARY KEY,
    challenge TEXT NOT NULL,
    kind TEXT NOT NULL,
    account_id INTEGER NOT NULL DEFAULT 0,
    name TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX webauthn_challenges_expires ON webauthn_challenges (expires_at);
