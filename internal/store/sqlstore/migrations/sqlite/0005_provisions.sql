-- Provisioning (SQLite): the resumable job creating (or removing) a cluster
-- through a provisioner, one per cluster, and each cluster's provisioning
-- history. Both go with their cluster. params and state are the JSON given.
-- Keep in step with postgres/0005_provisions.sql.

CREATE TABLE provisions (
    cluster_id    TEXT    NOT NULL PRIMARY KEY REFERENCES clusters (id) ON DELETE CASCADE,
    provider      TEXT    NOT NULL,
    params        TEXT    NOT NULL,
    credential_id TEXT    NOT NULL,
    phase         TEXT    NOT NULL,
    step          INTEGER NOT NULL,
    state         TEXT    NOT NULL,
    error         TEXT    NOT NULL,
    attempts      INTEGER NOT NULL,
    created_by    TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;

CREATE INDEX provisions_credential_id ON provisions (credential_id);

-- AUTOINCREMENT: IDs increase and are never reused, even after deletes.
CREATE TABLE cluster_events (
    id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    cluster_id  TEXT    NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
    occurred_at INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    message     TEXT    NOT NULL
) STRICT;

CREATE INDEX cluster_events_cluster_id ON cluster_events (cluster_id, id);
