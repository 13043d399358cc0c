-- Readiness writes here (src/store/health.rs): one row, updated by the probe.
CREATE TABLE storage_probe (
    id     BIGINT PRIMARY KEY CHECK (id = 1),
    writes BIGINT NOT NULL DEFAULT 0,
    pad    BLOB
);
INSERT INTO storage_probe (id, writes) VALUES (1, 0);

-- A held (pending) result needs the candidate's address to be issued later; it is kept here
-- only while the attempt is pending, never in exam_attempts.body (issue 15 §3).
ALTER TABLE exam_attempts ADD COLUMN candidate_email TEXT;

-- A key rotation is recorded here, committed, before its key file is written (issue 15 §2):
-- a key file without a key record is then set aside only when this table says a rotation to
-- that key started and never committed, never because the database merely does not know it.
CREATE TABLE key_intents (
    key_id     TEXT PRIMARY KEY,
    token      TEXT NOT NULL,             -- which rotation: the one that commits deletes it
    started_at BIGINT NOT NULL
);
