-- 016: an OAuth state remembers whether its flow asked for repository access (Code Build's
-- "access=repos"), so that a "try again" link after a failed callback asks for the same.
ALTER TABLE oauth_states ADD COLUMN repos INTEGER NOT NULL DEFAULT 0;
