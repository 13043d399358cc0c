//! `POST /api/v1/exam-results` and `/batch`: the exam platform's way in (role `issuer`).

use super::auth::Caller;
use super::body::StrictJson;
use super::error::{ApiError, ApiResult, status_of};
use super::openapi::{BadRequest, Conflict, NotFound, Unprocessable, schemas as s};
use crate::app::AppState;
use crate::domain::ids::CredentialId;
use crate::problem::ProblemCode;
use crate::service::issue::{self, Submitted};
use crate::service::{Role, ServiceError};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub const SINGLE_LIMIT: usize = 64 * 1024;
pub const BATCH_LIMIT: usize = 8 * 1024 * 1024;
pub const BATCH_MAX_ITEMS: usize = 1000;

pub fn links(base: &str, id: &CredentialId) -> Value {
    json!({
        "credential": format!("{base}/credentials/{id}"),
        "jwt": format!("{base}/credentials/{id}.jwt"),
        "share": format!("{base}/c/{id}"),
        "verify": format!("{base}/v/{id}"),
        "pdf": format!("{base}/credentials/{id}.pdf"),
    })
}

/// The status and body of one outcome; the batch reports the same shape per item.
fn outcome_body(base: &str, attempt_id: &str, outcome: &Submitted) -> (StatusCode, Value) {
    match outcome {
        Submitted::Issued {
            credential_id,
            repeat,
            released,
        } => (
            if *repeat {
                StatusCode::OK
            } else {
                StatusCode::CREATED
            },
            json!({
                "status": "issued",
                "attempt_id": attempt_id,
                "repeat": repeat,
                "credential_id": credential_id.to_string(),
                "links": links(base, credential_id),
                "released": released.iter().map(ToString::to_string).collect::<Vec<_>>(),
            }),
        ),
        Submitted::Pending { missing, repeat } => (
            StatusCode::ACCEPTED,
            json!({"status": "pending", "attempt_id": attempt_id, "repeat": repeat, "missing": missing}),
        ),
        Submitted::BelowPassMark { .. } => {
            let e = below_pass_mark(attempt_id, outcome);
            (
                status_of(e.class),
                json!({"status": "rejected", "attempt_id": attempt_id, "code": e.code, "detail": e.message}),
            )
        }
    }
}

fn below_pass_mark(attempt_id: &str, outcome: &Submitted) -> ServiceError {
    let detail = match outcome {
        Submitted::BelowPassMark { score, pass_mark } if *pass_mark > 0 => {
            format!(
                "score {score} is below the pass mark {pass_mark}; nothing was issued (attempt `{attempt_id}` is recorded)"
            )
        }
        _ => format!(
            "the score is below the pass mark; nothing was issued (attempt `{attempt_id}` is recorded)"
        ),
    };
    ServiceError::unprocessable(ProblemCode::BelowPassMark, detail)
        .with_details(json!({"attempt_id": attempt_id}))
}

