-- Run-time server settings (PostgreSQL): one row of overrides shared by
-- every replica. NULL durations (nanoseconds) and an empty image are not
-- set: the server flag applies. Keep in step with sqlite/0008_settings.sql.

CREATE TABLE settings (
    id                      INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    revision                BIGINT  NOT NULL,
    updated_at              BIGINT,
    updated_by              TEXT    NOT NULL,
    token_default_ttl_ns    BIGINT,
    token_max_ttl_ns        BIGINT,
    group_refresh_ns        BIGINT,
    session_idle_timeout_ns BIGINT,
    agent_image             TEXT    NOT NULL
);

INSERT INTO settings (id, revision, updated_by, agent_image) VALUES (1, 0, '', '');
