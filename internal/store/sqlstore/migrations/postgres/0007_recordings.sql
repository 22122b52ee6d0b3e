-- Recorded terminal sessions (PostgreSQL): browser shells and pod
-- terminals. No foreign keys: recordings are audit records and outlive
-- their user and cluster. The asciicast body is appended in chunks while
-- the session runs. Keep in step with sqlite/0007_recordings.sql.

CREATE TABLE recordings (
    id           TEXT    COLLATE "C" NOT NULL PRIMARY KEY,
    kind         TEXT    NOT NULL,
    user_id      TEXT    NOT NULL,
    username     TEXT    NOT NULL,
    cluster_id   TEXT    NOT NULL,
    cluster_name TEXT    NOT NULL,
    namespace    TEXT    NOT NULL,
    pod          TEXT    NOT NULL,
    container    TEXT    NOT NULL,
    width        BIGINT  NOT NULL,
    height       BIGINT  NOT NULL,
    started_at   BIGINT  NOT NULL,
    ended_at     BIGINT,
    size         BIGINT  NOT NULL,
    truncated    BOOLEAN NOT NULL
);

CREATE INDEX recordings_started ON recordings (started_at, id);
CREATE INDEX recordings_user ON recordings (user_id, started_at);
CREATE INDEX recordings_cluster ON recordings (cluster_id, started_at);

CREATE TABLE recording_chunks (
    recording_id TEXT   COLLATE "C" NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
    seq          BIGINT NOT NULL,
    data         BYTEA  NOT NULL,
    PRIMARY KEY (recording_id, seq)
);
