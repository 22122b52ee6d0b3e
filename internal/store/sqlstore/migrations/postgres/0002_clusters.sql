-- The cluster registry (PostgreSQL). Keep in step with sqlite/0002_clusters.sql.

CREATE TABLE clusters (
    id                 TEXT    NOT NULL PRIMARY KEY,
    name               TEXT    NOT NULL,
    name_lower         TEXT    COLLATE "C" NOT NULL,
    description        TEXT    NOT NULL,
    labels             TEXT    NOT NULL,
    state              TEXT    NOT NULL,
    state_reason       TEXT    NOT NULL,
    connected_via      TEXT    NOT NULL,
    kubernetes_version TEXT    NOT NULL,
    node_count         BIGINT  NOT NULL,
    capacity           TEXT    NOT NULL,
    last_seen          BIGINT,
    registration_hash  TEXT,
    agent_hash         TEXT,
    created_by         TEXT    NOT NULL,
    created_at         BIGINT  NOT NULL,
    updated_at         BIGINT  NOT NULL
);

CREATE UNIQUE INDEX clusters_name_lower ON clusters (name_lower);
CREATE UNIQUE INDEX clusters_registration_hash ON clusters (registration_hash);
CREATE UNIQUE INDEX clusters_agent_hash ON clusters (agent_hash);
