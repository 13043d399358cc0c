//! Response bodies the handlers build as these structs, whose derived schemas are what the
//! OpenAPI document (OpenAPI 3.1 Schema Objects) says: one type for the wire and the document,
//! instead of a `json!` body beside a hand-kept mirror. Re-exported by `schemas`.

use crate::domain::ids::CredentialId;
use crate::problem::ProblemCode;
use crate::vc::credential as urls;
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SubmissionStatus {
    Issued,
    Pending,
    Rejected,
}

/// Where the issued credential can be fetched, shared and verified.
#[derive(Debug, Serialize, ToSchema)]
pub struct Links {
    pub credential: String,
    pub jwt: String,
    pub share: String,
    pub verify: String,
    pub pdf: String,
}

impl Links {
    pub fn new(base: &str, id: &CredentialId) -> Self {
        Self {
            credential: urls::credential_url(base, id),
            jwt: urls::credential_file_url(base, id, "jwt"),
            share: urls::share_page_url(base, id),
            verify: urls::verify_page_url(base, id),
            pdf: urls::credential_file_url(base, id, "pdf"),
        }
    }
}

/// `201` issued, `200` an idempotent repeat, `202` pending (held for prerequisites).
#[derive(Debug, Serialize, ToSchema)]
pub struct Submission {
    pub status: SubmissionStatus,
    pub attempt_id: String,
    /// The same body was submitted before: this is the same answer.
    pub repeat: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Uuid, nullable = false)]
    pub credential_id: Option<CredentialId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub links: Option<Links>,
    /// Held results of the same candidate issued because this one completed their lineage.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<String>>, nullable = false)]
    pub released: Option<Vec<CredentialId>>,
    /// Prerequisite achievement codes still missing (pending only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub missing: Option<Vec<String>>,
}

/// A batch item refused on its own: the problem it would have answered with alone.
#[derive(Debug, Serialize, ToSchema)]
pub struct Rejection {
    /// Always `rejected`.
    pub status: SubmissionStatus,
    pub attempt_id: String,
    #[schema(value_type = String)]
    pub code: ProblemCode,
    pub detail: String,
    /// The problem's extra members (e.g. `errors` for `schema_violation`), if it has any.
    pub details: Option<Value>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ItemOutcome {
    Submitted(Submission),
    Rejected(Rejection),
}

/// One item's outcome, with the status it would have had on its own.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchItem {
    pub index: usize,
    #[schema(minimum = 200, maximum = 599)]
    pub http_status: u16,
    #[serde(flatten)]
    pub outcome: ItemOutcome,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct BatchSummary {
    pub issued: u32,
    pub repeated: u32,
    pub pending: u32,
    pub rejected: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BatchOutcome {
    pub summary: BatchSummary,
    pub results: Vec<BatchItem>,
}

/// The certification program: levels, tracks and achievements with their prerequisites.
#[derive(Debug, Serialize, ToSchema)]
pub struct Catalog {
    pub program: ProgramInfo,
    pub levels: Vec<LevelInfo>,
    pub tracks: Vec<TrackInfo>,
    pub achievements: Vec<AchievementInfo>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgramInfo {
    pub name: String,
    pub framework: String,
    /// The issuer's name, as credentials give it.
    pub issuer: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LevelInfo {
    pub id: String,
    pub name: String,
    /// Lower ranks come first; `null` for levels outside the ladder.
    pub rank: Option<u8>,
    pub url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrackInfo {
    pub id: String,
    pub name: String,
    pub description: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AchievementInfo {
    pub code: String,
    pub name: String,
    /// The Open Badges `Achievement` (`GET /achievements/{code}`).
    pub url: String,
    pub track: String,
    pub level: String,
    /// Codes that must be held (and valid) first.
    pub prerequisites: Vec<String>,
    /// Codes this one is a prerequisite of.
    pub next: Vec<String>,
    /// How long a credential stays valid, e.g. `3 years` or `18 months`.
    pub valid_for: String,
    pub pass_mark: u32,
    pub max_score: u32,
    pub skills: Vec<String>,
}

/// VC API "Issue Credential" answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Issued {
    /// The signed credential, exactly as stored.
    #[serde(rename = "verifiableCredential")]
    #[schema(value_type = super::schemas::VerifiableCredential)]
    pub verifiable_credential: Box<serde_json::value::RawValue>,
}
