//! Webhooks (issue 19): events about credentials and exam results, delivered to the exam
//! platform signed per the Standard Webhooks specification (`webhook-id`, `webhook-timestamp`,
//! `webhook-signature: v1,…`, <https://www.standardwebhooks.com/>, "Signature scheme").
//!
//! Events go through a transactional outbox: [`enqueue`] is called inside the transaction of
//! the change it reports, so there is no event without the change and no change without the
//! event. The worker ([`worker`]) delivers them at least once, with retries that survive
//! restarts because their state is in the database.

mod payload;
pub mod signature;
pub mod subscriptions;
pub mod worker;

pub use payload::{AttemptDetail, AttemptEvent, CredentialEvent};

pub use crate::domain::webhook::EventType;

use crate::domain::ids::{
    AchievementCode, AttemptId, CandidateId, CredentialId, EventId, SubscriptionId,
};
use crate::domain::status::CredentialState;
use crate::store::{OutboxEvent, StoreResult, Tx};
use crate::vc::credential::credential_url;
use serde::Serialize;

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
    data: &(impl Serialize + Sync),
) -> StoreResult<()> {
    tx.enqueue_event(&event(now, kind, ordering_key, data, None))
        .await
}

pub(crate) fn event(
    now: i64,
    kind: EventType,
    ordering_key: String,
    data: &impl Serialize,
    target: Option<SubscriptionId>,
) -> OutboxEvent {
    let payload = payload::Envelope {
        r#type: kind.as_str(),
        timestamp: rfc3339(now).unwrap_or_default(),
        data,
    };
    OutboxEvent {
        event_id: EventId::random(),
        event_type: kind,
        ordering_key,
        payload: serde_json::to_string(&payload).unwrap_or_default(),
        created_at: now,
        target_subscription: target,
    }
}

/// The credential a credential event is about: its identifiers and validity, no personal data.
pub struct About<'a> {
    pub id: &'a CredentialId,
    pub attempt_id: Option<&'a AttemptId>,
    pub candidate_id: Option<&'a CandidateId>,
    pub achievement: Option<&'a AchievementCode>,
    pub valid_until: Option<i64>,
}

impl<'a> From<&'a crate::store::CredentialRow> for About<'a> {
    fn from(row: &'a crate::store::CredentialRow) -> Self {
        Self {
            id: &row.credential_id,
            attempt_id: row.attempt_id.as_ref(),
            candidate_id: row.candidate_id.as_ref(),
            achievement: row.achievement.as_ref(),
            valid_until: row.valid_until,
        }
    }
}

/// Unix seconds as RFC 3339, the way every event spells a time.
fn rfc3339(unix: i64) -> Option<String> {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()?
        .format(&time::format_description::well_known::Rfc3339)
        .ok()
}

/// The `data` of a credential event: identifiers and state, no personal data.
pub fn credential_data(
    base_url: &str,
    about: About<'_>,
    state: CredentialState,
    reason: Option<&str>,
) -> CredentialEvent {
    CredentialEvent {
        credential_id: *about.id,
        credential: credential_url(base_url, about.id),
        attempt_id: about.attempt_id.cloned(),
        candidate_id: about.candidate_id.cloned(),
        achievement: about.achievement.cloned(),
        state,
        reason: reason.map(str::to_owned),
        valid_until: about.valid_until.and_then(rfc3339),
        via: None,
        previous_credential_id: None,
        previous_credential: None,
        lead_days: None,
        recertification: None,
    }
}

/// An exam-result event (`exam_result.held|released|cancelled`) about `attempt`; `detail`
/// adds what the kind of event says (what is missing, what was issued, why it was cancelled).
pub async fn attempt_event(
    tx: &mut dyn Tx,
    now: i64,
    kind: EventType,
    attempt: &crate::store::AttemptRow,
    detail: AttemptDetail,
) -> StoreResult<()> {
    let data = AttemptEvent {
        attempt_id: &attempt.attempt_id,
        candidate_id: &attempt.candidate_id,
        achievement: &attempt.achievement,
        detail,
    };
    enqueue(
        tx,
        now,
        kind,
        attempt_key(attempt.attempt_id.as_str()),
        &data,
    )
    .await
}

/// A credential this transaction issues, for `credential.issued` (and `credential.renewed`).
pub struct Issued<'a> {
    pub id: CredentialId,
    /// The exam result it was issued for; `None` for the VC API, whose callers send a
    /// credential, not a result.
    pub attempt_id: Option<&'a AttemptId>,
    pub candidate_id: Option<&'a CandidateId>,
    pub achievement: Option<&'a AchievementCode>,
    pub issued_at: i64,
    pub valid_until: Option<i64>,
    /// The credential it renews (recertification).
    pub renews: Option<CredentialId>,
}

/// `credential.issued`, and `credential.renewed` naming both when it renews one.
pub async fn issued(tx: &mut dyn Tx, base_url: &str, i: &Issued<'_>) -> StoreResult<()> {
    let key = credential_key(&i.id);
    let about = About {
        id: &i.id,
        attempt_id: i.attempt_id,
        candidate_id: i.candidate_id,
        achievement: i.achievement,
        valid_until: i.valid_until,
    };
    let mut data = credential_data(base_url, about, CredentialState::Active, None);
    if i.attempt_id.is_none() {
        data.via = Some("vc-api");
    }
    enqueue(
        tx,
        i.issued_at,
        EventType::CredentialIssued,
        key.clone(),
        &data,
    )
    .await?;
    if let Some(previous) = i.renews {
        data.previous_credential_id = Some(previous);
        data.previous_credential = Some(credential_url(base_url, &previous));
        enqueue(tx, i.issued_at, EventType::CredentialRenewed, key, &data).await?;
    }
    Ok(())
}
