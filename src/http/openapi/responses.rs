//! Response bodies the handlers build as these structs, whose derived schemas are what the
//! OpenAPI document (OpenAPI 3.1 Schema Objects) says: one type for the wire and the document,
//! instead of a `json!` body beside a hand-kept mirror. Re-exported by `schemas`.

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct PendingResult {
    pub attempt_id: String,
    pub candidate_id: String,
    pub achievement: String,
    pub missing: Value,
    pub received_at: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PendingList {
    pub items: Vec<PendingResult>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Erased {
    pub candidate_id: String,
    /// Exam attempts whose request body and email were removed.
    pub attempts: u64,
    /// Credentials whose stored holder name was removed (the signed credential is kept).
    pub credentials: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Cancelled {
    pub attempt_id: String,
    #[schema(pattern = "^cancelled$")]
    pub status: &'static str,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// One credential of the admin listing.
#[derive(Debug, Serialize, ToSchema)]
pub struct CredentialSummary {
    #[schema(format = Uuid)]
    pub credential_id: String,
    pub url: String,
    pub attempt_id: Option<String>,
    pub candidate_id: Option<String>,
    pub achievement: Option<String>,
    pub holder_name: String,
    /// Unix seconds.
    pub issued_at: i64,
    pub valid_until: Option<i64>,
    #[schema(value_type = super::resources::CredentialState)]
    pub state: crate::domain::status::CredentialState,
    pub state_reason: Option<String>,
    pub state_changed_at: Option<i64>,
}

/// Newest first; pass `next_cursor` as `cursor` for the next page (null: no more).
#[derive(Debug, Serialize, ToSchema)]
pub struct CredentialPage {
    pub items: Vec<CredentialSummary>,
    pub next_cursor: Option<String>,
}

/// One entry of the hash-chained audit trail.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub credential_id: Option<String>,
    pub reason: Option<String>,
    pub detail: Value,
    pub prev_hash: String,
    pub hash: String,
}

/// Oldest first; pass `next_after` as `after` for the next page (null: no more).
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub next_after: Option<i64>,
}
