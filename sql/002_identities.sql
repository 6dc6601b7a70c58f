-- 002: identities from other sign-in providers (GitHub, Bitbucket, Coding, WeChat) linked to
-- accounts, and the time of the last sign-in of a session (sensitive changes need a recent one).

-- subject: the provider's stable id (GitHub's numeric id, Bitbucket's uuid, WeChat's unionid or
-- else openid); login/email: what the provider showed; extra: provider-specific JSON.
CREATE TABLE identities (
    id {{ID}},
    provider TEXT NOT NULL,
    subject TEXT NOT NULL,
    login TEXT,
    email TEXT,
    extra TEXT,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (provider, subject)
);
CREATE UNIQUE INDEX identities_account_provider ON identities (account_id, provider);

ALTER TABLE sessions ADD COLUMN auth_at INTEGER NOT NULL DEFAULT 0;
