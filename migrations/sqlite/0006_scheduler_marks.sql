-- How far the scheduler's scans have got, so that a scan starts where the last one ended
-- instead of at the beginning of time: `expired_scan` = every credential whose validUntil
-- fell before this (Unix seconds, service clock) has had its `credential.expired` notice or was
-- skipped (revoked). Instances may race; a mark only moves forward.
CREATE TABLE scheduler_marks (
    name TEXT PRIMARY KEY,
    at   BIGINT NOT NULL
);
