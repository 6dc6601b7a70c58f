-- 019: the console's offers to bind a provider (GitHub, WeChat) that the account dismissed, one
-- bit per provider (console.h, enum console_provider), so a dismissed offer stays away.
ALTER TABLE accounts ADD COLUMN offers_dismissed INTEGER NOT NULL DEFAULT 0;
