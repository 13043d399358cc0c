//! Public, unauthenticated resources that verifier software and people rely on: the issuer's
//! DID document and JWK Set, the catalog, schemas, status lists and health.

use super::AppState;
use super::credentials::Representation;
use super::error::{ApiError, ApiResult};
use super::extract::Path;
use super::openapi::problems::NotFound;
use super::openapi::schemas as s;
use super::respond::typed;
use crate::problem::ProblemCode;
use crate::service::context::{CREDENTIAL_SCHEMA, EXAM_RESULT_SCHEMA};
use crate::service::{keys, status};
use crate::vc::contexts::{OB_V3, VC_V2};
use crate::vc::credential::{achievement_json, achievement_url};
use crate::vc::jwt;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

#[utoipa::path(
    get,
    path = "/.well-known/did.json",
    tag = "public",
    summary = "The issuer's DID document (did:web)",
    responses((status = 200, description = "Current and retired keys", body = s::DidDocument,
        content_type = "application/did+json"))
)]
pub async fn did_document(State(ctx): State<AppState>) -> ApiResult<Response> {
    let keys = keys::list(&ctx).await?;
    let doc = ctx.identity.did_document(&keys);
    Ok(typed(
        doc.to_string(),
        "application/did+json",
        "public, max-age=60",
    ))
}

#[utoipa::path(
    get,
    path = "/.well-known/jwks.json",
    tag = "public",
    summary = "The issuer's keys as a JWK Set",
    responses((status = 200, description = "Current and retired keys", body = s::JwkSet,
        content_type = "application/jwk-set+json"))
)]
pub async fn jwks(State(ctx): State<AppState>) -> ApiResult<Response> {
    let keys = keys::list(&ctx).await?;
    Ok(typed(
        ctx.identity.jwks(&keys).to_string(),
        "application/jwk-set+json",
        "public, max-age=60",
    ))
}

#[utoipa::path(
    get,
    path = "/catalog",
    tag = "public",
    summary = "The certification program",
    responses((status = 200, description = "Levels, tracks and achievements", body = s::Catalog))
)]
pub async fn catalog(State(ctx): State<AppState>) -> Json<s::Catalog> {
    let base = ctx.base_url();
    let c = &ctx.catalog;
    let codes = |list: &[&crate::domain::catalog::Achievement]| {
        list.iter().map(|a| a.code.to_string()).collect()
    };
    let achievements = c
        .achievements()
        .iter()
        .map(|a| s::AchievementInfo {
            code: a.code.to_string(),
            name: a.name.clone(),
            url: achievement_url(base, a.code.as_str()),
            track: a.track.id.clone(),
            level: a.level.id.clone(),
            prerequisites: a.prerequisites.iter().map(ToString::to_string).collect(),
            next: codes(&c.next_steps(&a.code)),
            valid_for: a.validity.to_string(),
            pass_mark: a.pass_mark,
            max_score: a.max_score,
            skills: a.skills.clone(),
        })
        .collect();
    Json(s::Catalog {
        program: s::ProgramInfo {
            name: c.program.name.clone(),
            framework: c.program.framework.clone(),
            issuer: ctx.config.issuer_name.clone(),
        },
        levels: c
            .levels
            .iter()
            .map(|l| s::LevelInfo {
                id: l.id.clone(),
                name: l.name.clone(),
                rank: l.rank,
                url: format!("{base}/catalog#level-{}", l.id),
            })
            .collect(),
        tracks: c
            .tracks
            .iter()
            .map(|t| s::TrackInfo {
                id: t.id.clone(),
                name: t.name.clone(),
                description: t.description.clone(),
            })
            .collect(),
        achievements,
    })
}

