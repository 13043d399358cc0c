//! OpenID for Verifiable Credential Issuance 1.0 over HTTP (issue 18): the metadata documents
//! (§12.2.2, RFC 8414 §3), the offer API for the exam platform, the token endpoint (§6, a form
//! POST, RFC 6749 §4.1.3 encoding), the nonce endpoint (§7) and the credential endpoint (§8).
//! Protocol errors are OAuth JSON (`error`, `error_description`, RFC 6749 §5.2; OID4VCI §6.3,
//! §8.3.1.2) with `Cache-Control: no-store`; our own failures stay problem+json.

use super::AppState;
use super::auth::Caller;
use super::body::StrictJson;
use super::error::{ApiError, ApiResult};
use super::extract::Path;
use super::extract::parse_id;
use super::openapi::problems::{BadRequest, Conflict, NotFound};
use crate::problem::ProblemCode;
use crate::service::Role;
use crate::service::oid4vci::{self, Oid4vciError, metadata, offer, qr, token, wire};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::Serialize;
use serde_json::Value;
use time::format_description::well_known::Rfc3339;

/// Largest token or credential request read (a credential request is one proof JWT).
const MAX_REQUEST_BYTES: usize = 16 * 1024;

/// An OAuth 2.0 error response (RFC 6749 §5.2).
#[derive(Debug, Serialize, utoipa::ToSchema, utoipa::ToResponse)]
#[response(
    description = "OAuth 2.0 / OID4VCI error (RFC 6749 §5.2; OID4VCI §6.3, §8.3.1.2): \
    invalid_request, invalid_grant, unsupported_grant_type, invalid_token, invalid_proof, \
    invalid_nonce, invalid_credential_request, unknown_credential_configuration, \
    unsupported_credential_format, credential_request_denied"
)]
pub struct OAuthError {
    pub error: String,
    pub error_description: String,
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

impl IntoResponse for Oid4vciError {
    fn into_response(self) -> Response {
        match self {
            Oid4vciError::Protocol {
                status,
                error,
                description,
            } => {
                let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
                let mut response = no_store(
                    (
                        status,
                        Json(OAuthError {
                            error: error.to_owned(),
                            error_description: description,
                        }),
                    )
                        .into_response(),
                );
                if status == StatusCode::UNAUTHORIZED
                    && let Ok(v) = HeaderValue::from_str(&format!("Bearer error=\"{error}\""))
                {
                    response.headers_mut().insert(header::WWW_AUTHENTICATE, v);
                }
                response
            }
            Oid4vciError::Service(e) => ApiError::from(e).into_response(),
        }
    }
}

#[utoipa::path(get, path = "/.well-known/openid-credential-issuer", tag = "wallet",
    summary = "OID4VCI Credential Issuer Metadata (§12.2)",
    responses((status = 200, description = "One credential configuration per achievement and \
        format (`{achievement}.ldp_vc`, `{achievement}.jwt_vc_json`)", body = wire::IssuerMetadata)))]
pub async fn issuer_metadata(State(ctx): State<AppState>) -> Json<wire::IssuerMetadata> {
    Json(metadata::issuer_metadata(&ctx))
}

#[utoipa::path(get, path = "/.well-known/oauth-authorization-server", tag = "wallet",
    summary = "OAuth 2.0 Authorization Server Metadata (RFC 8414) for the pre-authorized code flow",
    responses((status = 200, description = "Token endpoint and grant",
        body = wire::AuthorizationServerMetadata)))]
pub async fn authorization_server_metadata(
    State(ctx): State<AppState>,
) -> Json<wire::AuthorizationServerMetadata> {
    Json(metadata::authorization_server_metadata(&ctx))
}

/// Body of `POST /api/v1/credentials/{id}/offer`.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferRequest {
    /// Also make a 6-digit PIN (`tx_code`) the wallet must enter: for offers sent by mail,
    /// with the PIN sent by another channel.
    #[serde(default)]
    tx_code: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OfferResponse {
    /// The Credential Offer (OID4VCI §4.1.1), as the link carries it.
    credential_offer: wire::CredentialOffer,
    /// `openid-credential-offer://?credential_offer=…`, for a wallet on the same device.
    offer_link: String,
    /// The link as a QR code: `data:image/png;base64,…`.
    qr_png: String,
    /// After this (RFC 3339) the pre-authorized code is refused. It can be redeemed once.
    expires_at: String,
    /// The PIN, returned only here and only when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    tx_code: Option<String>,
}

#[utoipa::path(post, path = "/credentials/{id}/offer", tag = "issuer",
    summary = "Make a one-time wallet offer (OID4VCI pre-authorized code) for a credential",
    params(("id" = uuid::Uuid, Path)),
    request_body(content = OfferRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "The offer, its link and QR code", body = OfferResponse),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = [])))]
