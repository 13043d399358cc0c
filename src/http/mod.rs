//! The HTTP interface of DESIGN.md: thin handlers that translate between HTTP and the
//! services, one file per resource.

pub mod admin;
pub mod auth;
pub mod body;
pub mod credentials;
pub mod error;
pub mod exam_results;
pub mod pages;
pub mod pdf;
pub mod public;
pub mod verify;

use crate::app::AppState;
use axum::Router;
use axum::http::{Request, StatusCode};
use axum::routing::{get, post};
use error::ApiError;
use std::time::Duration;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub fn routes(state: AppState) -> Router {
    let api = Router::new()
        .route("/exam-results", post(exam_results::submit))
        .route("/exam-results/batch", post(exam_results::submit_batch))
        .route("/exam-results/pending", get(exam_results::pending))
        .route("/exam-results/{attempt_id}/cancel", post(exam_results::cancel))
        .route("/credentials", get(credentials::list))
        .route("/credentials/{id}/revoke", post(credentials::revoke))
        .route("/credentials/{id}/suspend", post(credentials::suspend))
        .route("/credentials/{id}/reinstate", post(credentials::reinstate))
        .route("/audit", get(admin::audit));
    Router::new()
        .nest("/api/v1", api)
        .route("/credentials/issue", post(credentials::issue))
        .route("/credentials/verify", post(verify::verify_api))
        .route("/verify", get(pages::verify_form).post(pages::verify_submit))
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
        .fallback(|| async { ApiError::not_found("resource") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "this method is not allowed here")
        })
        .with_state(state)
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, Duration::from_secs(60)))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                let id = req
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-")
                    .to_owned();
                tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
            }),
        )
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}
