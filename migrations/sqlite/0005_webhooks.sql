-- Webhooks (issue 19): subscriptions, a transactional outbox of events, and one delivery row
-- per (subscription, event). Events are written in the transaction of the change they report;
-- the delivery rows are made in that same transaction for the subscriptions of the moment.

CREATE TABLE webhook_subscriptions (
    subscription_id TEXT PRIMARY KEY,
    url             TEXT NOT NULL,
    -- ",credential.issued,credential.revoked," (commas around each), or "*" for every type
    events          TEXT NOT NULL,
    secret          TEXT NOT NULL,            -- whsec_<base64>, needed to sign every delivery
    created_at      BIGINT NOT NULL,
    removed_at      BIGINT
);

CREATE TABLE webhook_events (
    seq                 INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id            TEXT NOT NULL UNIQUE,  -- the webhook-id header, the same on every retry
    event_type          TEXT NOT NULL,
    ordering_key        TEXT NOT NULL,         -- deliveries with one key go out in seq order
    payload             TEXT NOT NULL,
    created_at          BIGINT NOT NULL,
    -- a test event goes to this subscription only
    target_subscription TEXT
);

CREATE TABLE webhook_deliveries (
    subscription_id  TEXT NOT NULL,
    event_seq        BIGINT NOT NULL,
    ordering_key     TEXT NOT NULL,
    state            TEXT NOT NULL DEFAULT 'pending',  -- pending | delivered | failed
    attempts         BIGINT NOT NULL DEFAULT 0,
    enqueued_at      BIGINT NOT NULL,                   -- the event's time (service clock, s)
    -- delivery scheduling is wall-clock milliseconds: it meets the receivers' clocks
    next_attempt_at  BIGINT NOT NULL DEFAULT 0,
    first_attempt_at BIGINT,
    claimed_until    BIGINT,
    claim_token      TEXT,
    last_status      BIGINT,
    last_error       TEXT,
    finished_at      BIGINT,
    PRIMARY KEY (subscription_id, event_seq)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
CREATE INDEX webhook_deliveries_order ON webhook_deliveries (subscription_id, ordering_key, event_seq);

-- Expiry notices already emitted (`expiring:90`, `expiring:30`, `expired`): once each.
CREATE TABLE expiry_notices (
    credential_id TEXT NOT NULL,
    kind          TEXT NOT NULL,
    at            BIGINT NOT NULL,
    PRIMARY KEY (credential_id, kind)
);

-- Recertification: the credential a newer one renews.
CREATE TABLE credential_renewals (
    credential_id TEXT PRIMARY KEY,
    previous_id   TEXT NOT NULL
);
CREATE INDEX credential_renewals_previous ON credential_renewals (previous_id);

-- The expiry scheduler looks credentials up by validUntil.
CREATE INDEX credentials_valid_until ON credentials (valid_until);
