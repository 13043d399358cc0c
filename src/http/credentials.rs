//! Credentials: public fetch with content negotiation (VC 2.0 §6.3 media types), the VC API
//! issue endpoint, and the admin listing and status actions.

use super::AppState;
use super::auth::Caller;
use super::body::StrictJson;
use super::error::{ApiError, ApiResult};
use super::extract::Query;
use super::extract::{Path, parse_id};
use super::openapi::problems::{BadRequest, Conflict, NotFound};
use super::openapi::schemas as s;
use crate::domain::status::StatusAction;
use crate::problem::ProblemCode;
use crate::service::badge::Format;
use crate::service::{Role, listing, status, vc_api};
use crate::vc::{credential, jwt};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Representation {
    Json(&'static str),
    Jwt,
    Html,
}

/// Picks the first acceptable type in the client's order of preference.
pub(super) fn negotiate(headers: &HeaderMap) -> Representation {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut ranked: Vec<(f32, usize, &str)> = accept
        .split(',')
        .enumerate()
        .map(|(i, part)| {
            let mut pieces = part.split(';');
            let media = pieces.next().unwrap_or("").trim();
            let q = pieces
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            (q, i, media)
        })
        .filter(|(q, _, _)| *q > 0.0)
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, _, media) in ranked {
        match media {
            jwt::MEDIA_TYPE => return Representation::Jwt,
            credential::MEDIA_TYPE | "application/ld+json" => {
                return Representation::Json(credential::MEDIA_TYPE);
            }
            "application/json" => return Representation::Json("application/json"),
            "text/html" => return Representation::Html,
            "*/*" | "application/*" => return Representation::Json(credential::MEDIA_TYPE),
            _ => {}
        }
    }
    Representation::Json(credential::MEDIA_TYPE)
}

/// A credential as issued: varies with `Accept` (the same URL serves JSON or JWT).
fn with_type(body: String, content_type: &'static str) -> Response {
    let mut response = super::respond::typed(body, content_type, "public, max-age=300");
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept"));
    response
}

/// `GET /credentials/{id}` (negotiated), `{id}.jwt`, `{id}.json`; `{id}.pdf` is the certificate.
#[utoipa::path(
    get,
    path = "/credentials/{id}",
    tag = "public",
    summary = "A credential, negotiated by Accept",
    description = "`application/vc+ld+json` (default) or `application/json`: the credential with \
                   its embedded proof; `application/vc+jwt`: the VC-JOSE-COSE form; `text/html`: \
                   a redirect to the share page.",
    params(("id" = uuid::Uuid, Path, description = "The credential id")),
    responses(
        (status = 200, description = "The credential", content(
            (s::VerifiableCredential = "application/vc+ld+json"),
            (s::VerifiableCredential = "application/json"),
            (String = "application/vc+jwt"))),
        (status = 303, description = "`Accept: text/html`: see the share page",
            headers(("Location" = String))),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
    )
)]
pub async fn get(
    State(ctx): State<AppState>,
    Path(raw): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (id_text, forced) = match raw.rsplit_once('.') {
        Some((id, "jwt")) => (id, Some(Representation::Jwt)),
        Some((id, "json")) => (id, Some(Representation::Json(credential::MEDIA_TYPE))),
        Some((id, "pdf")) => return super::pdf::certificate(&ctx, parse_id(id)?).await,
        Some((id, "png")) => return super::badges::baked(&ctx, id, Format::Png, &headers).await,
        Some((id, "svg")) => return super::badges::baked(&ctx, id, Format::Svg, &headers).await,
        _ => (raw.as_str(), None),
    };
    let id = parse_id(id_text)?;
    let row = listing::get(&ctx, &id).await?;
    Ok(match forced.unwrap_or_else(|| negotiate(&headers)) {
        Representation::Jwt => with_type(row.jwt, jwt::MEDIA_TYPE),
        Representation::Json(media) => with_type(row.json, media),
        Representation::Html => Redirect::to(&format!("/c/{id}")).into_response(),
    })
}

