//! Where the document's schemas come from. Response bodies are structs that derive their
//! schemas: `responses.rs`, and the wire types of the service, domain and `vc` re-exported
//! below (verdicts, status changes, problems, states, cryptosuites). What is described here
//! instead, for the document only (never constructed), are the request bodies — handlers read
//! them with the strict JSON reader and check them by hand, so that each mistake has its own
//! problem code — and the credential as stored and served. Schemathesis keeps these honest in
//! CI: it generates requests from them and fails on any answer the document does not declare.
//! The exam result is `schemas/exam-result.schema.json`, embedded as it is by
//! `openapi::document`.
#![allow(dead_code, clippy::large_enum_variant)] // never constructed

use crate::service::batch::MAX_ITEMS as BATCH_MAX_ITEMS;
use serde_json::Value;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

pub use super::resources::*;
pub use super::responses::*;
pub use crate::domain::status::CredentialState;
pub use crate::http::error::Problem;
pub use crate::service::status::ChangeOutcome as StatusChange;
pub use crate::service::verify::presentation::PresentationVerdict;
pub use crate::service::verify::{CheckKind, Verdict};
pub use crate::vc::proof::Cryptosuite;

/// An exam result as `schemas/exam-result.schema.json` defines it (embedded verbatim in the
/// served document; the placeholder below is replaced).
pub struct ExamResult;

impl PartialSchema for ExamResult {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .description(Some("replaced by schemas/exam-result.schema.json"))
            .into()
    }
}

impl ToSchema for ExamResult {}

/// A list of 1 to 1000 exam results, or the same list as `{"results": [...]}`. Each item is
/// checked on its own; a bad item is reported in its place and does not fail the batch.
pub struct ExamResultBatch;

impl PartialSchema for ExamResultBatch {
    fn schema() -> RefOr<Schema> {
        let list = || {
            ArrayBuilder::new()
                .items(Ref::from_schema_name("ExamResult"))
                .min_items(Some(1))
                .max_items(Some(BATCH_MAX_ITEMS))
        };
        OneOfBuilder::new()
            .item(list())
            .item(
                ObjectBuilder::new()
                    .property("results", list())
                    .required("results"),
            )
            .into()
    }
}

impl ToSchema for ExamResultBatch {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push(("ExamResult".into(), ExamResult::schema()));
    }
}

/// A W3C Verifiable Credential (VC Data Model 2.0); ours are also Open Badges 3.0
/// `OpenBadgeCredential`s (see `GET /schemas/credential.schema.json`).
#[derive(ToSchema)]
pub struct VerifiableCredential {
    #[serde(rename = "@context")]
    #[schema(min_items = 1)]
    pub context: Vec<Value>,
    pub r#type: Value,
    pub issuer: Value,
    #[serde(rename = "credentialSubject")]
    pub credential_subject: Value,
    #[schema(nullable = false)]
    pub proof: Option<Value>,
}

/// A credential to sign: VC Data Model 2.0 without `proof`; `issuer` absent or ours.
#[derive(ToSchema)]
pub struct UnsignedCredential {
    #[serde(rename = "@context")]
    #[schema(min_items = 1)]
    pub context: Vec<Value>,
    pub r#type: Value,
    #[serde(rename = "credentialSubject")]
    pub credential_subject: Value,
}

#[derive(ToSchema)]
pub struct IssueOptions {
    #[schema(nullable = false)]
    pub cryptosuite: Option<Cryptosuite>,
}

/// VC API "Issue Credential" request.
#[derive(ToSchema)]
pub struct IssueRequest {
    pub credential: UnsignedCredential,
    #[schema(nullable = false)]
    pub options: Option<IssueOptions>,
}

#[derive(ToSchema)]
pub struct VerifyOptions {
    /// Run only these checks.
    #[schema(nullable = false)]
    pub checks: Option<Vec<CheckKind>>,
}

/// VC API "Verify Credential" request: the credential (with an embedded proof, or an
/// `EnvelopedVerifiableCredential`, or a compact vc+jwt string) and options.
#[derive(ToSchema)]
pub struct VerifyRequest {
    #[serde(rename = "verifiableCredential")]
    pub verifiable_credential: Value,
    #[schema(nullable = false)]
    pub options: Option<VerifyOptions>,
}

/// What `POST /credentials/verify` reads: a credential, a VC API request, or a compact JWT.
#[derive(ToSchema)]
#[serde(untagged)]
pub enum VerifyInput {
    Request(VerifyRequest),
    Credential(VerifiableCredential),
    /// A compact vc+jwt.
    Jwt(String),
}

/// The verifier page's form: pasted text in `credential`, or an uploaded `file`.
#[derive(ToSchema)]
pub struct VerifyForm {
    #[schema(nullable = false)]
    pub credential: Option<String>,
    #[schema(value_type = Option<String>, format = Binary, nullable = false)]
    pub file: Option<Vec<u8>>,
}
