//! Shapes of the JSON bodies the handlers build with `json!`, for the OpenAPI document only
//! (they are never constructed). They are kept honest by schemathesis in CI: its
//! `response_schema_conformance` check compares every answer of the running server with
//! these. Bodies defined elsewhere are not repeated here: the exam result is
//! `schemas/exam-result.schema.json`, embedded as it is by `openapi::document`.
#![allow(dead_code, clippy::large_enum_variant)] // never constructed

use crate::http::exam_results::BATCH_MAX_ITEMS;
use serde_json::Value;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

pub use super::resources::*;
pub use super::responses::*;

/// RFC 9457 problem details. `code` is stable and is what clients branch on; some codes add
/// members (e.g. `errors` for `schema_violation`, `attempt_id` for `below_pass_mark`).
#[derive(ToSchema)]
pub struct Problem {
    /// `urn:attest:problem:{code}`.
    #[schema(example = "urn:attest:problem:not_found")]
    pub r#type: String,
    /// The HTTP reason phrase of `status`.
    pub title: String,
    #[schema(minimum = 400, maximum = 599)]
    pub status: u16,
    #[schema(pattern = "^[a-z][a-z0-9_]*$", example = "not_found")]
    pub code: String,
    pub detail: String,
}

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

#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum SubmissionStatus {
    Issued,
    Pending,
    Rejected,
}

/// Where the issued credential can be fetched, shared and verified.
#[derive(ToSchema)]
pub struct Links {
    pub credential: String,
    pub jwt: String,
    pub share: String,
    pub verify: String,
    pub pdf: String,
}

/// `201` issued, `200` an idempotent repeat, `202` pending (held for prerequisites).
#[derive(ToSchema)]
pub struct Submission {
    pub status: SubmissionStatus,
    pub attempt_id: String,
    pub repeat: bool,
    #[schema(format = Uuid, nullable = false)]
    pub credential_id: Option<String>,
    #[schema(nullable = false)]
    pub links: Option<Links>,
    /// Held results of the same candidate issued because this one completed their lineage.
    #[schema(nullable = false)]
    pub released: Option<Vec<String>>,
    /// Prerequisite achievement codes still missing (pending only).
    #[schema(nullable = false)]
    pub missing: Option<Vec<String>>,
}

#[derive(ToSchema)]
pub struct BatchSummary {
    pub issued: u32,
    pub repeated: u32,
    pub pending: u32,
    pub rejected: u32,
}

/// One item's outcome, with the status it would have had on its own.
#[derive(ToSchema)]
pub struct BatchItem {
    pub index: u32,
    #[schema(minimum = 200, maximum = 599)]
    pub http_status: u16,
    pub status: SubmissionStatus,
    pub attempt_id: String,
    #[schema(nullable = false)]
    pub repeat: Option<bool>,
    #[schema(format = Uuid, nullable = false)]
    pub credential_id: Option<String>,
    #[schema(nullable = false)]
    pub links: Option<Links>,
    #[schema(nullable = false)]
    pub released: Option<Vec<String>>,
    #[schema(nullable = false)]
    pub missing: Option<Vec<String>>,
    #[schema(nullable = false)]
    pub code: Option<String>,
    #[schema(nullable = false)]
    pub detail: Option<String>,
    pub details: Option<Value>,
}

#[derive(ToSchema)]
pub struct BatchOutcome {
    pub summary: BatchSummary,
    pub results: Vec<BatchItem>,
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
pub enum Cryptosuite {
    #[serde(rename = "eddsa-rdfc-2022")]
    EddsaRdfc2022,
    #[serde(rename = "eddsa-jcs-2022")]
    EddsaJcs2022,
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
pub struct Issued {
    #[serde(rename = "verifiableCredential")]
    pub verifiable_credential: VerifiableCredential,
}

#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum CheckName {
    Proof,
    Issuer,
    Validity,
    Revocation,
    Suspension,
    Schema,
    Lineage,
}

#[derive(ToSchema)]
pub struct VerifyOptions {
    /// Run only these checks.
    #[schema(nullable = false)]
    pub checks: Option<Vec<CheckName>>,
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

#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum CheckStatus {
    Passed,
    Failed,
    Unknown,
    Skipped,
}

#[derive(ToSchema)]
pub struct CheckResult {
    pub check: String,
    pub status: CheckStatus,
    #[schema(nullable = false)]
    pub detail: Option<String>,
}

#[derive(ToSchema)]
pub struct LineageLink {
    pub depth: u32,
    pub credential: String,
    pub achievement: String,
    pub status: CheckStatus,
    pub detail: String,
}

/// A verdict: `200` when verified, `422` with the same shape when not.
#[derive(ToSchema)]
pub struct Verdict {
    pub verified: bool,
    pub checks: Vec<CheckResult>,
    /// What the credential says (holder, achievement, validity), when it could be read.
    pub credential: Option<Value>,
    pub format: String,
    #[schema(format = DateTime)]
    pub checked_at: String,
    #[schema(nullable = false)]
    pub lineage: Option<Vec<LineageLink>>,
}

/// The verifier page's form: pasted text in `credential`, or an uploaded `file`.
#[derive(ToSchema)]
pub struct VerifyForm {
    #[schema(nullable = false)]
    pub credential: Option<String>,
    #[schema(value_type = Option<String>, format = Binary, nullable = false)]
    pub file: Option<Vec<u8>>,
}
