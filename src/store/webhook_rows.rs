//! Rows of the webhook tables (migration 0005, issue 19), decoded here once for both engines
//! like the rows of `decode.rs`; the SQL is in `engine_outbox.rs`. A subscription's `events`
//! column is read and written by [`events_column`] and [`event_set`] only: its `,a,b,` shape
//! is what the delivery fan-out's `LIKE '%,type,%'` matches.

use super::decode::{Columns, corrupt};
use super::{StoreError, StoreResult};
use crate::domain::ids::{EventId, SubscriptionId};
use crate::domain::webhook::{EventSet, EventType, ExpiryNotice};

/// Where a delivery stands (the comment of the `state` column names exactly these).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Not yet accepted; retried at `next_attempt_at`.
    Pending,
    Delivered,
    /// Given up after the failure horizon; only a replay sends it again.
    Failed,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "pending" => Some(Self::Pending),
            "delivered" => Some(Self::Delivered),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

impl std::fmt::Display for DeliveryState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One event of the transactional outbox, as the change's transaction writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEvent {
    pub event_id: EventId,
    pub event_type: EventType,
    /// Deliveries to one subscription with the same key go out in the order they were written.
    pub ordering_key: String,
    /// The JSON body sent, exactly.
    pub payload: String,
    pub created_at: i64,
    /// Only this subscription gets it (a test event); `None`: every subscription to the type.
    pub target_subscription: Option<SubscriptionId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionRow {
    pub subscription_id: SubscriptionId,
    pub url: String,
    pub events: EventSet,
    pub secret: String,
    pub created_at: i64,
    pub removed_at: Option<i64>,
}

/// A delivery claimed by one worker until `claimed_until` (wall-clock ms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryJob {
    pub subscription_id: SubscriptionId,
    pub event_seq: i64,
    pub event_id: EventId,
    pub payload: String,
    pub url: String,
    pub secret: String,
    pub attempts: i64,
    pub first_attempt_at: Option<i64>,
    pub claim_token: String,
}

/// What became of one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryResult {
    pub subscription_id: SubscriptionId,
    pub event_seq: i64,
    pub claim_token: String,
    /// `Pending` is a retry at `next_attempt_at`.
    pub state: DeliveryState,
    pub attempted_at: i64,
    pub next_attempt_at: i64,
    pub status: Option<i64>,
    pub error: Option<String>,
}

/// A delivery as admins list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRow {
    pub subscription_id: SubscriptionId,
    pub event_id: EventId,
    pub event_type: EventType,
    pub state: DeliveryState,
    pub attempts: i64,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub enqueued_at: i64,
}

/// What one retention pass deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PrunedWebhooks {
    pub deliveries: u64,
    pub events: u64,
}

/// Queue depth and the age of its oldest entry, for metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutboxStats {
    pub pending: i64,
    /// `created_at` of the oldest undelivered event (service clock), if any.
    pub oldest_pending_at: Option<i64>,
}

/// The `events` column: `*`, or the type names each between commas (`,a,b,`), so that a
/// name is matched whole. Also what the audit trail records for a new subscription.
pub fn events_column(events: &EventSet) -> String {
    match events {
        EventSet::All => "*".to_owned(),
        EventSet::Only(kinds) => {
            let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
            format!(",{},", names.join(","))
        }
    }
}

/// The `scheduler_marks` row of the scan for expired credentials.
pub(crate) const EXPIRED_SCAN: &str = "expired_scan";

/// The `kind` column of `expiry_notices`: `expiring:90`, `expired`.
pub(crate) fn notice_kind(notice: ExpiryNotice) -> String {
    match notice {
        ExpiryNotice::Expiring { lead_days } => format!("expiring:{lead_days}"),
        ExpiryNotice::Expired => "expired".to_owned(),
    }
}

