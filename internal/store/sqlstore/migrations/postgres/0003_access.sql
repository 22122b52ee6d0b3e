-- The access model (PostgreSQL): user global roles and groups, custom global
-- roles and role templates, projects, bindings, and the access revision.
-- Lists and maps are JSON text. Keep in step with sqlite/0003_access.sql.

ALTER TABLE users ADD COLUMN global_roles TEXT NOT NULL DEFAULT '[]';
ALTER TABLE users ADD COLUMN groups TEXT NOT NULL DEFAULT '[]';

CREATE TABLE global_roles (
    name         TEXT   NOT NULL PRIMARY KEY,
    name_lower   TEXT   COLLATE "C" NOT NULL,
    description  TEXT   NOT NULL,
    capabilities TEXT   NOT NULL,
    created_by   TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);

CREATE UNIQUE INDEX global_roles_name_lower ON global_roles (name_lower);

CREATE TABLE role_templates (
    name        TEXT   NOT NULL PRIMARY KEY,
    name_lower  TEXT   COLLATE "C" NOT NULL,
    description TEXT   NOT NULL,
    context     TEXT   NOT NULL,
    rules       TEXT   NOT NULL,
    inherits    TEXT   NOT NULL,
    created_by  TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE UNIQUE INDEX role_templates_name_lower ON role_templates (name_lower);

CREATE TABLE projects (
    id              TEXT   NOT NULL PRIMARY KEY,
    cluster_id      TEXT   COLLATE "C" NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
    name            TEXT   NOT NULL,
    name_lower      TEXT   COLLATE "C" NOT NULL,
    description     TEXT   NOT NULL,
    quota           TEXT   NOT NULL,
    namespace_quota TEXT   NOT NULL,
    created_by      TEXT   NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

CREATE UNIQUE INDEX projects_cluster_name_lower ON projects (cluster_id, name_lower);

-- subject_user_id is subject_name for User subjects (so deleting the user
-- deletes their bindings) and NULL for groups.
CREATE TABLE bindings (
    id              TEXT   COLLATE "C" NOT NULL PRIMARY KEY,
    subject_kind    TEXT   NOT NULL,
    subject_name    TEXT   NOT NULL,
    subject_user_id TEXT   REFERENCES users (id) ON DELETE CASCADE,
    role_template   TEXT   NOT NULL,
    cluster_id      TEXT   NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
    project_id      TEXT   REFERENCES projects (id) ON DELETE CASCADE,
    expires_at      BIGINT,
    created_by      TEXT   NOT NULL,
    created_at      BIGINT NOT NULL
);

CREATE INDEX bindings_cluster_id ON bindings (cluster_id);
CREATE INDEX bindings_project_id ON bindings (project_id);
CREATE INDEX bindings_subject ON bindings (subject_kind, subject_name);
CREATE INDEX bindings_subject_user_id ON bindings (subject_user_id);
CREATE INDEX bindings_expires_at ON bindings (expires_at);

-- access_revision holds one row: a counter every access or user change
-- increments in its own transaction.
CREATE TABLE access_revision (
    id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    n  BIGINT  NOT NULL
);

INSERT INTO access_revision (id, n) VALUES (1, 1);
