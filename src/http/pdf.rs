//! `GET /credentials/{id}.pdf`: the printable certificate (served for revoked and suspended
//! credentials too: the employer scanning it must land on the page that says so).

use super::AppState;
use super::error::ApiResult;
use super::openapi::problems::{BadRequest, NotFound};
use crate::domain::ids::CredentialId;
use crate::service::certificate;
use axum::http::{HeaderValue, header};
use axum::response::Response;

#[utoipa::path(
    get,
    path = "/credentials/{id}.pdf",
    tag = "public",
    summary = "The printable certificate",
    params(("id" = uuid::Uuid, Path)),
    responses(
        (status = 200, description = "The certificate, with the credential attached to it",
            content(("application/pdf"))),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
    )
)]
pub async fn certificate(ctx: &AppState, id: CredentialId) -> ApiResult<Response> {
    let permit = super::limits::pdf_permit(ctx).await?;
    let pdf = certificate::render_admitted(ctx, &id, permit).await?;
    let mut response = super::respond::typed(pdf, "application/pdf", "public, max-age=300");
    if let Ok(v) = HeaderValue::from_str(&format!(
        "inline; filename=\"certificate-{}.pdf\"",
        id.human_code()
    )) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}
