-- 018: on SQLite, the changes to what a cached session holds are counted per account and
-- session by the daoid processes themselves, in memory shared through a file next to the
-- database (src/db/sessgen.h), instead of in one table by triggers: those bumped a single
-- counter on any update of any account, so every sign-in dropped every cached session, and a
-- cached check still cost a query. Changes typed by hand into the SQLite file are seen when the
-- cache's TTL runs out. On PostgreSQL the notifications stay (sql/013), and now also cover the
-- identities an account's sessions show (GET /api/v1/me).
{{SQLITE_ONLY}}
DROP TRIGGER sessions_gen_update;
DROP TRIGGER sessions_gen_seen;
DROP TRIGGER sessions_gen_delete;
DROP TRIGGER accounts_gen_update;
DROP TRIGGER accounts_gen_delete;
DROP TRIGGER grants_gen_insert;
DROP TRIGGER grants_gen_update;
DROP TRIGGER grants_gen_delete;
{{END_SQLITE_ONLY}}
DROP TABLE session_gen;
{{PG_ONLY}}
CREATE TRIGGER identities_note AFTER INSERT OR UPDATE OR DELETE ON identities
    FOR EACH ROW EXECUTE FUNCTION daoid_session_note();
{{END_PG_ONLY}}
