//! The HTTP interface of DESIGN.md: thin handlers that translate between HTTP and the
//! services, one file per resource.

pub mod admin;
pub mod auth;
pub mod body;
pub mod credentials;
pub mod error;
pub mod exam_results;
pub mod limits;
pub mod observe;
pub mod pages;
pub mod pdf;
pub mod public;
pub mod verify;

use crate::app::AppState;
use axum::Router;
use axum::http::StatusCode;
use axum::middleware::{from_fn, from_fn_with_state, map_request};
use axum::routing::{get, post};
use error::ApiError;
use std::sync::Arc;
use std::time::Duration;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};

pub fn routes(state: AppState) -> Router {
    let api = Router::new()
        .route("/exam-results", post(exam_results::submit))
        .route("/exam-results/batch", post(exam_results::submit_batch))
        .route("/exam-results/pending", get(exam_results::pending))
        .route(
            "/exam-results/{attempt_id}/cancel",
            post(exam_results::cancel),
        )
        .route("/credentials", get(credentials::list))
        .route("/credentials/{id}/revoke", post(credentials::revoke))
        .route("/credentials/{id}/suspend", post(credentials::suspend))
        .route("/credentials/{id}/reinstate", post(credentials::reinstate))
        .route("/audit", get(admin::audit));
    crate::metrics::install();
    let router = Router::new()
        .nest("/api/v1", api)
        .route("/credentials/issue", post(credentials::issue))
        .route("/credentials/verify", post(verify::verify_api))
        .route(
            "/verify",
            get(pages::verify_form).post(pages::verify_submit),
        )
        .route("/v/{id}", get(pages::verify_page))
        .route("/c/{id}", get(pages::share_page))
        .route("/credentials/{id}", get(credentials::get))
        .route("/status/{list}", get(public::status_list))
        .route("/achievements/{code}", get(public::achievement))
        .route("/catalog", get(public::catalog))
        .route("/schemas/{name}", get(public::schema))
        .route("/.well-known/did.json", get(public::did_document))
        .route("/.well-known/jwks.json", get(public::jwks))
        .route("/healthz", get(public::healthz))
        .route("/readyz", get(public::readyz))
        .route("/metrics", get(observe::metrics_endpoint))
        .fallback(|| async { ApiError::not_found("resource") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this method is not allowed here",
            )
        })
        .with_state(state.clone());
    let bounds = state.config.limits;
    // Layers run outermost last: request id, then logging and metrics (so they see every
    // answer, refusals included), then the limits, then the handler.
    let router = router
        .layer(from_fn_with_state(
            Duration::from_secs(u64::from(bounds.request_timeout_seconds)),
            limits::timeout,
        ))
        .layer(from_fn_with_state(
            usize::try_from(bounds.max_body_bytes).unwrap_or(usize::MAX),
            limits::cap_body,
        ));
    let router = match limits::RateLimiter::new(&bounds, state.clock.clone()) {
        Some(limiter) => router.layer(from_fn_with_state(Arc::new(limiter), limits::rate_limit)),
        None => router,
    };
    router
        .layer(from_fn(observe::observe))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(map_request(observe::sanitize_request_id))
}