#[utoipa::path(
    get,
    path = "/achievements/{code}",
    tag = "public",
    summary = "One achievement (Open Badges 3.0), the target of credentials' achievement ids",
    params(("code" = String, Path, pattern = "^[a-z0-9-]{1,64}$",
        description = "Catalog code, e.g. mlops-foundation")),
    responses(
        (status = 200, description = "The achievement", body = s::Achievement),
        (status = 404, response = NotFound),
    )
)]
pub async fn achievement(
    State(ctx): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<Value>> {
    let a = ctx
        .catalog
        .find(&code)
        .ok_or_else(|| ApiError::not_found("achievement"))?;
    let mut doc = achievement_json(ctx.base_url(), &ctx.catalog.program, a);
    if let Some(map) = doc.as_object_mut() {
        map.shift_insert(0, "@context".into(), json!([VC_V2, OB_V3]));
        map.insert("validFor".into(), json!(a.validity.to_string()));
    }
    Ok(Json(doc))
}

#[utoipa::path(
    get,
    path = "/schemas/{name}",
    tag = "public",
    summary = "The JSON Schemas of the exam result (input) and of our credentials",
    params(("name" = inline(s::SchemaName), Path)),
    responses(
        (status = 200, description = "JSON Schema 2020-12", body = Object,
            content_type = "application/schema+json"),
        (status = 404, response = NotFound),
    )
)]
pub async fn schema(Path(name): Path<String>) -> ApiResult<Response> {
    let body = match name.as_str() {
        "exam-result.schema.json" => EXAM_RESULT_SCHEMA,
        "credential.schema.json" => CREDENTIAL_SCHEMA,
        _ => return Err(ApiError::not_found("schema")),
    };
    Ok(typed(
        body.to_owned(),
        "application/schema+json",
        "public, max-age=3600",
    ))
}

#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    summary = "Alive",
    responses((status = 200, description = "The process answers", body = s::Health))
)]
pub async fn healthz() -> Json<s::Health> {
    Json(s::Health { status: "ok" })
}

/// Ready means able to serve: the database accepts writes and the active key can sign. Any failure
/// is `503 not_ready` (so a load balancer takes the instance out of rotation); the cause is
/// logged, not sent.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    summary = "Ready to serve",
    responses((status = 200, description = "The database answers and the key signs",
        body = s::Health))
)]
pub async fn readyz(State(ctx): State<AppState>) -> ApiResult<Json<s::Health>> {
    // Writes, not only `SELECT 1`: a full disk leaves reads working (see store/health.rs).
    let checked = match ctx.store.writable().await {
        Ok(()) => keys::check_active_key(&ctx).await,
        Err(e) => Err(e.into()),
    };
    if let Err(e) = checked {
        tracing::warn!(code = %e.code, cause = %e.message, "not ready");
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ProblemCode::NotReady,
            "the database or the signing key is not usable; retry shortly",
        ));
    }
    Ok(Json(s::Health { status: "ready" }))
}

/// `GET /status/{list}`: cached bytes, `ETag`, `304` on `If-None-Match`, JWT on request.
#[utoipa::path(
    get,
    path = "/status/{list}",
    tag = "public",
    summary = "A status list credential (Bitstring Status List v1.0)",
    description = "`Accept: application/vc+jwt` for the JWT form; `If-None-Match` for a 304.",
    params(
        ("list" = String, Path, pattern = "^(revocation|suspension)-[1-9][0-9]{0,17}$"),
        ("If-None-Match" = Option<String>, Header, description = "An ETag from an earlier answer"),
    ),
    responses(
        (status = 200, description = "The current list", content(
            (s::VerifiableCredential = "application/vc+ld+json"),
            (String = "application/vc+jwt")),
            headers(("ETag" = String))),
        (status = 304, description = "Unchanged since the ETag given"),
        (status = 404, response = NotFound),
    )
)]
pub async fn status_list(
    State(ctx): State<AppState>,
    Path(list_id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let p = status::publication(&ctx, &list_id).await?;
    let wants_jwt = super::credentials::negotiate(&headers) == Representation::Jwt;
    let etag = if wants_jwt {
        format!("{}-jwt\"", p.etag.trim_end_matches('"'))
    } else {
        p.etag.clone()
    };
    let max_age = ctx.config.status_list_ttl_seconds;
    let cache = HeaderValue::from_str(&format!("public, max-age={max_age}"))
        .unwrap_or(HeaderValue::from_static("no-cache"));
    let etag_value = HeaderValue::from_str(&etag)
        .map_err(|_| ApiError::from(crate::service::ServiceError::internal("etag")))?;
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            // RFC 9110 §13.1.2: If-None-Match compares weakly (`W/` is ignored).
            v.split(',')
                .map(|t| t.trim().trim_start_matches("W/"))
                .any(|t| t == etag || t == "*")
        });
    let mut response = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else if wants_jwt {
        typed(p.jwt.clone(), jwt::MEDIA_TYPE, "no-cache")
    } else {
        typed(
            p.json.clone(),
            crate::vc::credential::MEDIA_TYPE,
            "no-cache",
        )
    };
    let h = response.headers_mut();
    h.insert(header::ETAG, etag_value);
    h.insert(header::CACHE_CONTROL, cache);
    h.insert(header::VARY, HeaderValue::from_static("Accept"));
    Ok(response)
}
