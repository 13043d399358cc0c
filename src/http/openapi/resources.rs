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