pub async fn create_offer(
    State(ctx): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    StrictJson(body): StrictJson<{ 4 * 1024 }>,
) -> ApiResult<Response> {
    let actor = caller.require(Role::Issuer)?;
    let id = parse_id(&raw)?;
    let request: OfferRequest = serde_json::from_value(body).map_err(|e| {
        ApiError::bad_request(
            ProblemCode::InvalidRequest,
            format!("expected {{\"tx_code\": true|false}}: {e}"),
        )
    })?;
    let made = offer::create(&ctx, &id, offer::Origin::Api(actor), request.tx_code).await?;
    let png = qr::png(&made.link)?;
    let body = OfferResponse {
        credential_offer: made.offer,
        qr_png: format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(png)
        ),
        offer_link: made.link,
        expires_at: made.expires_at.format(&Rfc3339).unwrap_or_default(),
        tx_code: made.tx_code,
    };
    Ok(no_store((StatusCode::CREATED, Json(body)).into_response()))
}

/// The share page's wallet offer: its link and its QR code as inline SVG, both empty when the
/// page shows none (see [`offer::share_page_offer`]).
pub async fn share_page_wallet(
    ctx: &AppState,
    id: &crate::domain::ids::CredentialId,
) -> ApiResult<(String, String)> {
    Ok(match offer::share_page_offer(ctx, id).await? {
        Some(made) => {
            let svg = qr::svg(&made.link, 288)?;
            (made.link, svg)
        }
        None => (String::new(), String::new()),
    })
}

/// §6.2 success.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    access_token: String,
    /// Always `Bearer`.
    token_type: String,
    expires_in: i64,
}

/// The form of a token request (§6.1).
/// (Documentation only: the handler reads the form itself, to answer in OAuth errors.)
#[derive(Debug, utoipa::ToSchema)]
pub struct TokenForm {
    /// `urn:ietf:params:oauth:grant-type:pre-authorized_code`
    pub grant_type: String,
    #[schema(rename = "pre-authorized_code")]
    pub pre_authorized_code: String,
    /// The PIN, when the offer has one.
    pub tx_code: Option<String>,
}

#[utoipa::path(post, path = "/oid4vci/token", tag = "wallet",
    summary = "Token endpoint: redeem a pre-authorized code (OID4VCI §6)",
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "An access token for the credential endpoint", body = TokenResponse),
        (status = 400, response = OAuthError),
    ))]
pub async fn token_endpoint(State(ctx): State<AppState>, body: Bytes) -> Response {
    if body.len() > MAX_REQUEST_BYTES {
        return Oid4vciError::invalid_request("the request is too large").into_response();
    }
    let mut request = token::TokenRequest::default();
    for (k, v) in url::form_urlencoded::parse(&body) {
        let slot = match k.as_ref() {
            "grant_type" => &mut request.grant_type,
            "pre-authorized_code" => &mut request.pre_authorized_code,
            "tx_code" => &mut request.tx_code,
            _ => continue,
        };
        if slot.replace(v.into_owned()).is_some() {
            // RFC 6749 §3.2: parameters must not be included more than once.
            return Oid4vciError::invalid_request(format!("`{k}` is repeated")).into_response();
        }
    }
    match token::redeem(&ctx, &request).await {
        Ok(t) => no_store(
            Json(TokenResponse {
                access_token: t.access_token,
                token_type: "Bearer".into(),
                expires_in: t.expires_in,
            })
            .into_response(),
        ),
        Err(e) => e.into_response(),
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NonceResponse {
    c_nonce: String,
}

#[utoipa::path(post, path = "/oid4vci/nonce", tag = "wallet",
    summary = "Nonce endpoint: a fresh c_nonce for one key proof (OID4VCI §7)",
    responses((status = 200, description = "A c_nonce, usable once within minutes", body = NonceResponse)))]
pub async fn nonce_endpoint(State(ctx): State<AppState>) -> ApiResult<Response> {
    let (c_nonce, _) = token::nonce(&ctx).await?;
    Ok(no_store(Json(NonceResponse { c_nonce }).into_response()))
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
        .filter(|t| !t.is_empty())
}

#[utoipa::path(post, path = "/oid4vci/credential", tag = "wallet",
    summary = "Credential endpoint: a wallet copy bound to the holder's key (OID4VCI §8)",
    params(("Authorization" = String, Header, description = "`Bearer` + the token endpoint's access token")),
    request_body(content = Object, content_type = "application/json", description =
        "`{\"credential_configuration_id\": \"…\", \"proofs\": {\"jwt\": [\"…\"]}}`"),
    responses(
        (status = 200, description = "An ldp_vc JSON credential or a jwt_vc_json compact JWT",
            body = wire::CredentialResponse),
        (status = 400, response = OAuthError),
        (status = 401, response = OAuthError),
    ))]
pub async fn credential_endpoint(
    State(ctx): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(access_token) = bearer(&headers) else {
        return Oid4vciError::invalid_token("a Bearer access token is required").into_response();
    };
    if body.len() > MAX_REQUEST_BYTES {
        return Oid4vciError::invalid_credential_request("the request is too large")
            .into_response();
    }
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return Oid4vciError::invalid_credential_request("the body is not JSON").into_response();
    };
    match oid4vci::credential::issue(&ctx, access_token, &request).await {
        Ok(answer) => no_store(Json(answer).into_response()),
        Err(e) => e.into_response(),
    }
}
