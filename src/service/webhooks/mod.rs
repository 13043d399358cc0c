//! Webhooks (issue 19): events about credentials and exam results, delivered to the exam
//! platform signed per the Standard Webhooks specification (`webhook-id`, `webhook-timestamp`,
//! `webhook-signature: v1,…`, <https://www.standardwebhooks.com/>, "Signature scheme").
//!
//! Events go through a transactional outbox: [`enqueue`] is called inside the transaction of
//! the change it reports, so there is no event without the change and no change without the
//! event. The worker ([`worker`]) delivers them at least once, with retries that survive
//! restarts because their state is in the database.

pub mod signature;
pub mod subscriptions;
pub mod worker;

use crate::store::{OutboxEvent, StoreResult, Tx};
use serde_json::{Value, json};

/// The event types a subscription can ask for (DESIGN.md "Integrations").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    CredentialIssued,
    CredentialRevoked,
    CredentialSuspended,
    CredentialReinstated,
    CredentialExpiring,
    CredentialExpired,
    CredentialRenewed,
    ExamResultHeld,
    ExamResultReleased,
    ExamResultCancelled,
    /// Sent by `attest webhooks test` to one subscription.
    WebhookTest,
}

impl EventType {
    /// Every type a subscription may name (the test event always reaches its target).
    pub const SUBSCRIBABLE: [EventType; 10] = [
        Self::CredentialIssued,
        Self::CredentialRevoked,
        Self::CredentialSuspended,
        Self::CredentialReinstated,
        Self::CredentialExpiring,
        Self::CredentialExpired,
        Self::CredentialRenewed,
        Self::ExamResultHeld,
        Self::ExamResultReleased,
        Self::ExamResultCancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::CredentialIssued => "credential.issued",
            Self::CredentialRevoked => "credential.revoked",
            Self::CredentialSuspended => "credential.suspended",
            Self::CredentialReinstated => "credential.reinstated",
            Self::CredentialExpiring => "credential.expiring",
            Self::CredentialExpired => "credential.expired",
            Self::CredentialRenewed => "credential.renewed",
            Self::ExamResultHeld => "exam_result.held",
            Self::ExamResultReleased => "exam_result.released",
            Self::ExamResultCancelled => "exam_result.cancelled",
            Self::WebhookTest => "webhook.test",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::SUBSCRIBABLE.into_iter().find(|t| t.as_str() == text)
    }

    /// The event an admin state change produces.
    pub fn for_action(action: crate::domain::status::StatusAction) -> Self {
        use crate::domain::status::StatusAction;
        match action {
            StatusAction::Revoke => Self::CredentialRevoked,
            StatusAction::Suspend => Self::CredentialSuspended,
            StatusAction::Reinstate => Self::CredentialReinstated,
        }
    }
}

/// Orders the events about one credential (or one exam attempt) per subscription.
pub fn credential_key(id: &impl std::fmt::Display) -> String {
    format!("credential:{id}")
}

pub fn attempt_key(attempt_id: &str) -> String {
    format!("attempt:{attempt_id}")
}

/// Writes an event to the outbox of `tx`; `now` is the service clock (Unix seconds). The body
/// is the Standard Webhooks payload shape: `type`, `timestamp`, `data`.
pub async fn enqueue(
    tx: &mut dyn Tx,
    now: i64,
    kind: EventType,
    ordering_key: String,
    data: Value,
) -> StoreResult<()> {
    tx.enqueue_event(&event(now, kind, ordering_key, data, None))
        .await
}

pub(crate) fn event(
    now: i64,
    kind: EventType,
    ordering_key: String,
    data: Value,
    target: Option<String>,
) -> OutboxEvent {
    let timestamp = time::OffsetDateTime::from_unix_timestamp(now)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default();
    let payload = json!({"type": kind.as_str(), "timestamp": timestamp, "data": data});
    OutboxEvent {
        event_id: format!("msg_{}", uuid::Uuid::new_v4().simple()),
        event_type: kind.as_str().to_owned(),
        ordering_key,
        payload: payload.to_string(),
        created_at: now,
        target_subscription: target,
    }
}

/// The `data` of a credential event: identifiers and state, no personal data.
pub fn credential_data(
    base_url: &str,
    row: &crate::store::CredentialRow,
    state: &str,
    reason: Option<&str>,
) -> Value {
    json!({
        "credential_id": row.credential_id.to_string(),
        "credential": format!("{base_url}/credentials/{}", row.credential_id),
        "attempt_id": row.attempt_id,
        "candidate_id": row.candidate_id,
        "achievement": row.achievement,
        "state": state,
        "reason": reason,
        "valid_until": row.valid_until.and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
            .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok()),
    })
}

/// The `data` of an exam-result event (`exam_result.held|released|cancelled`).
pub fn attempt_data(
    attempt_id: &str,
    candidate_id: &str,
    achievement: &str,
    extra: Value,
) -> Value {
    let mut data =
        json!({"attempt_id": attempt_id, "candidate_id": candidate_id, "achievement": achievement});
    if let (Some(d), Value::Object(more)) = (data.as_object_mut(), extra) {
        d.extend(more);
    }
    data
}

/// `credential.issued` for a credential written in this transaction.
pub async fn issued(
    tx: &mut dyn Tx,
    base_url: &str,
    row: &crate::store::CredentialRow,
) -> StoreResult<()> {
    let data = credential_data(base_url, row, "active", None);
    enqueue(
        tx,
        row.issued_at,
        EventType::CredentialIssued,
        credential_key(&row.credential_id),
        data,
    )
    .await
}

/// `credential.renewed`: names the new credential and the one it renews.
pub async fn renewed(
    tx: &mut dyn Tx,
    base_url: &str,
    row: &crate::store::CredentialRow,
    previous: &crate::domain::ids::CredentialId,
) -> StoreResult<()> {
    let mut data = credential_data(base_url, row, "active", None);
    data["previous_credential_id"] = json!(previous.to_string());
    data["previous_credential"] = json!(format!("{base_url}/credentials/{previous}"));
    enqueue(
        tx,
        row.issued_at,
        EventType::CredentialRenewed,
        credential_key(&row.credential_id),
        data,
    )
    .await
}
