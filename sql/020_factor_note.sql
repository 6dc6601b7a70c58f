-- 020: a cached session also holds whether its account has a second factor (a confirmed
-- authenticator app or a passkey: require_2fa's check reads it, src/core/mfa.h), so on
-- PostgreSQL adding or removing one is notified on channel daoid_session like the other changes
-- a session shows (sql/013), whoever makes it. A code used (totp_secrets.last_step) or a
-- passkey used or renamed changes nothing a session holds and is not notified. On SQLite the
-- tables' owners bump the shared counters themselves (src/db/invalidate.h).
{{PG_ONLY}}
CREATE TRIGGER totp_secrets_note AFTER INSERT OR DELETE OR UPDATE OF confirmed_at, account_id
    ON totp_secrets FOR EACH ROW EXECUTE FUNCTION daoid_session_note();
CREATE TRIGGER passkeys_note AFTER INSERT OR DELETE OR UPDATE OF account_id
    ON passkeys FOR EACH ROW EXECUTE FUNCTION daoid_session_note();
{{END_PG_ONLY}}
