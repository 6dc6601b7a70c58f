-- 009: the nonces of WeChat pushes, remembered while their timestamp is within the window
-- (wechat_push_window): a callback URL leaked with its signature (a proxy log) cannot carry
-- another body. digest: BLAKE2b of the body that came with the nonce first (a retry of the same
-- body is WeChat's own and goes on to the push's de-duplication); expires_at: timestamp +
-- window, after which the timestamp is refused anyway and the janitor removes the row.
CREATE TABLE wechat_nonces (
    nonce TEXT NOT NULL,
    ts INTEGER NOT NULL,
    digest TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (nonce, ts)
);
CREATE INDEX wechat_nonces_expires ON wechat_nonces (expires_at);
