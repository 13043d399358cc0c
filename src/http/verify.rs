//! `POST /credentials/verify` (VC API "Verify Credential"): JSON in, verdict out — 200 when
//! verified, 422 with the same body when not, 400 only when the input cannot be read.

use super::AppState;
use super::body::{CredentialBody, parse_strict};
use super::error::{ApiError, ApiResult};
use super::openapi::problems::BadRequest;
use super::openapi::schemas as s;
use crate::problem::ProblemCode;
use crate::service::verify::{self, Presented, Verdict};
use crate::vc::baking;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

pub const LIMIT: usize = 256 * 1024;

/// Reads JSON (any accepted shape), a bare compact JWT, or a baked badge (PNG or SVG, told by
/// its first bytes: Open Badges 3.0 §5.3) carrying either.
pub fn read_presented(
    bytes: &[u8],
) -> Result<(Presented, Option<Vec<verify::CheckKind>>), ApiError> {
    if baking::kind_of(bytes).is_some() {
        let payload =
            baking::extract(bytes).map_err(|e| ApiError::bad_request(e.code(), e.to_string()))?;
        return read_text(payload.text().as_bytes());
    }
    read_text(bytes)
}

fn read_text(bytes: &[u8]) -> Result<(Presented, Option<Vec<verify::CheckKind>>), ApiError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| {
            ApiError::bad_request(
                ProblemCode::InvalidUtf8,
                "the request body is not valid UTF-8",
            )
        })?
        .trim();
    let value = if text.starts_with('{') || text.starts_with('[') || text.starts_with('"') {
        parse_strict(text.as_bytes())?
    } else if text.is_empty() {
        return Err(ApiError::bad_request(
            ProblemCode::EmptyBody,
            "nothing to verify",
        ));
    } else {
        Value::String(text.to_owned())
    };
    verify::parse_input(value).map_err(ApiError::from)
}

#[utoipa::path(
    post,
    path = "/credentials/verify",
    tag = "public",
    summary = "Verify a credential (VC API)",
    request_body(description = "A credential with an embedded proof, an \
        `EnvelopedVerifiableCredential`, `{verifiableCredential, options}`, a compact vc+jwt, \
        or a baked badge (Open Badges 3.0 §5.3) carrying one",
        content((s::VerifyInput = "application/json"), (String = "text/plain"),
            ("image/png"), (String = "image/svg+xml"))),
    responses(
        (status = 200, description = "Verified", body = s::Verdict),
        (status = 422, description = "Not verified: the same verdict shape says why",
            body = s::Verdict),
        (status = 400, response = BadRequest),
    )
)]
pub async fn verify_api(
    State(ctx): State<AppState>,
    CredentialBody(bytes): CredentialBody<LIMIT>,
) -> ApiResult<Response> {
    let (presented, checks) = read_presented(&bytes)?;
    let verdict: Verdict = verify::verify(&ctx, presented, checks.as_deref()).await?;
    let status = if verdict.verified {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, Json(verdict)).into_response())
}
