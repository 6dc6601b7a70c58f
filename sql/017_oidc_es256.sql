-- 017: ID tokens signed ES256 as well as RS256. A client's id_token_alg (its registration's
-- id_token_signed_response_alg) chooses which; oidc_keys.alg already tells the keys apart, and
-- each algorithm has its own current key and rotation.
ALTER TABLE oidc_clients ADD COLUMN id_token_alg TEXT NOT NULL DEFAULT 'RS256';
