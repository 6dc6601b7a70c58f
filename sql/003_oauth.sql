-- 003: OAuth2 sign-in (GitHub, Bitbucket, Coding): the states of flows under way and the
-- sign-ups waiting for their "complete your account" form. Both rows are one-time (deleted
-- when used) and short-lived (the janitor deletes expired ones). Only hashes of the secrets
-- handed to browsers are kept. No provider token is kept in plain text: 006_build.sql adds
-- the sealed (encrypted) token columns of a pending sign-up to oauth_pending.

-- state_hash: hash of the `state` parameter; browser_hash: hash of the cookie that binds the
-- flow to the browser that started it; intent: signin | bind | reauth; account_id: the
-- signed-in account that started a bind or reauth (0 for signin); verifier: the PKCE
-- code_verifier (NULL when the provider takes none); next: where to go afterwards.
CREATE TABLE oauth_states (
    state_hash TEXT PRIMARY KEY,
    browser_hash TEXT NOT NULL,
    provider TEXT NOT NULL,
    intent TEXT NOT NULL,
    account_id INTEGER NOT NULL DEFAULT 0,
    verifier TEXT,
    next TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX oauth_states_expires ON oauth_states (expires_at);

-- A provider identity that no account has yet, between the callback and the registration
-- form. id_hash: hash of the token in the browser's cookie; email: the provider's primary
-- verified address (NULL when it has none).
CREATE TABLE oauth_pending (
    id_hash TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    subject TEXT NOT NULL,
    login TEXT,
    name TEXT,
    email TEXT,
    next TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX oauth_pending_expires ON oauth_pending (expires_at);
