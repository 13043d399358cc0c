//! Admin reads: the audit trail.

use super::auth::Caller;
use super::error::{ApiError, ApiResult};
use super::extract::Query;
use super::openapi::{BadRequest, schemas as s};
use crate::app::AppState;
use crate::service::Role;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

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
) -> ApiResult<Json<Value>> {
    caller.require(Role::Admin)?;
    let Query(p) = params?;
    let limit = p.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) || p.after.is_some_and(|a| a < 0) {
        return Err(ApiError::bad_request(
            "invalid_query",
            "`limit` must be 1 to 1000 and `after` not negative",
        ));
    }
    let rows = crate::service::audit::entries(&ctx, p.after.unwrap_or(0), limit).await?;
    let next = rows
        .last()
        .map(|r| r.seq)
        .filter(|_| rows.len() as i64 == limit);
    let entries: Vec<Value> = rows
        .into_iter()
        .map(|r| {
            json!({"seq": r.seq, "at": r.at, "actor": r.actor, "action": r.action, "credential_id": r.credential_id,
                   "reason": r.reason, "detail": serde_json::from_str::<Value>(&r.detail).unwrap_or(Value::Null),
                   "prev_hash": r.prev_hash, "hash": r.hash})
        })
        .collect();
    Ok(Json(json!({"entries": entries, "next_after": next})))
}
