//! What operators see of each request: one log line (method, route template, status, latency,
//! inside a span that carries the request id, so anything else logged while handling it is
//! tied to it), the Prometheus request metrics, and `GET /metrics` itself.
//!
//! Only route templates are recorded, never raw paths or query strings, and no header is
//! logged: bearer tokens, credential ids chosen by clients and query parameters stay out of
//! logs and out of metric labels.

use super::AppState;
use super::error::ApiError;
use crate::metrics;
use crate::problem::ProblemCode;
use crate::service::{ErrorClass, ServiceError};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::Instant;
use tracing::Instrument;

/// Label for requests that matched no route (the fallback answered).
const UNMATCHED: &str = "unmatched";
/// The route that also serves `{id}.pdf`.
const PDF_ROUTE: &str = "/credentials/{id}";

/// Wraps every request: span with the request id, in-flight gauge, then the request metrics
/// and exactly one `info` line when the response is ready.
pub async fn observe(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = metrics::method_label(req.method());
    let route = match req
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str)
    {
        // The certificate shares the credential's route but costs far more: its own label.
        Some(PDF_ROUTE) if req.uri().path().to_ascii_lowercase().ends_with(".pdf") => {
            format!("{PDF_ROUTE}.pdf")
        }
        Some(template) => template.to_owned(),
        None => UNMATCHED.to_owned(),
    };
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned();
    let span = tracing::info_span!("request", request_id = %request_id);
    async move {
        let in_flight = metrics::InFlight::enter(&route);
        let response = next.run(req).await;
        drop(in_flight);
        let latency = started.elapsed();
        let status = response.status().as_u16();
        metrics::http_request(method, &route, status, latency);
        tracing::info!(
            method = %method,
            route = %route,
            status,
            latency_ms = latency.as_secs_f64() * 1000.0,
            "request"
        );
        response
    }
    .instrument(span)
    .await
}

/// `GET /metrics`: Prometheus text exposition; pool gauges are sampled now.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    summary = "Prometheus metrics",
    responses((status = 200, description = "Prometheus text format 0.0.4", body = String,
        content_type = "text/plain"),
        (status = 401, response = super::openapi::problems::Unauthenticated))
)]
pub async fn metrics_endpoint(State(ctx): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(expected) = &ctx.config.metrics_token
        && !presents(&headers, expected)
    {
        return ApiError::from(ServiceError::new(
            ErrorClass::Unauthenticated,
            ProblemCode::Unauthenticated,
            "this server's metrics need its metrics token (Authorization: Bearer …)",
        ))
        .into_response();
    }
    metrics::db_pool(ctx.store.pool_stats());
    let mut response = metrics::render().into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The request carries `Authorization: Bearer <expected>`, compared in constant time (over
/// digests, so the length does not show either).
fn presents(headers: &HeaderMap, expected: &str) -> bool {
    use sha2::{Digest, Sha256};
    use subtle::ConstantTimeEq;
    let Some(given) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
    else {
        return false;
    };
    let (given, expected) = (Sha256::digest(given.trim()), Sha256::digest(expected));
    given.ct_eq(&expected).into()
}

/// Drops a client-sent `x-request-id` that is not a short token (`[A-Za-z0-9._:-]{1,64}`), so
/// a fresh one is made: ids are logged, and a client must not be able to write arbitrary text
/// (or an email address) into our logs through them.
pub async fn sanitize_request_id(mut req: Request) -> Request {
    let acceptable = |v: &HeaderValue| {
        let bytes = v.as_bytes();
        (1..=64).contains(&bytes.len())
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
    };
    let headers = req.headers_mut();
    let all_ok = headers.get_all("x-request-id").iter().all(acceptable);
    if !all_ok || headers.get_all("x-request-id").iter().count() > 1 {
        headers.remove("x-request-id");
    }
    req
}
