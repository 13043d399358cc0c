-- How far the scheduler's scans have got, so that a scan starts where the last one ended
-- instead of at the beginning of time: `expired_scan` = every credential whose validUntil
-- fell before this (Unix seconds, service clock) has had its `credential.expired` notice or was
-- skipped (revoked). Instances may race; a mark only moves forward.
CREATE TABLE scheduler_marks (
    name TEXT PRIMARY KEY,
    at   BIGINT NOT NULL
);

-- Webhook retention (`webhook_retention_days`): settled deliveries and the events no delivery
-- waits for are deleted by age; these keep that a range read.
CREATE INDEX webhook_deliveries_settled ON webhook_deliveries (state, enqueued_at);
CREATE INDEX webhook_events_created ON webhook_events (created_at);
