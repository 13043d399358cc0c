//! Rows as the store hands them over: states, outcomes and roles as the domain's closed types
//! (decoded once, in `decode.rs`; an unknown value is `StoreError::Corrupt`, not a string for
//! every caller to re-check). Timestamps are Unix seconds.

use crate::domain::attempt::AttemptOutcome;
use crate::domain::ids::{AchievementCode, AttemptId, CandidateId, CredentialId};
use crate::domain::role::Role;
use crate::domain::status::CredentialState;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialRow {
    pub credential_id: CredentialId,
    pub attempt_id: Option<AttemptId>,
    pub candidate_id: Option<CandidateId>,
    pub achievement: Option<AchievementCode>,
    pub holder_name: String,
    pub issued_at: i64,
    pub valid_until: Option<i64>,
    pub list_number: i64,
    pub list_index: i64,
    pub key_id: String,
    pub state: CredentialState,
    pub state_reason: Option<String>,
    pub state_changed_at: Option<i64>,
    pub json: String,
    pub jwt: String,
}

/// A credential's signed forms, as stored in its row's `json` and `jwt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialBody {
    pub json: String,
    pub jwt: String,
}

/// A credential's recertification links (issue 19).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Renewals {
    /// The credential this one renews.
    pub renews: Option<CredentialId>,
    /// The newest credential that renews this one.
    pub renewed_by: Option<CredentialId>,
}

/// A credential's JSON as issued, with the revision of its status list read in the same
/// statement: a verification of one of our credentials needs both, and one round trip is half
/// the cost of two.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedJson {
    pub json: String,
    pub list_number: i64,
    pub list_revision: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRow {
    pub attempt_id: AttemptId,
    pub body_hash: String,
    pub candidate_id: CandidateId,
    pub achievement: AchievementCode,
    pub outcome: AttemptOutcome,
    pub credential_id: Option<CredentialId>,
    /// The request as normalized, without the candidate's email (issue 15 §3).
    pub body: String,
    pub received_at: i64,
    pub detail: Option<String>,
    /// The candidate's email, kept only while the attempt is pending (its credential needs it
    /// later); cleared when the attempt is settled or the candidate erased.
    pub candidate_email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    pub token_id: String,
    pub name: String,
    pub role: Role,
    pub secret_hash: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicationRow {
    pub list_id: String,
    pub revision: i64,
    pub etag: String,
    pub json: String,
    pub jwt: String,
    pub published_at: i64,
    pub valid_until: i64,
}

/// An entry of the hash-chained audit trail. What it holds is evidence, read as stored: an
/// entry edited outside the service must reach the chain check, which reports it at its place,
/// rather than fail to decode — so `credential_id` is the stored text (written only from a
/// `CredentialId`, see `service::audit::Entry`) and `detail` keeps its text beside the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub credential_id: Option<String>,
    pub reason: Option<String>,
    pub detail: AuditDetail,
    pub prev_hash: String,
    pub hash: String,
}

/// An audit entry's `detail`: a JSON value, and the exact text stored for it. The hash chain
/// covers that text, so a stored entry is checked against its own bytes, never against a
/// re-serialization of the parsed value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditDetail {
    text: String,
    value: Value,
}

impl AuditDetail {
    /// A new entry's detail, serialized the one way every entry is written.
    pub fn new(value: Value) -> Self {
        Self {
            text: value.to_string(),
            value,
        }
    }

    /// A stored entry's detail. Every writer stores JSON, so other text means the row was
    /// edited outside the service: that is for the hash chain to report at this entry (the
    /// hash covers the text), so it is kept and shown as the string it is, not refused here —
    /// refusing would turn evidence of tampering into a failure of the check.
    pub(super) fn stored(text: String) -> Self {
        let value = serde_json::from_str(&text).unwrap_or_else(|_| Value::String(text.clone()));
        Self { text, value }
    }

    /// The stored text (what the hash covers).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn value(&self) -> &Value {
        &self.value
    }

    pub fn into_value(self) -> Value {
        self.value
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateChange {
    pub state: CredentialState,
    pub reason: String,
    pub at: i64,
}

/// Filters for the admin listing; newest first.
#[derive(Debug, Clone, Default)]
pub struct CredentialQuery {
    pub candidate_id: Option<String>,
    pub achievement: Option<String>,
    pub state: Option<CredentialState>,
    /// Only credentials issued strictly before this (Unix seconds) — keyset pagination.
    pub before: Option<i64>,
    /// With `before`: also those issued in that very second whose id sorts below this one,
    /// so a page boundary inside one second (a batch shares its `issued_at`) loses nothing.
    pub before_id: Option<String>,
    pub limit: i64,
}

/// Where the next credential's status bit goes: the open list and its next free index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenSlot {
    pub list_number: i64,
    pub next_index: i64,
}

/// A status list as its bitstring is built: the revision it will replace, its size, and every
/// credential on it that is not active.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListBits {
    pub revision: i64,
    pub size: i64,
    pub set: Vec<ListBit>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListBit {
    pub index: i64,
    pub state: CredentialState,
}

/// The newest audit entry: the next one chains onto its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditHead {
    pub seq: i64,
    pub hash: String,
}

/// What erasing a candidate touched (see [`super::Tx::erase_candidate`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ErasedRows {
    /// Exam attempts whose request body and email were removed.
    pub attempts: u64,
    /// Credentials whose stored holder name was removed.
    pub credentials: u64,
}

/// A key rotation in progress: who started it (a random token) and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyIntent {
    pub token: String,
    pub started_at: i64,
}
