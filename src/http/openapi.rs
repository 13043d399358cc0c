//! The OpenAPI 3.1 document served at `GET /openapi.json`, generated from the code: each
//! handler carries a `#[utoipa::path]` annotation and `routes()` registers handlers through
//! `utoipa_axum::routes!`, which takes the path and method from that annotation, so the router
//! and the document cannot disagree (clippy.toml bans the undocumented `Router::route`).
//!
//! Answers that the layers make rather than the handlers (413 body cap, 429 rate limit, 503
//! timeout, 500) are added to every operation here, from the same predicate the rate limiter
//! uses; bearer-secured operations get 401 and 403, and operations reading a JSON body 415 (the
//! body extractors refuse other media types). The exam-result JSON Schema is embedded as
//! it is from `schemas/exam-result.schema.json` (OpenAPI 3.1 schemas are JSON Schema 2020-12),
//! so it is written once.

pub mod problems;
mod resources;
mod responses;
pub mod schemas;

use problems::*;

use crate::service::context::EXAM_RESULT_SCHEMA;
use axum::Extension;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Arc;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// Name of the bearer security scheme the annotations refer to.
pub const BEARER: &str = "bearer";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "attest",
        description = "Issues W3C Verifiable Credentials (Open Badges 3.0) for passed exams and \
                       verifies them. Errors are RFC 9457 `application/problem+json` with a stable \
                       `code`."
    ),
    paths(
        openapi_json,
        super::credentials::get_json,
        super::credentials::get_jwt,
        super::pdf::certificate,
        super::badges::baked_png,
        super::badges::baked_svg
    ),
    components(
        schemas(schemas::Problem, schemas::ExamResult, super::oid4vci::OAuthError),
        responses(
            BadRequest,
            Unauthenticated,
            Forbidden,
            NotFound,
            Conflict,
            PayloadTooLarge,
            UnsupportedMediaType,
            Unprocessable,
            RateLimited,
            InternalError,
            Unavailable,
            super::oid4vci::OAuthError
        )
    ),
    modifiers(&BearerScheme),
    tags(
        (name = "issuer", description = "The exam platform (token role `issuer`)"),
        (name = "admin", description = "Program administrators (token role `admin`)"),
        (name = "public", description = "Credentials, verification and what verifiers fetch"),
        (name = "pages", description = "HTML pages for graduates and employers"),
        (name = "operations", description = "Health, readiness, metrics and this document"),
        (name = "wallet", description = "OpenID for Verifiable Credential Issuance 1.0 \
            (pre-authorized code flow): what wallets call")
    )
)]
pub struct ApiDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some(
                "A token from `attest token create --role issuer|admin`",
            ))
            .build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(BEARER, SecurityScheme::Http(scheme));
    }
}

/// The served document (JSON text), built once per router.
#[derive(Clone)]
pub struct Document(pub Arc<str>);

/// Adds what the layers answer, embeds the exam-result schema, and renders the JSON.
pub fn document(api: utoipa::openapi::OpenApi) -> Document {
    let mut doc = serde_json::to_value(&api).unwrap_or_default();
    add_layer_responses(&mut doc);
    mark_headers_required(&mut doc);
    // Some codes add members (e.g. `errors`); say so rather than rely on the default.
    if let Some(problem) = doc.pointer_mut("/components/schemas/Problem") {
        problem["additionalProperties"] = Value::Bool(true);
    }
    embed_exam_result_schema(&mut doc);
    Document(Arc::from(doc.to_string()))
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn add_layer_responses(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let rate_limited = super::limits::is_rate_limited(path);
        for method in METHODS {
            let Some(operation) = item.get_mut(method) else {
                continue;
            };
            let secured = operation
                .get("security")
                .and_then(Value::as_array)
                .is_some_and(|s| !s.is_empty());
            let reads_json = operation
                .pointer("/requestBody/content")
                .and_then(Value::as_object)
                .is_some_and(|c| c.contains_key("application/json"));
            let Some(responses) = operation
                .get_mut("responses")
                .and_then(Value::as_object_mut)
            else {
                continue;
            };
            let mut add = |status: &str, name: &str| {
                responses
                    .entry(status)
                    .or_insert_with(|| json!({"$ref": format!("#/components/responses/{name}")}));
            };
            add("413", "PayloadTooLarge");
            add("500", "InternalError");
            add("503", "Unavailable");
            if rate_limited {
                add("429", "RateLimited");
            }
            if reads_json {
                add("415", "UnsupportedMediaType");
            }
            if secured {
                add("401", "Unauthenticated");
                add("403", "Forbidden");
            }
        }
    }
}

/// The shared problem responses always carry their headers (utoipa has no `required` flag).
fn mark_headers_required(doc: &mut Value) {
    let Some(responses) = doc
        .pointer_mut("/components/responses")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for response in responses.values_mut() {
        if let Some(headers) = response.get_mut("headers").and_then(Value::as_object_mut) {
            for header in headers.values_mut() {
                header["required"] = Value::Bool(true);
            }
        }
    }
}

fn embed_exam_result_schema(doc: &mut Value) {
    let Ok(Value::Object(mut schema)) = serde_json::from_str::<Value>(EXAM_RESULT_SCHEMA) else {
        return;
    };
    // `$id` would make the component its own resource; its public URL is `/schemas/...`.
    schema.remove("$schema");
    schema.remove("$id");
    if let Some(slot) = doc.pointer_mut("/components/schemas/ExamResult") {
        *slot = Value::Object(schema);
    }
}

/// `GET /openapi.json`.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "operations",
    summary = "This OpenAPI 3.1 document",
    responses((status = 200, description = "The OpenAPI document", body = Object))
)]
pub async fn openapi_json(Extension(doc): Extension<Document>) -> Response {
    let mut response = doc.0.to_string().into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    response
}
