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
