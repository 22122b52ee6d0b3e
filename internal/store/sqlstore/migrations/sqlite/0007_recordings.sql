-- Recorded terminal sessions (SQLite): browser shells and pod terminals.
-- No foreign keys: recordings are audit records and outlive their user and
-- cluster. The asciicast body is appended in chunks while the session runs.
-- Keep in step with postgres/0007_recordings.sql.

CREATE TABLE recordings (
    id           TEXT    NOT NULL PRIMARY KEY,
    kind         TEXT    NOT NULL,
    user_id      TEXT    NOT NULL,
    username     TEXT    NOT NULL,
    cluster_id   TEXT    NOT NULL,
    cluster_name TEXT    NOT NULL,
    namespace    TEXT    NOT NULL,
    pod          TEXT    NOT NULL,
    container    TEXT    NOT NULL,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    started_at   INTEGER NOT NULL,
    ended_at     INTEGER,
    size         INTEGER NOT NULL,
    truncated    INTEGER NOT NULL CHECK (truncated IN (0, 1))
) STRICT;

CREATE INDEX recordings_started ON recordings (started_at, id);
CREATE INDEX recordings_user ON recordings (user_id, started_at);
CREATE INDEX recordings_cluster ON recordings (cluster_id, started_at);

CREATE TABLE recording_chunks (
    recording_id TEXT    NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
    seq          INTEGER NOT NULL,
    data         BLOB    NOT NULL,
    PRIMARY KEY (recording_id, seq)
) STRICT;
