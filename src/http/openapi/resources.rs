//! Shapes of the standard documents we serve (an Open Badges `Achievement`, the DID document,
//! the JWK Set), for the OpenAPI document only: they are built as JSON by `vc`, which follows
//! their specifications, so what is described here is their outline (never constructed;
//! checked against the running server by schemathesis). Bodies the handlers build from a
//! struct live in `responses.rs` instead. Re-exported by `schemas`.
#![allow(dead_code)] // never constructed

use serde_json::Value;
use utoipa::ToSchema;

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
