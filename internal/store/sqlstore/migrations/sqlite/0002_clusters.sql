-- The cluster registry (SQLite). Keep in step with postgres/0002_clusters.sql.

CREATE TABLE clusters (
    id                 TEXT    NOT NULL PRIMARY KEY,
    name               TEXT    NOT NULL,
    name_lower         TEXT    NOT NULL,
    description        TEXT    NOT NULL,
    labels             TEXT    NOT NULL,
    state              TEXT    NOT NULL,
    state_reason       TEXT    NOT NULL,
    connected_via      TEXT    NOT NULL,
    kubernetes_version TEXT    NOT NULL,
    node_count         INTEGER NOT NULL,
    capacity           TEXT    NOT NULL,
    last_seen          INTEGER,
    registration_hash  TEXT,
    agent_hash         TEXT,
    created_by         TEXT    NOT NULL,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX clusters_name_lower ON clusters (name_lower);
CREATE UNIQUE INDEX clusters_registration_hash ON clusters (registration_hash);
CREATE UNIQUE INDEX clusters_agent_hash ON clusters (agent_hash);
