-- 013: on PostgreSQL, every change to what a cached session holds (its sessions row, its
-- account's row, the account's grants) is notified on channel daoid_session at commit, by
-- whoever makes it (daoid on any node, `daoid admin`, SQL by hand), so that every node's
-- session cache drops it (src/db/invalidate.h, pg_listen.c). Payloads: "s:<id_hash>" and
-- "a:<account id>". On SQLite the same triggers count the changes in session_gen, which a
-- reader compares on every cached check (processes sharing one file). A session's last_seen
-- moving forward and nothing else (sessions_touch, at most once a minute) is not a change:
-- caches keep their own; any other update of a session is (on SQLite: of the columns listed,
-- or last_seen moving back).
CREATE TABLE session_gen (n INTEGER NOT NULL);
INSERT INTO session_gen (n) VALUES (0);
{{SQLITE_ONLY}}
CREATE TRIGGER sessions_gen_update
    AFTER UPDATE OF id_hash, account_id, created_at, expires_at, ip, user_agent, auth_at, amr
    ON sessions BEGIN UPDATE session_gen SET n = n + 1; END;
CREATE TRIGGER sessions_gen_seen AFTER UPDATE OF last_seen ON sessions
    WHEN NOT (NEW.last_seen > OLD.last_seen) BEGIN UPDATE session_gen SET n = n + 1; END;
CREATE TRIGGER sessions_gen_delete AFTER DELETE ON sessions
    BEGIN UPDATE session_gen SET n = n + 1; END;
CREATE TRIGGER accounts_gen_update AFTER UPDATE ON accounts
    BEGIN UPDATE session_gen SET n = n + 1; END;
CREATE TRIGGER accounts_gen_delete AFTER DELETE ON accounts
    BEGIN UPDATE session_gen SET n = n + 1; END;
CREATE TRIGGER grants_gen_insert AFTER INSERT ON grants
    BEGIN UPDATE session_gen SET n = n + 1; END;
CREATE TRIGGER grants_gen_update AFTER UPDATE ON grants
    BEGIN UPDATE session_gen SET n = n + 1; END;
CREATE TRIGGER grants_gen_delete AFTER DELETE ON grants
    BEGIN UPDATE session_gen SET n = n + 1; END;
{{END_SQLITE_ONLY}}
{{PG_ONLY}}
CREATE FUNCTION daoid_session_note() RETURNS trigger LANGUAGE plpgsql AS $note$
BEGIN
    IF TG_TABLE_NAME = 'sessions' THEN
        PERFORM pg_notify('daoid_session', 's:' || OLD.id_hash);
    ELSIF TG_TABLE_NAME = 'accounts' THEN
        PERFORM pg_notify('daoid_session', 'a:' || OLD.id);
    ELSE
        IF TG_OP <> 'INSERT' AND OLD.account_id IS NOT NULL THEN
            PERFORM pg_notify('daoid_session', 'a:' || OLD.account_id);
        END IF;
        IF TG_OP <> 'DELETE' AND NEW.account_id IS NOT NULL THEN
            PERFORM pg_notify('daoid_session', 'a:' || NEW.account_id);
        END IF;
    END IF;
    RETURN NULL;
END
$note$;
CREATE TRIGGER sessions_note_update AFTER UPDATE ON sessions
    FOR EACH ROW WHEN (NOT (NEW.last_seen > OLD.last_seen)
                       OR to_jsonb(NEW) - 'last_seen' IS DISTINCT FROM to_jsonb(OLD) - 'last_seen')
    EXECUTE FUNCTION daoid_session_note();
CREATE TRIGGER sessions_note_delete AFTER DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION daoid_session_note();
CREATE TRIGGER accounts_note AFTER UPDATE OR DELETE ON accounts
    FOR EACH ROW EXECUTE FUNCTION daoid_session_note();
CREATE TRIGGER grants_note AFTER INSERT OR UPDATE OR DELETE ON grants
    FOR EACH ROW EXECUTE FUNCTION daoid_session_note();
{{END_PG_ONLY}}
