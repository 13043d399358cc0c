//! `GET /credentials/{id}.pdf`: the printable certificate.

use super::error::{ApiError, ApiResult};
use crate::app::AppState;
use crate::domain::ids::CredentialId;
use axum::http::StatusCode;
use axum::response::Response;

pub async fn certificate(ctx: &AppState, id: CredentialId) -> ApiResult<Response> {
    ctx.store
        .credential(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("credential"))?;
    Err(ApiError::new(
        StatusCode::NOT_IMPLEMENTED,
        "pdf_unavailable",
        "PDF certificates are not available yet",
    ))
}
