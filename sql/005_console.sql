-- 005: the console's first-visit tour, remembered per account (so it never shows again, on any
-- device), and usernames held back after a rename or an account's deletion (so nobody can take a
-- released name over at once).

-- 0: the tour shows on the next console visit; otherwise when it was finished or skipped.
ALTER TABLE accounts ADD COLUMN tour_done_at INTEGER NOT NULL DEFAULT 0;

-- username: canonical form, released by account_id (which may take it back while it is held;
-- NULL once that account is deleted, so a later account can never claim it by id).
-- Sign-up and renames refuse a name while now < held_until (see account.c, settings.c).
CREATE TABLE held_usernames (
    username TEXT PRIMARY KEY,
    account_id INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    held_until INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX held_usernames_until ON held_usernames (held_until);
CREATE INDEX held_usernames_account ON held_usernames (account_id);
