//! The HTTP interface of DESIGN.md: thin handlers that translate between HTTP and the
//! services, one file per resource.

pub mod admin;
pub mod auth;
pub mod badges;
pub mod body;
mod client_ip;
pub mod credentials;
pub mod error;
pub mod exam_results;
pub mod extract;
pub mod limits;
pub mod observe;
pub mod oid4vci;
pub mod openapi;
pub mod pages;
pub mod pdf;
pub mod presentations;
pub mod public;
mod respond;
pub mod security_headers;
pub mod share_page;
pub mod verify;
pub mod webhooks;

use crate::problem::ProblemCode;
use axum::http::StatusCode;
use axum::middleware::{from_fn, from_fn_with_state, map_request, map_response};
use axum::routing::get;
use axum::{Extension, Router};
use error::ApiError;
use std::sync::Arc;
use std::time::Duration;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// What every handler is given: the services' shared context.
pub type AppState = Arc<crate::service::Context>;

/// Every operation served, as `(method, path)`: what `tests/api/openapi.rs` expects the served
/// document to hold, and probes on the running server. `/credentials/{id}.{json,jwt,pdf}` are
/// answered by the `/credentials/{id}` route, and so are `.png` and `.svg`.
pub const ROUTES: &[(&str, &str)] = &[
    ("POST", "/api/v1/exam-results"),
    ("POST", "/api/v1/exam-results/batch"),
    ("GET", "/api/v1/exam-results/pending"),
    ("POST", "/api/v1/exam-results/{attempt_id}/cancel"),
    ("GET", "/api/v1/credentials"),
    ("POST", "/api/v1/credentials/{id}/revoke"),
    ("POST", "/api/v1/credentials/{id}/suspend"),
    ("POST", "/api/v1/credentials/{id}/reinstate"),
    ("GET", "/api/v1/audit"),
    ("POST", "/api/v1/candidates/{id}/erase"),
    ("POST", "/api/v1/webhooks"),
    ("GET", "/api/v1/webhooks"),
    ("DELETE", "/api/v1/webhooks/{id}"),
    ("POST", "/api/v1/webhooks/{id}/test"),
    ("POST", "/api/v1/webhooks/{id}/replay"),
    ("GET", "/api/v1/webhooks/{id}/deliveries"),
    ("POST", "/credentials/issue"),
    ("POST", "/credentials/verify"),
    ("POST", "/presentations/verify"),
    ("GET", "/verify"),
    ("POST", "/verify"),
    ("GET", "/v/{id}"),
    ("GET", "/c/{id}"),
    ("GET", "/credentials/{id}"),
    ("GET", "/credentials/{id}.json"),
    ("GET", "/credentials/{id}.jwt"),
    ("GET", "/credentials/{id}.pdf"),
    ("GET", "/credentials/{id}.png"),
    ("GET", "/credentials/{id}.svg"),
    ("GET", "/status/{list}"),
    ("GET", "/achievements/{code}"),
    ("GET", "/achievements/{code}/badge.svg"),
    ("GET", "/achievements/{code}/badge.png"),
    ("GET", "/catalog"),
    ("GET", "/schemas/{name}"),
    ("GET", "/.well-known/did.json"),
    ("GET", "/.well-known/jwks.json"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/openapi.json"),
    ("POST", "/api/v1/credentials/{id}/offer"),
    ("GET", "/.well-known/openid-credential-issuer"),
    ("GET", "/.well-known/oauth-authorization-server"),
    ("POST", "/oid4vci/token"),
    ("POST", "/oid4vci/nonce"),
    ("POST", "/oid4vci/credential"),
];

/// The router, and with it the OpenAPI document: `routes!` registers each handler at the path
/// and method of its `#[utoipa::path]` annotation (see `openapi.rs`).
pub fn routes(state: AppState) -> Router {
    let api = OpenApiRouter::new()
        .routes(routes!(exam_results::submit))
        .routes(routes!(exam_results::submit_batch))
        .routes(routes!(exam_results::pending))
        .routes(routes!(exam_results::cancel))
        .routes(routes!(credentials::list))
        .routes(routes!(credentials::revoke))
        .routes(routes!(credentials::suspend))
        .routes(routes!(credentials::reinstate))
        .routes(routes!(admin::audit))
        .routes(routes!(admin::erase_candidate))
        .routes(routes!(oid4vci::create_offer))
        .routes(routes!(webhooks::add, webhooks::list))
        .routes(routes!(webhooks::remove))
        .routes(routes!(webhooks::test))
        .routes(routes!(webhooks::replay))
        .routes(routes!(webhooks::deliveries));
    crate::metrics::install();
    let (router, document) = OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .nest("/api/v1", api)
        .routes(routes!(credentials::issue))
        .routes(routes!(verify::verify_api))
        .routes(routes!(presentations::verify_presentation))
        .routes(routes!(pages::verify_form, pages::verify_submit))
        .routes(routes!(pages::verify_page))
        .routes(routes!(share_page::share_page))
        .routes(routes!(credentials::get))
        .routes(routes!(public::status_list))
        .routes(routes!(public::achievement))
        .routes(routes!(badges::achievement_svg))
        .routes(routes!(badges::achievement_png))
        .routes(routes!(public::catalog))
        .routes(routes!(public::schema))
        .routes(routes!(public::did_document))
        .routes(routes!(public::jwks))
        .routes(routes!(public::healthz))
        .routes(routes!(public::readyz))
        .routes(routes!(observe::metrics_endpoint))
        .routes(routes!(oid4vci::issuer_metadata))
        .routes(routes!(oid4vci::authorization_server_metadata))
        .routes(routes!(oid4vci::token_endpoint))
        .routes(routes!(oid4vci::nonce_endpoint))
        .routes(routes!(oid4vci::credential_endpoint))
        .split_for_parts();
    // The document's own route: documented in `ApiDoc`, and it needs the finished document.
    #[allow(clippy::disallowed_methods)]
    let router = router.route(
        "/openapi.json",
        get(openapi::openapi_json).layer(Extension(openapi::document(document))),
    );
    let router = router
        .fallback(|| async { ApiError::not_found("resource") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                ProblemCode::MethodNotAllowed,
                "this method is not allowed here",
            )
        })
        .with_state(state.clone());
    let bounds = state.config.limits;
    // Layers run outermost last: request id, then logging and metrics (so they see every
    // answer, refusals included), then the security headers (on every answer too), then the
    // limits, then the handler.
    let router = router
        .layer(from_fn_with_state(
            Duration::from_secs(u64::from(bounds.request_timeout_seconds)),
            limits::timeout,
        ))
        .layer(from_fn_with_state(
            usize::try_from(bounds.max_body_bytes).unwrap_or(usize::MAX),
            limits::cap_body,
        ));
    let router =
        match limits::RateLimiter::new(&bounds, &state.config.trusted_proxies, state.clock.clone())
        {
            Some(limiter) => {
                router.layer(from_fn_with_state(Arc::new(limiter), limits::rate_limit))
            }
            None => router,
        };
    router
        .layer(map_response(security_headers::add))
        .layer(from_fn(observe::observe))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(map_request(observe::sanitize_request_id))
}
