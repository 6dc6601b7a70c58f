-- 004: WeChat sign-in by scanning the service account's QR code (tickets, pushes seen,
-- followers, the shared access token) and the resources ledger (grants).

-- A sign-in QR code (see wechat_login.h for the state machine). scene: the random scene_str
-- WeChat echoes in its pushes; secret_hash: hash of the cookie binding the ticket to the
-- browser that asked for it (the only way a browser finds its ticket); intent: signin | bind;
-- account_id: the signed-in account of a bind (0 for signin); wx_ticket: WeChat's ticket of
-- the QR (pushes carry it; cross-checked); qr_url: the QR's content; state: pending | scanned |
-- consumed (expired is derived: now >= expires_at); openid, unionid: who scanned (unionid once
-- user/info answered: resolved = 1); lang: the page's language, also used for the chat reply.
CREATE TABLE wechat_tickets (
    scene TEXT PRIMARY KEY,
    secret_hash TEXT NOT NULL UNIQUE,
    intent TEXT NOT NULL,
    account_id INTEGER NOT NULL DEFAULT 0,
    wx_ticket TEXT NOT NULL,
    qr_url TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    openid TEXT,
    unionid TEXT,
    resolved INTEGER NOT NULL DEFAULT 0,
    lang TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    scanned_at INTEGER NOT NULL DEFAULT 0,
    expires_at INTEGER NOT NULL
);
CREATE INDEX wechat_tickets_expires ON wechat_tickets (expires_at);

-- Pushes applied, by FromUserName + CreateTime: WeChat retries a push it got no answer to
-- within 5 s, and a retry must change nothing. reply: the catalog key of the passive reply
-- ('' for none) and lang its language, so that a retry gets the same answer.
CREATE TABLE wechat_pushes (
    from_user TEXT NOT NULL,
    create_time INTEGER NOT NULL,
    event TEXT NOT NULL DEFAULT '',
    reply TEXT NOT NULL DEFAULT '',
    lang TEXT NOT NULL DEFAULT '',
    received_at INTEGER NOT NULL,
    PRIMARY KEY (from_user, create_time)
);
CREATE INDEX wechat_pushes_received ON wechat_pushes (received_at);

-- Who follows the service account, from subscribe / SCAN / unsubscribe pushes, by openid.
CREATE TABLE wechat_followers (
    openid TEXT PRIMARY KEY,
    following INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- The access token, one per AppID, shared by every node, sealed with the provider-token key
-- (token: see provider_token.h; it opens only for this AppID). Only the holder of the lease
-- (lease_owner until lease_until) fetches a new one, because a fetch may invalidate the token
-- the other nodes are using. refresh_at: when the keeper fetches the next one (before
-- expires_at); fetches: how many were fetched (for operators).
CREATE TABLE wechat_tokens (
    app_id TEXT PRIMARY KEY,
    token TEXT NOT NULL DEFAULT '',
    expires_at INTEGER NOT NULL DEFAULT 0,
    refresh_at INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT NOT NULL DEFAULT '',
    lease_until INTEGER NOT NULL DEFAULT 0,
    fetches INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL DEFAULT 0
);

-- The resources ledger: units granted on top of the base plan (base_units). reason: why
-- (wechat_bind); source: what earned it, "wechat:" + hash of the identity's subject. Once per
-- account and reason, once per reason and source, ever: rows are never deleted, and an
-- account's deletion only detaches them (see grants.h).
CREATE TABLE grants (
    id {{ID}},
    account_id INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    reason TEXT NOT NULL,
    units INTEGER NOT NULL,
    source TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX grants_account_reason ON grants (account_id, reason);
CREATE UNIQUE INDEX grants_reason_source ON grants (reason, source);