/// `POST /api/v1/exam-results`: one result, idempotent on `attempt_id`.
#[utoipa::path(
    post,
    path = "/exam-results",
    tag = "issuer",
    summary = "Submit one exam result",
    request_body(content = s::ExamResult, content_type = "application/json",
        example = json!({"attempt_id": "EXM-2026-000123", "achievement": "mlops-foundation",
            "candidate": {"id": "cand-8812", "name": "Zoë Ångström", "email": "zoe@example.com"},
            "exam": {"version": "2026.1", "completed_at": "2026-11-20T14:03:00Z", "proctored": true,
                     "score": 812, "max_score": 1000}})),
    responses(
        (status = 201, description = "Issued", body = s::Submission,
            headers(("Location" = String, description = "The credential's URL"))),
        (status = 200, description = "The same body again: the same answer", body = s::Submission),
        (status = 202, description = "Held until its prerequisites are issued", body = s::Submission),
        (status = 400, response = BadRequest),
        (status = 409, response = Conflict),
        (status = 422, response = Unprocessable),
    ),
    security(("bearer" = []))
)]
pub async fn submit(
    State(ctx): State<AppState>,
    caller: Caller,
    StrictJson(body): StrictJson<SINGLE_LIMIT>,
) -> ApiResult<Response> {
    let actor = caller.require(Role::Issuer)?;
    let outcome = issue::submit(&ctx, actor, &body).await?;
    let attempt_id = body
        .get("attempt_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if matches!(outcome, Submitted::BelowPassMark { .. }) {
        return Err(below_pass_mark(attempt_id, &outcome).into());
    }
    let (status, json_body) = outcome_body(ctx.base_url(), attempt_id, &outcome);
    let mut response = (status, Json(json_body)).into_response();
    if let Submitted::Issued { credential_id, .. } = &outcome
        && let Ok(location) =
            HeaderValue::from_str(&format!("{}/credentials/{credential_id}", ctx.base_url()))
    {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// `POST /api/v1/exam-results/batch`: each item is processed as if submitted alone.
#[utoipa::path(
    post,
    path = "/exam-results/batch",
    tag = "issuer",
    summary = "Submit up to 1000 exam results",
    request_body(content = s::ExamResultBatch, content_type = "application/json"),
    responses(
        (status = 200, description = "One outcome per item, in order", body = s::BatchOutcome),
        (status = 400, response = BadRequest),
    ),
    security(("bearer" = []))
)]
pub async fn submit_batch(
    State(ctx): State<AppState>,
    caller: Caller,
    StrictJson(body): StrictJson<BATCH_LIMIT>,
) -> ApiResult<Response> {
    let actor = caller.require(Role::Issuer)?;
    let items = match &body {
        Value::Array(items) => items,
        Value::Object(map) => map
            .get("results")
            .and_then(Value::as_array)
            .ok_or_else(|| {
                ApiError::bad_request(
                    ProblemCode::InvalidBatch,
                    "expected a list of exam results or {\"results\": [...]}",
                )
            })?,
        _ => {
            return Err(ApiError::bad_request(
                ProblemCode::InvalidBatch,
                "expected a list of exam results",
            ));
        }
    };
    if items.is_empty() || items.len() > BATCH_MAX_ITEMS {
        return Err(ApiError::bad_request(
            ProblemCode::InvalidBatch,
            format!(
                "a batch holds 1 to {BATCH_MAX_ITEMS} results, not {}",
                items.len()
            ),
        ));
    }
    let outcomes = crate::service::batch::submit_batch(&ctx, actor, items).await?;
    let mut summary = json!({"issued": 0, "repeated": 0, "pending": 0, "rejected": 0});
    let results: Vec<Value> = outcomes
        .iter()
        .map(|item| {
            let attempt_id = item.attempt_id.clone().unwrap_or_default();
            let (status, mut body, bucket) = match &item.outcome {
                Ok(o @ Submitted::BelowPassMark { .. }) => {
                    let (s, b) = outcome_body(ctx.base_url(), &attempt_id, o);
                    (s, b, "rejected")
                }
                Ok(o) => {
                    let (s, b) = outcome_body(ctx.base_url(), &attempt_id, o);
                    let bucket = match (o, s) {
                        (Submitted::Pending { .. }, _) => "pending",
                        (_, StatusCode::OK) => "repeated",
                        _ => "issued",
                    };
                    (s, b, bucket)
                }
                Err(e) => {
                    let api = ApiError::from(e.clone());
                    (api.status, json!({"status": "rejected", "attempt_id": attempt_id, "code": api.code, "detail": api.detail, "details": e.details}), "rejected")
                }
            };
            summary[bucket] = (summary[bucket].as_u64().unwrap_or(0) + 1).into();
            if let Some(map) = body.as_object_mut() {
                map.insert("index".into(), item.index.into());
                map.insert("http_status".into(), status.as_u16().into());
            }
            body
        })
        .collect();
    Ok(Json(json!({"summary": summary, "results": results})).into_response())
}

/// `GET /api/v1/exam-results/pending` (admin): results held for missing prerequisites.
#[utoipa::path(
    get,
    path = "/exam-results/pending",
    tag = "admin",
    summary = "Results held for missing prerequisites",
    responses((status = 200, description = "Oldest first, at most 500", body = s::PendingList)),
    security(("bearer" = []))
)]
pub async fn pending(
    State(ctx): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<s::PendingList>> {
    caller.require(Role::Admin)?;
    let rows = crate::service::pending::pending(&ctx, 500).await?;
    let items = rows
        .into_iter()
        .map(|r| {
            let detail: Value = r
                .detail
                .as_deref()
                .and_then(|d| serde_json::from_str(d).ok())
                .unwrap_or_default();
            s::PendingResult {
                attempt_id: r.attempt_id.to_string(),
                candidate_id: r.candidate_id.to_string(),
                achievement: r.achievement.to_string(),
                missing: detail["missing"].clone(),
                received_at: r.received_at,
            }
        })
        .collect();
    Ok(Json(s::PendingList { items }))
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelBody {
    /// Recorded in the audit trail.
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    reason: String,
}

/// `POST /api/v1/exam-results/{attempt_id}/cancel` (admin).
#[utoipa::path(
    post,
    path = "/exam-results/{attempt_id}/cancel",
    tag = "admin",
    summary = "Cancel a held result",
    params(("attempt_id" = String, Path, pattern = r"^[A-Za-z0-9._:-]{1,128}$")),
    request_body(content = CancelBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Cancelled", body = s::Cancelled),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []))
)]
pub async fn cancel(
    State(ctx): State<AppState>,
    caller: Caller,
    super::extract::Path(attempt_id): super::extract::Path<String>,
    StrictJson(body): StrictJson<{ 16 * 1024 }>,
) -> ApiResult<Json<s::Cancelled>> {
    let actor = caller.require(Role::Admin)?;
    let body: CancelBody = serde_json::from_value(body).map_err(|e| {
        ApiError::bad_request(
            ProblemCode::InvalidRequest,
            format!("expected {{\"reason\": \"…\"}}: {e}"),
        )
    })?;
    crate::service::pending::cancel(&ctx, actor, &attempt_id, &body.reason).await?;
    Ok(Json(s::Cancelled {
        attempt_id,
        status: "cancelled",
    }))
}
