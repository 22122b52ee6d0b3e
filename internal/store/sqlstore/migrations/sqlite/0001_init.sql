-- Initial schema (SQLite). Times are UTC unix microseconds; booleans 0/1.
-- Keep in step with postgres/0001_init.sql: same tables, columns and indexes.

CREATE TABLE users (
    id                   TEXT    NOT NULL PRIMARY KEY,
    username             TEXT    NOT NULL,
    username_lower       TEXT    NOT NULL,
    display_name         TEXT    NOT NULL,
    display_name_lower   TEXT    NOT NULL,
    provider             TEXT    NOT NULL,
    password_hash        TEXT    NOT NULL,
    admin                INTEGER NOT NULL CHECK (admin IN (0, 1)),
    disabled             INTEGER NOT NULL CHECK (disabled IN (0, 1)),
    must_change_password INTEGER NOT NULL CHECK (must_change_password IN (0, 1)),
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX users_username_lower ON users (username_lower);

CREATE TABLE tokens (
    id           TEXT    NOT NULL PRIMARY KEY,
    user_id      TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL,
    description  TEXT    NOT NULL,
    hash         TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    last_used_at INTEGER
) STRICT;

CREATE UNIQUE INDEX tokens_hash ON tokens (hash);
CREATE INDEX tokens_expires_at ON tokens (expires_at);
CREATE INDEX tokens_user_id ON tokens (user_id, created_at);

CREATE TABLE audit_events (
    id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    occurred_at INTEGER NOT NULL,
    request_id  TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    actor_id    TEXT    NOT NULL,
    source_ip   TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    target      TEXT    NOT NULL,
    outcome     TEXT    NOT NULL,
    status      INTEGER NOT NULL,
    detail      TEXT    NOT NULL
) STRICT;

CREATE INDEX audit_events_time ON audit_events (occurred_at, id);
CREATE INDEX audit_events_actor ON audit_events (actor, occurred_at);
CREATE INDEX audit_events_action ON audit_events (action, occurred_at);

CREATE TABLE secrets (
    name       TEXT    NOT NULL PRIMARY KEY,
    value      BLOB    NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
