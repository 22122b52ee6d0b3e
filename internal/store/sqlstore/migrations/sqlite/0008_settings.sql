-- Run-time server settings (SQLite): one row of overrides shared by every
-- replica. NULL durations (nanoseconds) and an empty image are not set:
-- the server flag applies. Keep in step with postgres/0008_settings.sql.

CREATE TABLE settings (
    id                      INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    revision                INTEGER NOT NULL,
    updated_at              INTEGER,
    updated_by              TEXT    NOT NULL,
    token_default_ttl_ns    INTEGER,
    token_max_ttl_ns        INTEGER,
    group_refresh_ns        INTEGER,
    session_idle_timeout_ns INTEGER,
    agent_image             TEXT    NOT NULL
) STRICT;

INSERT INTO settings (id, revision, updated_by, agent_image) VALUES (1, 0, '', '');