fn event_set(text: &str) -> StoreResult<EventSet> {
    if text == "*" {
        return Ok(EventSet::All);
    }
    let inner = text
        .strip_prefix(',')
        .and_then(|t| t.strip_suffix(','))
        .ok_or_else(|| corrupt("events", text))?;
    inner
        .split(',')
        .filter(|name| !name.is_empty())
        .map(|name| EventType::parse(name).ok_or_else(|| corrupt("events", text)))
        .collect::<StoreResult<Vec<_>>>()
        .map(EventSet::Only)
}

pub(crate) fn subscription_id(text: &str) -> StoreResult<SubscriptionId> {
    SubscriptionId::parse(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn event_id(text: &str) -> StoreResult<EventId> {
    EventId::parse(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn event_type(text: &str) -> StoreResult<EventType> {
    EventType::parse_any(text).ok_or_else(|| corrupt("event_type", text))
}

fn delivery_state(text: &str) -> StoreResult<DeliveryState> {
    DeliveryState::parse(text).ok_or_else(|| corrupt("state", text))
}

pub(crate) fn subscription_row(row: &impl Columns) -> StoreResult<SubscriptionRow> {
    Ok(SubscriptionRow {
        subscription_id: subscription_id(&row.text("subscription_id")?)?,
        url: row.text("url")?,
        events: event_set(&row.text("events")?)?,
        secret: row.text("secret")?,
        created_at: row.int("created_at")?,
        removed_at: row.opt_int("removed_at")?,
    })
}

/// A claimed delivery; `claim_token` is the claim's, not a column.
pub(crate) fn delivery_job(row: &impl Columns, claim_token: &str) -> StoreResult<DeliveryJob> {
    Ok(DeliveryJob {
        subscription_id: subscription_id(&row.text("subscription_id")?)?,
        event_seq: row.int("event_seq")?,
        event_id: event_id(&row.text("event_id")?)?,
        payload: row.text("payload")?,
        url: row.text("url")?,
        secret: row.text("secret")?,
        attempts: row.int("attempts")?,
        first_attempt_at: row.opt_int("first_attempt_at")?,
        claim_token: claim_token.to_owned(),
    })
}

pub(crate) fn outbox_stats(row: &impl Columns) -> StoreResult<OutboxStats> {
    Ok(OutboxStats {
        pending: row.int("n")?,
        oldest_pending_at: row.opt_int("oldest")?,
    })
}

pub(crate) fn delivery_row(row: &impl Columns) -> StoreResult<DeliveryRow> {
    Ok(DeliveryRow {
        subscription_id: subscription_id(&row.text("subscription_id")?)?,
        event_id: event_id(&row.text("event_id")?)?,
        event_type: event_type(&row.text("event_type")?)?,
        state: delivery_state(&row.text("state")?)?,
        attempts: row.int("attempts")?,
        last_status: row.opt_int("last_status")?,
        last_error: row.opt_text("last_error")?,
        enqueued_at: row.int("enqueued_at")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_events_column_round_trips_and_refuses_what_no_writer_writes() {
        let only = EventSet::Only(vec![EventType::ExamResultHeld, EventType::CredentialIssued]);
        assert_eq!(events_column(&only), ",exam_result.held,credential.issued,");
        assert_eq!(event_set(&events_column(&only)).ok(), Some(only));
        assert_eq!(events_column(&EventSet::All), "*");
        assert_eq!(event_set("*").ok(), Some(EventSet::All));
        for bad in [
            "credential.issued",
            ",credential.nope,",
            ",webhook.test,",
            "**",
        ] {
            assert!(
                matches!(event_set(bad), Err(StoreError::Corrupt(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            delivery_state("sent"),
            Err(StoreError::Corrupt(_))
        ));
        assert_eq!(
            event_type("webhook.test").ok(),
            Some(EventType::WebhookTest)
        );
        assert_eq!(
            notice_kind(ExpiryNotice::Expiring { lead_days: 90 }),
            "expiring:90"
        );
        assert_eq!(notice_kind(ExpiryNotice::Expired), "expired");
    }
}