/// `GET /credentials/{id}.json` (served by [`get`]; documented on its own).
#[utoipa::path(
    get,
    path = "/credentials/{id}.json",
    tag = "public",
    summary = "A credential with its embedded proof",
    params(("id" = uuid::Uuid, Path)),
    responses(
        (status = 200, description = "The credential", body = s::VerifiableCredential,
            content_type = "application/vc+ld+json"),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
    )
)]
#[allow(dead_code)]
pub(super) fn get_json() {}

/// `GET /credentials/{id}.jwt` (served by [`get`]; documented on its own).
#[utoipa::path(
    get,
    path = "/credentials/{id}.jwt",
    tag = "public",
    summary = "A credential as a compact vc+jwt",
    params(("id" = uuid::Uuid, Path)),
    responses(
        (status = 200, description = "The VC-JOSE-COSE JWT", body = String,
            content_type = "application/vc+jwt"),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
    )
)]
#[allow(dead_code)]
pub(super) fn get_jwt() {}

/// `POST /credentials/issue` (VC API "Issue Credential", role `issuer`).
#[utoipa::path(
    post,
    path = "/credentials/issue",
    tag = "issuer",
    summary = "Sign a caller-supplied credential (VC API)",
    request_body(content = s::IssueRequest, content_type = "application/json",
        example = json!({"credential": {
            "@context": ["https://www.w3.org/ns/credentials/v2",
                         "https://www.w3.org/ns/credentials/undefined-terms/v2"],
            "type": ["VerifiableCredential"],
            "credentialSubject": {"id": "did:example:holder", "name": "Zoë Ångström"},
            "validFrom": "2026-01-01T00:00:00Z"},
            "options": {"cryptosuite": "eddsa-rdfc-2022"}})),
    responses(
        (status = 201, description = "Signed and stored", body = s::Issued,
            headers(("Location" = String, description = "Where the credential is kept: the \
                URL to fetch, share and revoke it by (its `id` when the caller gave none)"))),
        (status = 400, response = BadRequest),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []))
)]
pub async fn issue(
    State(ctx): State<AppState>,
    caller: Caller,
    StrictJson(body): StrictJson<{ 256 * 1024 }>,
) -> ApiResult<Response> {
    let actor = caller.require(Role::Issuer)?;
    let issued = vc_api::issue(&ctx, actor, &body).await?;
    let location = credential::credential_url(ctx.base_url(), &issued.id);
    let verifiable_credential = serde_json::value::RawValue::from_string(issued.json)
        .map_err(|e| ApiError::from(crate::service::ServiceError::internal(e.to_string())))?;
    let mut response = (
        StatusCode::CREATED,
        Json(s::Issued {
            verifiable_credential,
        }),
    )
        .into_response();
    if let Ok(location) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    candidate_id: Option<String>,
    achievement: Option<String>,
    #[param(value_type = Option<s::CredentialState>)]
    state: Option<String>,
    /// Only credentials issued strictly before this time (Unix seconds).
    before: Option<i64>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    #[param(minimum = 1, maximum = 500, default = 50)]
    limit: Option<i64>,
}

