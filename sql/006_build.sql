-- 006: the Code Build page: provider access tokens (GitHub, Bitbucket, Coding) kept so that an
-- account's repositories can be listed. Tokens are stored only sealed (libsodium secretbox,
-- see provider_token.h for the format): *_ct columns hold base64url(version, key id, nonce,
-- ciphertext), never a token itself.

-- One row per account and provider, tied to the identity it was granted by: unbinding the
-- identity or deleting the account deletes it (cascades). scope: what the provider said it
-- granted (not secret); expires_at: 0 when the provider gave no lifetime; generation: bumped by
-- every write, so a refresh only lands on the row it read; lease_until: a node refreshing the
-- token holds it until then (the others wait for its result instead of refreshing too).
CREATE TABLE provider_tokens (
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    provider TEXT NOT NULL,
    identity_id INTEGER NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    access_ct TEXT NOT NULL,
    refresh_ct TEXT,
    scope TEXT,
    expires_at INTEGER NOT NULL DEFAULT 0,
    generation INTEGER NOT NULL DEFAULT 1,
    lease_until INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, provider)
);
CREATE INDEX provider_tokens_identity ON provider_tokens (identity_id);

-- A sign-up through a provider keeps its token, sealed, with the pending row until the
-- "complete your account" form creates the account (then it moves to provider_tokens).
ALTER TABLE oauth_pending ADD COLUMN token_ct TEXT;
ALTER TABLE oauth_pending ADD COLUMN refresh_ct TEXT;
ALTER TABLE oauth_pending ADD COLUMN token_scope TEXT;
ALTER TABLE oauth_pending ADD COLUMN token_expires_at INTEGER NOT NULL DEFAULT 0;
