//! Badge images (Open Badges 3.0 §B.1.15 `Image`, §5.3 "Baked Badge"): the achievement's badge
//! at the URL its `image.id` names, and a credential baked into its badge at
//! `/credentials/{id}.png` and `.svg` (answered by the `/credentials/{id}` route). Both carry an
//! `ETag` and answer `If-None-Match` with 304, so displays that poll an image fetch it once.

use super::AppState;
use super::error::ApiResult;
use super::extract::Path;
use super::extract::parse_id;
use super::openapi::problems::{BadRequest, NotFound};
use crate::service::badge::{self, Format, Image};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Achievement badges change only with the catalog (a restart): a day, revalidated by ETag.
const ACHIEVEMENT_CACHE: &str = "public, max-age=86400";
/// A baked badge carries the credential, as fetched at `/credentials/{id}`.
const CREDENTIAL_CACHE: &str = "public, max-age=300";

fn answer(image: Image, format: Format, cache: &'static str, request: &HeaderMap) -> Response {
    let matches = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .map(|t| t.trim().trim_start_matches("W/"))
                .any(|t| t == image.etag || t == "*")
        });
    let mut response = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        super::respond::typed(image.bytes.to_vec(), format.media_type(), cache)
    };
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(tag) = HeaderValue::from_str(&image.etag) {
        h.insert(header::ETAG, tag);
    }
    response
}

async fn achievement(
    ctx: &AppState,
    code: &str,
    format: Format,
    headers: &HeaderMap,
) -> ApiResult<Response> {
    let image = badge::achievement_image(ctx, code, format).await?;
    Ok(answer(image, format, ACHIEVEMENT_CACHE, headers))
}

#[utoipa::path(
    get,
    path = "/achievements/{code}/badge.svg",
    tag = "public",
    summary = "The achievement's badge image (SVG), its Open Badges `image`",
    params(("code" = String, Path, pattern = "^[a-z0-9-]{1,64}$",
        description = "Catalog code, e.g. mlops-foundation")),
    responses(
        (status = 200, description = "The badge", body = String, content_type = "image/svg+xml",
            headers(("ETag" = String))),
        (status = 304, description = "Unchanged since the ETag given in `If-None-Match`"),
        (status = 404, response = NotFound),
    )
)]
pub async fn achievement_svg(
    axum::extract::State(ctx): axum::extract::State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    achievement(&ctx, &code, Format::Svg, &headers).await
}

#[utoipa::path(
    get,
    path = "/achievements/{code}/badge.png",
    tag = "public",
    summary = "The achievement's badge image rendered as PNG",
    params(("code" = String, Path, pattern = "^[a-z0-9-]{1,64}$",
        description = "Catalog code, e.g. mlops-foundation")),
    responses(
        (status = 200, description = "The badge, 512×512", content(("image/png")),
            headers(("ETag" = String))),
        (status = 304, description = "Unchanged since the ETag given in `If-None-Match`"),
        (status = 404, response = NotFound),
    )
)]
pub async fn achievement_png(
    axum::extract::State(ctx): axum::extract::State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    achievement(&ctx, &code, Format::Png, &headers).await
}

/// `GET /credentials/{id}.png` and `.svg` (routed by `credentials::get`).
pub async fn baked(
    ctx: &AppState,
    id_text: &str,
    format: Format,
    headers: &HeaderMap,
) -> ApiResult<Response> {
    let id = parse_id(id_text)?;
    let image = badge::baked(ctx, &id, format).await?;
    let mut response = answer(image, format, CREDENTIAL_CACHE, headers);
    if let Ok(v) = HeaderValue::from_str(&format!(
        "inline; filename=\"badge-{}.{}\"",
        id.human_code(),
        format.extension()
    )) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// `GET /credentials/{id}.png` (served by `credentials::get`; documented on its own).
#[utoipa::path(
    get,
    path = "/credentials/{id}.png",
    tag = "public",
    summary = "The credential baked into its badge (PNG, Open Badges 3.0 §5.3.1)",
    description = "The achievement's badge with the credential (JSON with its embedded proof) \
                   in an `iTXt` chunk with keyword `openbadgecredential`.",
    params(("id" = uuid::Uuid, Path)),
    responses(
        (status = 200, description = "The baked badge", content(("image/png")),
            headers(("ETag" = String))),
        (status = 304, description = "Unchanged since the ETag given in `If-None-Match`"),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
    )
)]
#[allow(dead_code)]
pub(super) fn baked_png() {}

/// `GET /credentials/{id}.svg` (served by `credentials::get`; documented on its own).
#[utoipa::path(
    get,
    path = "/credentials/{id}.svg",
    tag = "public",
    summary = "The credential baked into its badge (SVG, Open Badges 3.0 §5.3.2)",
    description = "The achievement's badge with the credential (JSON with its embedded proof) \
                   in CDATA inside `<openbadges:credential>` \
                   (`xmlns:openbadges=\"https://purl.imsglobal.org/ob/v3p0\"`).",
    params(("id" = uuid::Uuid, Path)),
    responses(
        (status = 200, description = "The baked badge", body = String,
            content_type = "image/svg+xml", headers(("ETag" = String))),
        (status = 304, description = "Unchanged since the ETag given in `If-None-Match`"),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
    )
)]
#[allow(dead_code)]
pub(super) fn baked_svg() {}
