-- attest schema (PostgreSQL). Mirrors migrations/sqlite/0001_init.sql in meaning: every integer
-- column is BIGINT (the code decodes i64), timestamps are Unix seconds, ids are TEXT, and the
-- same constraints hold. Only the append-only rule of audit_log is spelled differently (a
-- trigger function instead of SQLite's RAISE).

CREATE TABLE signing_keys (
    key_id        TEXT PRIMARY KEY,
    seq           BIGINT NOT NULL UNIQUE,
    public_key    TEXT NOT NULL,            -- Multikey, base58btc "z6Mk..."
    created_at    BIGINT NOT NULL,
    retired_at    BIGINT,
    -- 1 for the active key, NULL once retired: UNIQUE allows only one active key (NULLs are
    -- distinct), so two instances can never both believe their key is the active one.
    active_marker BIGINT UNIQUE CHECK (active_marker = 1)
);

CREATE TABLE api_tokens (
    token_id    TEXT PRIMARY KEY,           -- public half of the token
    name        TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL CHECK (role IN ('issuer', 'admin')),
    secret_hash TEXT NOT NULL,              -- SHA-256 of the secret half, hex
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);

CREATE TABLE status_lists (
    list_number BIGINT PRIMARY KEY,
    size        BIGINT NOT NULL,
    allocated   BIGINT NOT NULL DEFAULT 0,
    -- bumped by every status change of a credential in the list: a publication built from an
    -- older revision is stale.
    revision    BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL
);

CREATE TABLE credentials (
    credential_id    TEXT PRIMARY KEY,
    attempt_id       TEXT UNIQUE,           -- NULL for credentials signed through the VC API
    candidate_id     TEXT,
    achievement      TEXT,
    holder_name      TEXT NOT NULL,
    issued_at        BIGINT NOT NULL,
    valid_until      BIGINT,
    list_number      BIGINT NOT NULL REFERENCES status_lists (list_number),
    list_index       BIGINT NOT NULL,
    key_id           TEXT NOT NULL REFERENCES signing_keys (key_id),
    state            TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'suspended', 'revoked')),
    state_reason     TEXT,
    state_changed_at BIGINT,
    json             TEXT NOT NULL,         -- the exact bytes served (digests cover them)
    jwt              TEXT NOT NULL,
    -- a status index is never handed out twice, whatever happens (and by whichever instance)
    UNIQUE (list_number, list_index)
);
CREATE INDEX credentials_by_candidate ON credentials (candidate_id, achievement, issued_at);
CREATE INDEX credentials_by_issued_at ON credentials (issued_at);

CREATE TABLE exam_attempts (
    attempt_id    TEXT PRIMARY KEY,
    body_hash     TEXT NOT NULL,            -- SHA-256 of the RFC 8785 form of the request body
    candidate_id  TEXT NOT NULL,
    achievement   TEXT NOT NULL,
    outcome       TEXT NOT NULL CHECK (outcome IN ('issued', 'below_pass_mark', 'pending', 'cancelled')),
    credential_id TEXT REFERENCES credentials (credential_id),
    body          TEXT NOT NULL,
    received_at   BIGINT NOT NULL,
    detail        TEXT
);
CREATE INDEX exam_attempts_pending ON exam_attempts (outcome, candidate_id);

CREATE TABLE status_publications (
    list_id      TEXT PRIMARY KEY,          -- "revocation-1"
    revision     BIGINT NOT NULL,           -- status_lists.revision it was built from
    etag         TEXT NOT NULL,
    json         TEXT NOT NULL,
    jwt          TEXT NOT NULL,
    published_at BIGINT NOT NULL,
    valid_until  BIGINT NOT NULL
);

-- Append-only and hash-chained: each entry commits to the previous entry's hash.
CREATE TABLE audit_log (
    seq           BIGINT PRIMARY KEY,
    at            BIGINT NOT NULL,
    actor         TEXT NOT NULL,
    action        TEXT NOT NULL,
    credential_id TEXT,
    reason        TEXT,
    detail        TEXT NOT NULL,            -- JSON object
    prev_hash     TEXT NOT NULL,
    hash          TEXT NOT NULL
);
CREATE INDEX audit_log_by_credential ON audit_log (credential_id);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
-- SQLite has no TRUNCATE; here it would bypass the row triggers, so it is refused too.
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- Which prerequisite credentials each credential's lineage used (issue-time snapshot).
CREATE TABLE credential_lineage (
    credential_id   TEXT NOT NULL REFERENCES credentials (credential_id),
    prerequisite_id TEXT NOT NULL REFERENCES credentials (credential_id),
    PRIMARY KEY (credential_id, prerequisite_id)
);
CREATE INDEX credential_lineage_by_prerequisite ON credential_lineage (prerequisite_id);
