-- 012: how each session signed in (OpenID Connect `amr`, RFC 8176 style): space-separated
-- method names, "pwd" for a password, the provider's name ("github", "wechat", ...) for a
-- provider sign-in; factors added later (a second step) are appended by session.c.
ALTER TABLE sessions ADD COLUMN amr TEXT NOT NULL DEFAULT '';
