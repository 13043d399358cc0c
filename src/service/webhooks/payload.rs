//! The bodies webhook receivers get, as types: the Standard Webhooks payload shape
//! (`type`, `timestamp`, `data`; <https://www.standardwebhooks.com/>, "Payload structure") and
//! the two kinds of `data` — about a credential, or about an exam result. Ids, achievement,
//! state, reason and dates only: never a name or an email.

use crate::domain::ids::{AchievementCode, AttemptId, CandidateId, CredentialId, SubscriptionId};
use crate::domain::status::CredentialState;
use serde::Serialize;

#[derive(Serialize)]
pub(super) struct Envelope<'a, D> {
    /// `EventType::as_str`.
    pub r#type: &'static str,
    /// RFC 3339, the service clock.
    pub timestamp: String,
    pub data: &'a D,
}

/// `data` of `credential.*` events.
#[derive(Debug, Clone, Serialize)]
pub struct CredentialEvent {
    pub credential_id: CredentialId,
    /// Where the credential is served.
    pub credential: String,
    pub attempt_id: Option<AttemptId>,
    pub candidate_id: Option<CandidateId>,
    pub achievement: Option<AchievementCode>,
    pub state: CredentialState,
    /// The admin's reason, for revocations, suspensions and reinstatements.
    pub reason: Option<String>,
    /// `validUntil`, RFC 3339.
    pub valid_until: Option<String>,
    /// `vc-api` for credentials signed through the VC API (no exam result behind them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<&'static str>,
    /// `credential.renewed`: the credential this one renews.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_credential_id: Option<CredentialId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_credential: Option<String>,
    /// `credential.expiring`: days left before `validUntil`, one of `expiry_lead_days`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead_days: Option<u32>,
    /// `credential.expiring` and `credential.expired`: the achievement, where the program
    /// says how to recertify.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recertification: Option<String>,
}

/// `data` of `exam_result.*` events.
#[derive(Debug, Clone, Serialize)]
pub struct AttemptEvent<'a> {
    pub attempt_id: &'a AttemptId,
    pub candidate_id: &'a CandidateId,
    pub achievement: &'a AchievementCode,
    #[serde(flatten)]
    pub detail: AttemptDetail,
}

/// What each kind of exam-result event adds.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AttemptDetail {
    /// `exam_result.held`: the prerequisite codes still missing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing: Option<Vec<String>>,
    /// `exam_result.released`: the credential issued for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_id: Option<CredentialId>,
    /// `exam_result.cancelled`: the admin's reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `data` of the `webhook.test` event.
#[derive(Debug, Clone, Serialize)]
pub struct TestEvent<'a> {
    pub subscription_id: &'a SubscriptionId,
}
