-- Cloud credentials (SQLite): users' keys to cloud accounts, used by
-- provisioners. secret holds the sealed secret part (AES-GCM, bound to
-- "cloudcredential/<id>"), never plaintext. No foreign key to users: a
-- credential a provisioned cluster uses outlives its owner's account (admins
-- still see it). Keep in step with postgres/0006_cloudcreds.sql.

CREATE TABLE cloud_credentials (
    id             TEXT    NOT NULL PRIMARY KEY,
    name           TEXT    NOT NULL,
    name_lower     TEXT    NOT NULL,
    provider       TEXT    NOT NULL,
    owner_id       TEXT    NOT NULL,
    access_key_id  TEXT    NOT NULL,
    default_region TEXT    NOT NULL,
    secret         BLOB    NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX cloud_credentials_owner_name ON cloud_credentials (owner_id, name_lower);
