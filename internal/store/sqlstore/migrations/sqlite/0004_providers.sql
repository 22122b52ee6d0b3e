-- Identity providers (SQLite): the providers configured at runtime, the
-- identities linking a provider's subjects to users, and each user's groups
-- from their providers. Lists and the provider config are JSON text. Keep
-- in step with postgres/0004_providers.sql.

-- provider_groups is derived from the user's identities ("<provider>:<group>",
-- sorted, distinct) and rewritten whenever they change.
ALTER TABLE users ADD COLUMN provider_groups TEXT NOT NULL DEFAULT '[]';

CREATE TABLE providers (
    name           TEXT    NOT NULL PRIMARY KEY,
    name_lower     TEXT    NOT NULL,
    type           TEXT    NOT NULL,
    display_name   TEXT    NOT NULL,
    enabled        INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    access_mode    TEXT    NOT NULL,
    allowed_users  TEXT    NOT NULL,
    allowed_groups TEXT    NOT NULL,
    config         TEXT    NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX providers_name_lower ON providers (name_lower);

CREATE TABLE identities (
    provider     TEXT    NOT NULL REFERENCES providers (name) ON DELETE CASCADE,
    subject      TEXT    NOT NULL,
    user_id      TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    username     TEXT    NOT NULL,
    groups       TEXT    NOT NULL,
    refreshed_at INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (provider, subject)
) STRICT;

CREATE INDEX identities_user_id ON identities (user_id);
CREATE INDEX identities_provider_refreshed_at ON identities (provider, refreshed_at);
