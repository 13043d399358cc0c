//! `POST /api/v1/exam-results` and `/batch`: the exam platform's way in (role `issuer`).

use super::AppState;
use super::auth::Caller;
use super::body::StrictJson;
use super::error::{ApiError, ApiResult};
use super::openapi::problems::{BadRequest, Conflict, NotFound, Unprocessable};
use super::openapi::schemas as s;
use crate::problem::ProblemCode;
use crate::service::batch::MAX_ITEMS;
use crate::service::issue::{self, Submitted};
use crate::service::{Role, ServiceError};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub const SINGLE_LIMIT: usize = 64 * 1024;
pub const BATCH_LIMIT: usize = 8 * 1024 * 1024;

/// The status and body of one outcome; a result below the pass mark is refused as a problem
/// (which the batch reports in the item's place).
fn submission(
    base: &str,
    attempt_id: &str,
    outcome: &Submitted,
) -> Result<(StatusCode, s::Submission), ServiceError> {
    let attempt_id = attempt_id.to_owned();
    Ok(match outcome {
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
            s::Submission {
                status: s::SubmissionStatus::Issued,
                attempt_id,
                repeat: *repeat,
                credential_id: Some(*credential_id),
                links: Some(s::Links::new(base, credential_id)),
                released: Some(released.clone()),
                missing: None,
            },
        ),
        Submitted::Pending { missing, repeat } => (
            StatusCode::ACCEPTED,
            s::Submission {
                status: s::SubmissionStatus::Pending,
                attempt_id,
                repeat: *repeat,
                credential_id: None,
                links: None,
                released: None,
                missing: Some(missing.clone()),
            },
        ),
        Submitted::BelowPassMark { .. } => return Err(below_pass_mark(&attempt_id, outcome)),
    })
}

/// One batch item as it would have been answered alone.
fn batch_item(
    base: &str,
    index: usize,
    attempt_id: &str,
    outcome: &Result<Submitted, ServiceError>,
) -> s::BatchItem {
    let rejected = |e: ServiceError| {
        let details = e.details.clone();
        let api = ApiError::from(e);
        (
            api.status,
            s::ItemOutcome::Rejected(s::Rejection {
                status: s::SubmissionStatus::Rejected,
                attempt_id: attempt_id.to_owned(),
                code: api.code,
                detail: api.detail,
                details,
            }),
        )
    };
    let answered = match outcome {
        Ok(o) => submission(base, attempt_id, o),
        Err(e) => Err(e.clone()),
    };
    let (status, outcome) = match answered {
        Ok((status, body)) => (status, s::ItemOutcome::Submitted(body)),
        Err(e) => rejected(e),
    };
    s::BatchItem {
        index,
        http_status: status.as_u16(),
        outcome,
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
    let (status, body) = submission(ctx.base_url(), attempt_id, &outcome)?;
    let mut response = (status, Json(body)).into_response();
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
    if items.is_empty() || items.len() > MAX_ITEMS {
        return Err(ApiError::bad_request(
            ProblemCode::InvalidBatch,
            format!(
                "a batch holds 1 to {MAX_ITEMS} results, not {}",
                items.len()
            ),
        ));
    }
    let outcomes = crate::service::batch::submit_batch(&ctx, actor, items).await?;
    let mut summary = s::BatchSummary::default();
    let results: Vec<s::BatchItem> = outcomes
        .iter()
        .map(|item| {
            let attempt_id = item.attempt_id.as_deref().unwrap_or_default();
            let result = batch_item(ctx.base_url(), item.index, attempt_id, &item.outcome);
            *match &result.outcome {
                s::ItemOutcome::Rejected(_) => &mut summary.rejected,
                s::ItemOutcome::Submitted(body) if body.status == s::SubmissionStatus::Pending => {
                    &mut summary.pending
                }
                s::ItemOutcome::Submitted(body) if body.repeat => &mut summary.repeated,
                s::ItemOutcome::Submitted(_) => &mut summary.issued,
            } += 1;
            result
        })
        .collect();
    Ok(Json(s::BatchOutcome { summary, results }).into_response())
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
