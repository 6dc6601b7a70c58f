-- 014: daoid as an OpenID Connect provider. Every piece of the provider's state is here, so any
-- node answers any step of a flow. Secrets handed out (client secrets, codes, access and refresh
-- tokens) are kept only as their hash (hex BLAKE2b-256; they are 256-bit random values); signing
-- keys are kept sealed (seal.h, the service's token key). Times are Unix seconds.

-- Registered relying parties. client_id: public identifier; secret_hash: NULL for a public
-- client (PKCE required); redirect_uris: space-separated, matched exactly; scopes: the scopes
-- it may ask for; first_party: 1 skips the consent page.
CREATE TABLE oidc_clients (
    id {{ID}},
    client_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    secret_hash TEXT,
    redirect_uris TEXT NOT NULL,
    post_logout_uris TEXT NOT NULL DEFAULT '',
    scopes TEXT NOT NULL,
    public INTEGER NOT NULL DEFAULT 0,
    first_party INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Authorization codes: single use, 60 s, bound to the client, the redirect URI and the PKCE
-- challenge. grant_id: the grant the code was redeemed for (0 until then): a second redemption
-- revokes that grant and everything it issued.
CREATE TABLE oidc_codes (
    code_hash TEXT PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    redirect_uri TEXT NOT NULL,
    scope TEXT NOT NULL,
    nonce TEXT,
    challenge TEXT,
    auth_time INTEGER NOT NULL,
    amr TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER NOT NULL DEFAULT 0,
    grant_id INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX oidc_codes_expires ON oidc_codes (expires_at);
-- what goes with a client or an account (ON DELETE CASCADE)
CREATE INDEX oidc_codes_client ON oidc_codes (client_id);
CREATE INDEX oidc_codes_account ON oidc_codes (account_id);

-- A grant: what one code redemption started (a refresh-token family). Revoking it (reuse of a
-- rotated refresh token, a replayed code, the person revoking the app, an account disabled)
-- ends every token it issued at once.
CREATE TABLE oidc_grants (
    id {{ID}},
    client_id INTEGER NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    scope TEXT NOT NULL,
    auth_time INTEGER NOT NULL,
    amr TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX oidc_grants_account ON oidc_grants (account_id, client_id);
CREATE INDEX oidc_grants_expires ON oidc_grants (expires_at);
CREATE INDEX oidc_grants_client ON oidc_grants (client_id);

-- Access tokens (kind 'access', opaque) and refresh tokens (kind 'refresh') of a grant.
-- used_at: a refresh token's rotation (a second use is reuse: the family is revoked).
CREATE TABLE oidc_tokens (
    hash TEXT PRIMARY KEY,
    grant_id INTEGER NOT NULL REFERENCES oidc_grants (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER NOT NULL DEFAULT 0,
    revoked_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX oidc_tokens_grant ON oidc_tokens (grant_id);
CREATE INDEX oidc_tokens_expires ON oidc_tokens (expires_at);

-- What a person allowed a client to read (remembered per client and scopes).
CREATE TABLE oidc_consents (
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    client_id INTEGER NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    scope TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, client_id)
);
CREATE INDEX oidc_consents_client ON oidc_consents (client_id);

-- ID-token signing keys. private_sealed: the PKCS#8 PEM, sealed; public_jwk: the JWK published
-- in the JWKS. A key is published from created_at, signs from active_at (the newest active key
-- signs), and stays published until expires_at (0: for now), set when a newer key takes over.
CREATE TABLE oidc_keys (
    kid TEXT PRIMARY KEY,
    alg TEXT NOT NULL,
    private_sealed TEXT NOT NULL,
    public_jwk TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    active_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL DEFAULT 0
);