/// `GET /api/v1/credentials` (admin): newest first, filtered.
#[utoipa::path(
    get,
    path = "/credentials",
    tag = "admin",
    summary = "List issued credentials",
    params(ListParams),
    responses(
        (status = 200, description = "A page of credentials", body = s::CredentialPage),
        (status = 400, response = BadRequest),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    State(ctx): State<AppState>,
    caller: Caller,
    // Taken as a Result so that a wrong role is 403 before a bad query is 400.
    params: Result<Query<ListParams>, ApiError>,
) -> ApiResult<Json<s::CredentialPage>> {
    caller.require(Role::Admin)?;
    let Query(p) = params?;
    let limit = p.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::bad_request(
            ProblemCode::InvalidQuery,
            "`limit` must be 1 to 500",
        ));
    }
    let state = p
        .state
        .as_deref()
        .map(|s| {
            crate::domain::status::CredentialState::parse(s).ok_or_else(|| {
                ApiError::bad_request(
                    ProblemCode::InvalidQuery,
                    "`state` must be active, suspended or revoked",
                )
            })
        })
        .transpose()?;
    let cursor = p
        .cursor
        .as_deref()
        .map(listing::Cursor::parse)
        .transpose()?;
    let filter = listing::Filter {
        candidate_id: p.candidate_id,
        achievement: p.achievement,
        state,
        before: p.before,
    };
    let page = listing::page(&ctx, filter, cursor.as_ref(), limit).await?;
    let items = page
        .rows
        .iter()
        .map(|r| s::CredentialSummary {
            credential_id: r.credential_id.to_string(),
            url: credential::credential_url(ctx.base_url(), &r.credential_id),
            attempt_id: r.attempt_id.as_ref().map(|a| a.as_str().to_owned()),
            candidate_id: r.candidate_id.as_ref().map(|c| c.as_str().to_owned()),
            achievement: r.achievement.as_ref().map(|a| a.as_str().to_owned()),
            holder_name: r.holder_name.clone(),
            issued_at: r.issued_at,
            valid_until: r.valid_until,
            state: r.state,
            state_reason: r.state_reason.clone(),
            state_changed_at: r.state_changed_at,
        })
        .collect();
    Ok(Json(s::CredentialPage {
        items,
        next_cursor: page.next.map(|c| c.to_string()),
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionBody {
    /// Recorded in the audit trail (and shown for revocations).
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    reason: String,
    /// Also revoke the credentials whose lineage depends on this one.
    #[serde(default)]
    cascade: bool,
}

async fn act(
    ctx: AppState,
    caller: Caller,
    raw_id: String,
    body: Value,
    action: StatusAction,
) -> ApiResult<Json<Value>> {
    let actor = caller.require(Role::Admin)?;
    let id = parse_id(&raw_id)?;
    let body: ActionBody = serde_json::from_value(body).map_err(|e| {
        ApiError::bad_request(
            ProblemCode::InvalidRequest,
            format!("expected {{\"reason\": \"…\"}}: {e}"),
        )
    })?;
    let outcome = status::change(&ctx, actor, &id, action, &body.reason, body.cascade).await?;
    Ok(Json(serde_json::to_value(outcome).unwrap_or_default()))
}

#[utoipa::path(
    post,
    path = "/credentials/{id}/revoke",
    tag = "admin",
    summary = "Revoke a credential",
    params(("id" = uuid::Uuid, Path)),
    request_body(content = ActionBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Revoked (final), or already so (`changed: false`)",
            body = s::StatusChange),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []))
)]
pub async fn revoke(
    State(ctx): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    StrictJson(body): StrictJson<{ 16 * 1024 }>,
) -> ApiResult<Json<Value>> {
    act(ctx, caller, id, body, StatusAction::Revoke).await
}

#[utoipa::path(
    post,
    path = "/credentials/{id}/suspend",
    tag = "admin",
    summary = "Suspend a credential",
    params(("id" = uuid::Uuid, Path)),
    request_body(content = ActionBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Suspended, or already so (`changed: false`)",
            body = s::StatusChange),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []))
)]
pub async fn suspend(
    State(ctx): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    StrictJson(body): StrictJson<{ 16 * 1024 }>,
) -> ApiResult<Json<Value>> {
    act(ctx, caller, id, body, StatusAction::Suspend).await
}

#[utoipa::path(
    post,
    path = "/credentials/{id}/reinstate",
    tag = "admin",
    summary = "Lift a suspension",
    params(("id" = uuid::Uuid, Path)),
    request_body(content = ActionBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Reinstated (from suspension), or already so (`changed: false`)",
            body = s::StatusChange),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []))
)]
pub async fn reinstate(
    State(ctx): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    StrictJson(body): StrictJson<{ 16 * 1024 }>,
) -> ApiResult<Json<Value>> {
    act(ctx, caller, id, body, StatusAction::Reinstate).await
}
