//! `POST /presentations/verify` (VC API "Verify Presentation"): a presentation in, a verdict
//! on it and on each credential it carries out — 200 when everything verifies, 422 with the
//! same body when not, 400 when the presentation is malformed.

use super::AppState;
use super::body::{LimitedBody, parse_strict};
use super::error::{ApiError, ApiResult};
use super::openapi::problems::BadRequest;
use super::openapi::schemas as s;
use crate::problem::ProblemCode;
use crate::service::verify::presentation::{self, PresentedVp, parse_vp_input};
use crate::vc::presentation::Expected;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use utoipa::ToSchema;

/// A presentation carries up to 32 credentials, so it may be larger than one credential.
pub const LIMIT: usize = 1024 * 1024;

/// What the verifier asks the presentation's proof to carry.
#[derive(ToSchema)]
pub struct PresentationOptions {
    /// Must equal the proof's `challenge` (the JWT's `nonce`).
    #[schema(nullable = false)]
    pub challenge: Option<String>,
    /// Must be the proof's `domain` (the JWT's `aud`), or one of them.
    #[schema(nullable = false)]
    pub domain: Option<String>,
}

/// VC API "Verify Presentation" request; a bare presentation or compact vp+jwt is read too.
#[derive(ToSchema)]
pub struct VerifyPresentationRequest {
    /// A `VerifiablePresentation` (VC DM 2.0 or 1.1) with a Data Integrity proof, an
    /// `EnvelopedVerifiablePresentation`, or a compact vp+jwt.
    #[serde(rename = "verifiablePresentation")]
    pub verifiable_presentation: Value,
    #[schema(nullable = false)]
    pub options: Option<PresentationOptions>,
}

/// Reads JSON (any accepted shape) or a bare compact JWT.
pub fn read_presentation(bytes: &[u8]) -> Result<(PresentedVp, Expected), ApiError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| {
            ApiError::bad_request(
                ProblemCode::InvalidUtf8,
                "the request body is not valid UTF-8",
            )
        })?
        .trim();
    let value = if text.starts_with('{') || text.starts_with('"') {
        parse_strict(text.as_bytes())?
    } else if text.is_empty() {
        return Err(ApiError::bad_request(
            ProblemCode::EmptyBody,
            "nothing to verify",
        ));
    } else {
        Value::String(text.to_owned())
    };
    parse_vp_input(value).map_err(ApiError::from)
}

#[utoipa::path(
    post,
    path = "/presentations/verify",
    tag = "public",
    summary = "Verify a presentation (VC API)",
    request_body(description = "`{verifiablePresentation, options: {challenge, domain}}`, a \
        bare presentation, or a compact vp+jwt",
        content((VerifyPresentationRequest = "application/json"), (String = "text/plain"))),
    responses(
        (status = 200, description = "Verified: the presentation's proof and every credential",
            body = s::PresentationVerdict),
        (status = 422, description = "Not verified: the same verdict shape says why",
            body = s::PresentationVerdict),
        (status = 400, response = BadRequest),
    )
)]
pub async fn verify_presentation(
    State(ctx): State<AppState>,
    LimitedBody(bytes): LimitedBody<LIMIT>,
) -> ApiResult<Response> {
    let (presented, expected) = read_presentation(&bytes)?;
    let verdict = presentation::verify_presentation(&ctx, presented, &expected).await?;
    let status = if verdict.verified {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, Json(verdict)).into_response())
}

/// The paste-or-upload page accepts a presentation too: `None` when `input` is not one, else
/// the verdict to show (its first credential's, with the presentation's outcome) or why not.
pub async fn for_page(
    ctx: &AppState,
    input: &[u8],
) -> Option<Result<(crate::service::verify::Verdict, StatusCode), String>> {
    let text = std::str::from_utf8(input).ok()?.trim();
    let is_vp = if text.starts_with('{') {
        let value: Value = serde_json::from_str(text).ok()?;
        value.get("verifiablePresentation").is_some()
            || crate::vc::presentation::holder(&value).is_some()
            || value["type"] == "VerifiablePresentation"
            || value["type"]
                .as_array()
                .is_some_and(|t| t.iter().any(|t| t == "VerifiablePresentation"))
    } else {
        crate::vc::jwt::parse(text)
            .is_ok_and(|j| j.header.get("typ").and_then(Value::as_str) == Some("vp+jwt"))
    };
    if !is_vp {
        return None;
    }
    let outcome = async {
        let (presented, expected) = read_presentation(input).map_err(|e| e.detail)?;
        let verdict = presentation::verify_presentation(ctx, presented, &expected)
            .await
            .map_err(|e| e.message)?;
        if let Some(failed) = verdict
            .checks
            .iter()
            .find(|c| c.status != crate::service::verify::Status::Passed)
        {
            return Err(format!(
                "The presentation's own proof does not verify: {}",
                failed.detail
            ));
        }
        let status = if verdict.verified {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        let first = verdict
            .credentials
            .into_iter()
            .next()
            .ok_or_else(|| "The presentation carries no credential.".to_owned())?;
        Ok((first, status))
    };
    Some(outcome.await)
}
