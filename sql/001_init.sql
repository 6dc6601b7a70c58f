-- 001: accounts, sessions, one-time tokens, captchas, rate counters, the mail outbox, the
-- audit log and settings. Shared by SQLite and PostgreSQL: {{ID}} is the dialect's
-- auto-increment key (see store_*.c macros). Times are Unix seconds.

CREATE TABLE settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- username: canonical (NFKC + case folded, and only [a-z0-9_-] survive the rules), unique.
-- email: as typed; email_norm: lowercased, for lookups. Only verified addresses are unique, so an
-- unverified claim never blocks the real owner (see account.c, invariant 2).
CREATE TABLE accounts (
    id {{ID}},
    username TEXT NOT NULL UNIQUE,
    email TEXT,
    email_norm TEXT,
    email_verified INTEGER NOT NULL DEFAULT 0,
    password_hash TEXT,
    status INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX accounts_email_verified ON accounts (email_norm) WHERE email_verified = 1;
CREATE INDEX accounts_email ON accounts (email_norm);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    ip TEXT,
    user_agent TEXT
);
CREATE INDEX sessions_account ON sessions (account_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE tokens (
    hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);
CREATE INDEX tokens_account ON tokens (account_id, kind);
CREATE INDEX tokens_expires ON tokens (expires_at);

CREATE TABLE captchas (
    id_hash TEXT PRIMARY KEY,
    answer_hash TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX captchas_expires ON captchas (expires_at);

CREATE TABLE rate_counters (
    key TEXT PRIMARY KEY,
    window_start INTEGER NOT NULL,
    count INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX rate_counters_expires ON rate_counters (expires_at);

-- status: queued → sending (leased until lease_until) → sent | queued (retry) | dead.
-- message is the complete MIME text; it is emptied once sent (it carries one-time links).
CREATE TABLE outbox (
    id {{ID}},
    account_id INTEGER,
    kind TEXT NOT NULL,
    rcpt TEXT NOT NULL,
    message TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'queued',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_until INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    sent_at INTEGER
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

CREATE TABLE audit (
    id {{ID}},
    account_id INTEGER,
    event TEXT NOT NULL,
    ip TEXT,
    detail TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX audit_account ON audit (account_id, created_at);
