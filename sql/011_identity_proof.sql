-- 011: whether an identity was bound while its account's address was verified. A reset or a
-- verification that proves the mailbox from outside ends the identities bound while it was not
-- (identity.h, invariant 4): they may be someone else's way into an account that the mailbox
-- owner now takes over (pre-account takeover).
-- Existing rows: bound_verified = 1 when the account's address is verified today (its owner has
-- had the account and its identities since), 0 otherwise.
ALTER TABLE identities ADD COLUMN bound_verified INTEGER NOT NULL DEFAULT 0;
UPDATE identities SET bound_verified = 1
    WHERE account_id IN (SELECT id FROM accounts WHERE email_verified = 1);
-- the janitor's sweep of accounts nobody verified in time (closure_sweep_unverified)
CREATE INDEX accounts_unverified ON accounts (created_at) WHERE email_verified = 0;
