//! Shapes of the admin listings, status changes and public resources, for the OpenAPI
//! document only (never constructed; checked against the running server by schemathesis).
//! Bodies the handlers build from a struct live in `responses.rs` instead. Re-exported by
//! `schemas`.
#![allow(dead_code)] // never constructed

use serde_json::Value;
use utoipa::ToSchema;

#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum CredentialState {
    Active,
    Suspended,
    Revoked,
}

/// The result of revoke, suspend or reinstate.
#[derive(ToSchema)]
pub struct StatusChange {
    #[schema(format = Uuid)]
    pub credential_id: String,
    pub action: String,
    pub state: CredentialState,
    /// False when the credential was already in that state (a harmless repeat).
    pub changed: bool,
    pub reason: String,
    /// Dependents revoked with it (`cascade: true`).
    pub cascaded: Vec<String>,
    /// Dependents left as they were.
    pub dependents: Vec<String>,
}

#[derive(ToSchema)]
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
    pub state: CredentialState,
    pub state_reason: Option<String>,
    pub state_changed_at: Option<i64>,
}

/// Newest first; pass `next_cursor` as `cursor` for the next page (null: no more).
#[derive(ToSchema)]
pub struct CredentialPage {
    pub items: Vec<CredentialSummary>,
    pub next_cursor: Option<String>,
}

/// One entry of the hash-chained audit trail.
#[derive(ToSchema)]
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
#[derive(ToSchema)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub next_after: Option<i64>,
}

/// The certification program: levels, tracks and achievements with their prerequisites.
#[derive(ToSchema)]
pub struct Catalog {
    pub program: Value,
    pub levels: Vec<Value>,
    pub tracks: Vec<Value>,
    pub achievements: Vec<Value>,
}

/// An Open Badges 3.0 `Achievement` (JSON-LD).
#[derive(ToSchema)]
pub struct Achievement {
    #[serde(rename = "@context")]
    pub context: Vec<String>,
    pub id: String,
    pub r#type: Value,
    pub name: String,
}

/// The issuer's DID document (did:web or did:key), current and retired keys.
#[derive(ToSchema)]
pub struct DidDocument {
    #[serde(rename = "@context")]
    pub context: Vec<String>,
    #[schema(pattern = "^did:")]
    pub id: String,
    #[serde(rename = "verificationMethod")]
    pub verification_method: Vec<Value>,
    #[serde(rename = "assertionMethod")]
    pub assertion_method: Vec<String>,
}

/// RFC 7517 JWK Set of the same keys; `kid` is the verification method id.
#[derive(ToSchema)]
pub struct JwkSet {
    pub keys: Vec<Value>,
}

/// The JSON Schemas served under `/schemas/`.
#[derive(ToSchema)]
pub enum SchemaName {
    #[serde(rename = "exam-result.schema.json")]
    ExamResult,
    #[serde(rename = "credential.schema.json")]
    Credential,
}
