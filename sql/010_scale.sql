-- 010: indexes for the statements that searched growing tables row by row (at a million
-- accounts each of them cost a scan, some inside write transactions). The contract suite
-- (tests/unit/test_store_contract_plan.c) checks that every statement of the catalogue is
-- planned with an index.

-- the janitor's idle-session sweep (last_seen < now - session_idle)
CREATE INDEX sessions_last_seen ON sessions (last_seen);

-- a verified address ends the other accounts' unverified claims on it: their verification
-- links go (tokens of kind 'verify' by email)
CREATE INDEX tokens_email ON tokens (email);

-- the janitor's sweep of sent mails past their keep; the sender's claim of a mail whose lease
-- ran out; an account's deletion detaches its mails
CREATE INDEX outbox_sent ON outbox (status, sent_at);
CREATE INDEX outbox_lease ON outbox (status, lease_until);
CREATE INDEX outbox_account ON outbox (account_id);

-- the janitor's sweep of events older than audit_retention
CREATE INDEX audit_created ON audit (created_at);

-- a WeChat identity found by the openid its extra records ({"openid":"…"…}): an equality or a
-- prefix range, compared bytewise (the BYTEWISE macro: COLLATE "C" on PostgreSQL, whose text order
-- follows the database's locale otherwise)
CREATE INDEX identities_extra ON identities (provider, extra{{BYTEWISE}});
