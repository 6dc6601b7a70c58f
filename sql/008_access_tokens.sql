-- 008: access tokens (personal access tokens) for the image registry: `docker login` with the
-- daoid username and a token instead of the password (accounts made by GitHub or WeChat have
-- none). The secret (dao_pat_ + 43 base64url characters, 256 random bits) is shown once and
-- stored only as its hash (hex BLAKE2b-256): hash is the lookup key.
-- scopes: space-separated ("registry:pull registry:push"); expires_at: 0 for never;
-- last_used_at: 0 until first used; revoked_at: 0 while valid (revoked rows stay listed as
-- revoked until the janitor sweeps them). Deleting the account deletes its tokens.
CREATE TABLE access_tokens (
    id {{ID}},
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL DEFAULT 0,
    last_used_at INTEGER NOT NULL DEFAULT 0,
    revoked_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX access_tokens_account ON access_tokens (account_id);
-- the janitor's sweeps, 30 days after revocation or expiry
CREATE INDEX access_tokens_revoked ON access_tokens (revoked_at);
CREATE INDEX access_tokens_expires ON access_tokens (expires_at);
