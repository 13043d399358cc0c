//! Webhook subscriptions (issue 19), admin only: add (the secret is in this answer and nowhere
//! else), list, remove, send a test event, replay deliveries and read a delivery log.
//! Deliveries follow Standard Webhooks (<https://www.standardwebhooks.com/>).

use super::AppState;
use super::auth::Caller;
use super::body::StrictJson;
use super::error::{ApiError, ApiResult};
use super::extract::{Path, Query};
use super::openapi::problems::{BadRequest, NotFound};
use crate::problem::ProblemCode;
use crate::service::Role;
use crate::service::webhooks::subscriptions;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddBody {
    /// Where deliveries are POSTed (http or https; non-public addresses only when the operator
    /// allows them with `outbound_allow`).
    #[schema(min_length = 1, max_length = 2000, pattern = "^https?://[^/@ ]+")]
    url: String,
    /// Event types (e.g. `credential.revoked`); empty or `["*"]`: every type.
    #[serde(default)]
    events: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionOut {
    id: String,
    url: String,
    events: Vec<String>,
    /// Unix seconds.
    created_at: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedOut {
    id: String,
    url: String,
    events: Vec<String>,
    created_at: i64,
    /// `whsec_…`: verifies `webhook-signature`. Shown only here.
    secret: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionList {
    subscriptions: Vec<SubscriptionOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TestOut {
    /// The `webhook-id` the test delivery carries.
    event_id: String,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplayBody {
    /// Only this event (its `webhook-id`).
    #[serde(default)]
    event_id: Option<String>,
    /// Every delivery made so far, not only the failed ones.
    #[serde(default)]
    all: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReplayOut {
    /// Deliveries made pending again.
    replayed: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryOut {
    event_id: String,
    event_type: String,
    /// `pending`, `delivered` or `failed`.
    state: String,
    attempts: i64,
    last_status: Option<i64>,
    last_error: Option<String>,
    /// Unix seconds (the event's time).
    enqueued_at: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryList {
    deliveries: Vec<DeliveryOut>,
}

fn out(s: subscriptions::Subscription) -> SubscriptionOut {
    SubscriptionOut {
        id: s.id,
        url: s.url,
        events: s.events,
        created_at: s.created_at,
    }
}

fn parse<T: serde::de::DeserializeOwned>(body: Value, shape: &str) -> Result<T, ApiError> {
    serde_json::from_value(body).map_err(|e| {
        ApiError::bad_request(
            ProblemCode::InvalidRequest,
            format!("expected {shape}: {e}"),
        )
    })
}

/// `POST /api/v1/webhooks` (admin).
#[utoipa::path(
    post,
    path = "/webhooks",
    tag = "admin",
    summary = "Subscribe a URL to events",
    request_body(content = AddBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Added; the secret is shown this once", body = CreatedOut),
        (status = 400, response = BadRequest),
    ),
    security(("bearer" = []))
)]
pub async fn add(
    State(ctx): State<AppState>,
    caller: Caller,
    StrictJson(body): StrictJson<{ 16 * 1024 }>,
) -> ApiResult<(StatusCode, Json<CreatedOut>)> {
    let actor = caller.require(Role::Admin)?;
    let body: AddBody = parse(body, r#"{"url": "…", "events": ["…"]}"#)?;
    let created = subscriptions::add(&ctx, actor, &body.url, &body.events).await?;
    let s = created.subscription;
    Ok((
        StatusCode::CREATED,
        Json(CreatedOut {
            id: s.id,
            url: s.url,
            events: s.events,
            created_at: s.created_at,
            secret: created.secret,
        }),
    ))
}

/// `GET /api/v1/webhooks` (admin).
#[utoipa::path(
    get,
    path = "/webhooks",
    tag = "admin",
    summary = "List webhook subscriptions (without secrets)",
    responses((status = 200, description = "Subscriptions", body = SubscriptionList)),
    security(("bearer" = []))
)]
pub async fn list(
    State(ctx): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<SubscriptionList>> {
    caller.require(Role::Admin)?;
    let subs = subscriptions::list(&ctx).await?;
    Ok(Json(SubscriptionList {
        subscriptions: subs.into_iter().map(out).collect(),
    }))
}

/// `DELETE /api/v1/webhooks/{id}` (admin).
#[utoipa::path(
    delete,
    path = "/webhooks/{id}",
    tag = "admin",
    summary = "Remove a subscription (its undelivered events are dropped)",
    params(("id" = String, Path, description = "Subscription id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, response = NotFound),
    ),
    security(("bearer" = []))
)]
pub async fn remove(
    State(ctx): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let actor = caller.require(Role::Admin)?;
    subscriptions::remove(&ctx, actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/webhooks/{id}/test` (admin).
#[utoipa::path(
    post,
    path = "/webhooks/{id}/test",
    tag = "admin",
    summary = "Queue a `webhook.test` event for this subscription",
    params(("id" = String, Path, description = "Subscription id")),
    responses(
        (status = 202, description = "Queued", body = TestOut),
        (status = 404, response = NotFound),
    ),
    security(("bearer" = []))
)]
pub async fn test(
    State(ctx): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<TestOut>)> {
    caller.require(Role::Admin)?;
    let event_id = subscriptions::test(&ctx, &id).await?;
    Ok((StatusCode::ACCEPTED, Json(TestOut { event_id })))
}

/// `POST /api/v1/webhooks/{id}/replay` (admin).
#[utoipa::path(
    post,
    path = "/webhooks/{id}/replay",
    tag = "admin",
    summary = "Send failed deliveries again (or all, or one event), with their original webhook-id",
    params(("id" = String, Path, description = "Subscription id")),
    request_body(content = ReplayBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Made pending again", body = ReplayOut),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
    ),
    security(("bearer" = []))
)]
pub async fn replay(
    State(ctx): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    StrictJson(body): StrictJson<{ 16 * 1024 }>,
) -> ApiResult<Json<ReplayOut>> {
    caller.require(Role::Admin)?;
    let body: ReplayBody = parse(body, r#"{"event_id": "msg_…", "all": false}"#)?;
    let replayed = subscriptions::replay(&ctx, &id, body.event_id.as_deref(), body.all).await?;
    Ok(Json(ReplayOut { replayed }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveryParams {
    #[param(minimum = 1, maximum = 1000, default = 100)]
    limit: Option<i64>,
}

/// `GET /api/v1/webhooks/{id}/deliveries` (admin).
#[utoipa::path(
    get,
    path = "/webhooks/{id}/deliveries",
    tag = "admin",
    summary = "A subscription's deliveries, newest first",
    params(("id" = String, Path, description = "Subscription id"), DeliveryParams),
    responses(
        (status = 200, description = "Deliveries", body = DeliveryList),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
    ),
    security(("bearer" = []))
)]
pub async fn deliveries(
    State(ctx): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    params: Result<Query<DeliveryParams>, ApiError>,
) -> ApiResult<Json<DeliveryList>> {
    caller.require(Role::Admin)?;
    let Query(p) = params?;
    let limit = p.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::bad_request(
            ProblemCode::InvalidQuery,
            "`limit` must be 1 to 1000",
        ));
    }
    let rows = subscriptions::deliveries(&ctx, &id, limit).await?;
    Ok(Json(DeliveryList {
        deliveries: rows
            .into_iter()
            .map(|d| DeliveryOut {
                event_id: d.event_id.to_string(),
                event_type: d.event_type.to_string(),
                state: d.state.to_string(),
                attempts: d.attempts,
                last_status: d.last_status,
                last_error: d.last_error,
                enqueued_at: d.enqueued_at,
            })
            .collect(),
    }))
}
