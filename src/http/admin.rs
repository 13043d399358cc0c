//! Admin routes: the audit trail, and erasing a candidate's personal data (issue 15 §3).

use super::AppState;
use super::auth::Caller;
use super::body::StrictJson;
use super::error::{ApiError, ApiResult};
use super::extract::Query;
use super::openapi::problems::{BadRequest, NotFound};
use super::openapi::schemas as s;
use crate::problem::ProblemCode;
use crate::service::Role;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// `next_after` of the previous page.
    #[param(minimum = 0)]
    after: Option<i64>,
    #[param(minimum = 1, maximum = 1000, default = 100)]
    limit: Option<i64>,
}

/// `GET /api/v1/audit` (admin).
#[utoipa::path(
    get,
    path = "/audit",
    tag = "admin",
    summary = "Read the audit trail",
    params(AuditParams),
    responses(
        (status = 200, description = "A page of entries", body = s::AuditPage),
        (status = 400, response = BadRequest),
    ),
    security(("bearer" = []))
)]
pub async fn audit(
    State(ctx): State<AppState>,
    caller: Caller,
    // Taken as a Result so that a wrong role is 403 before a bad query is 400.
    params: Result<Query<AuditParams>, ApiError>,
) -> ApiResult<Json<s::AuditPage>> {
    caller.require(Role::Admin)?;
    let Query(p) = params?;
    let limit = p.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) || p.after.is_some_and(|a| a < 0) {
        return Err(ApiError::bad_request(
            ProblemCode::InvalidQuery,
            "`limit` must be 1 to 1000 and `after` not negative",
        ));
    }
    let rows = crate::service::audit::entries(&ctx, p.after.unwrap_or(0), limit).await?;
    let next = rows
        .last()
        .map(|r| r.seq)
        .filter(|_| rows.len() as i64 == limit);
    let entries = rows
        .into_iter()
        .map(|r| s::AuditEntry {
            detail: r.detail.into_value(),
            seq: r.seq,
            at: r.at,
            actor: r.actor,
            action: r.action,
            credential_id: r.credential_id,
            reason: r.reason,
            prev_hash: r.prev_hash,
            hash: r.hash,
        })
        .collect();
    Ok(Json(s::AuditPage {
        entries,
        next_after: next,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EraseBody {
    /// Recorded in the audit trail (for example the request's reference).
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    reason: String,
}

/// `POST /api/v1/candidates/{id}/erase` (admin).
#[utoipa::path(
    post,
    path = "/candidates/{id}/erase",
    tag = "admin",
    summary = "Erase a candidate's personal data",
    description = "Removes the candidate's name, email and request bodies from the store. Issued \
                   credentials stay as signed (verification needs their exact bytes), as do \
                   their status entries and the audit trail, which records the erasure. \
                   Held results of the candidate are cancelled.",
    params(("id" = String, Path, description = "The exam platform's candidate id")),
    request_body(content = EraseBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Erased", body = s::Erased),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
    ),
    security(("bearer" = []))
)]
pub async fn erase_candidate(
    State(ctx): State<AppState>,
    caller: Caller,
    super::extract::Path(candidate_id): super::extract::Path<String>,
    StrictJson(body): StrictJson<{ 16 * 1024 }>,
) -> ApiResult<Json<s::Erased>> {
    let actor = caller.require(Role::Admin)?;
    let body: EraseBody = serde_json::from_value(body).map_err(|e| {
        ApiError::bad_request(
            ProblemCode::InvalidRequest,
            format!("expected {{\"reason\": \"…\"}}: {e}"),
        )
    })?;
    let erased =
        crate::service::erasure::erase_candidate(&ctx, actor, &candidate_id, &body.reason).await?;
    Ok(Json(s::Erased {
        candidate_id,
        attempts: erased.attempts,
        credentials: erased.credentials,
    }))
}
