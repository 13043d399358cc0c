//! Badge images (issue 20, Open Badges 3.0 §B.1.15 `Image` and §5.3 "Baked Badge"): each
//! catalog achievement's SVG and PNG, and a credential baked into either. The PNG rendering is
//! CPU work on the bounded pool ([`super::cpu`]) and is kept by the SVG's digest, so each
//! distinct badge is rendered once per process; baking is a copy with one chunk added.

use super::{Context, ServiceError, ServiceResult, listing};
use crate::badge;
use crate::cache::Bounded;
use crate::domain::catalog::Achievement;
use crate::domain::ids::CredentialId;
use crate::vc::baking::{self, Payload};
use sha2::{Digest, Sha256};
use std::sync::{Arc, LazyLock};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Svg,
    Png,
}

impl Format {
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Svg => "image/svg+xml",
            Format::Png => "image/png",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Svg => "svg",
            Format::Png => "png",
        }
    }
}

/// An image and its strong validator (RFC 9110 §8.8.3), a digest of the bytes served.
#[derive(Debug, Clone)]
pub struct Image {
    pub bytes: Arc<Vec<u8>>,
    pub etag: String,
}

impl Image {
    fn of(bytes: Vec<u8>) -> Self {
        let digest = Sha256::digest(&bytes);
        let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        Self {
            bytes: Arc::new(bytes),
            etag: format!("\"{hex}\""),
        }
    }
}

/// PNG renderings by the SHA-256 of their SVG: a catalog has a handful of badges.
static PNGS: LazyLock<Bounded<[u8; 32], Arc<Vec<u8>>>> = LazyLock::new(|| Bounded::new(256));

fn achievement_of<'a>(ctx: &'a Context, code: &str) -> ServiceResult<&'a Achievement> {
    ctx.catalog
        .find(code)
        .ok_or_else(|| ServiceError::not_found("achievement"))
}

async fn png_of(ctx: &Context, svg: String) -> ServiceResult<Arc<Vec<u8>>> {
    let key: [u8; 32] = Sha256::digest(svg.as_bytes()).into();
    if let Some(png) = PNGS.get(&key) {
        return Ok(png);
    }
    let png = ctx
        .cpu
        .run(move || badge::svg_to_png(&svg))
        .await?
        .map_err(|e| ServiceError::internal(e.to_string()))?;
    let png = Arc::new(png);
    PNGS.put(key, png.clone());
    Ok(png)
}

/// The badge image of the achievement `code`, as served at `/achievements/{code}/badge.{svg,png}`.
pub async fn achievement_image(ctx: &Context, code: &str, format: Format) -> ServiceResult<Image> {
    let a = achievement_of(ctx, code)?;
    let svg = badge::badge_svg(&ctx.catalog.program, a);
    Ok(match format {
        Format::Svg => Image::of(svg.into_bytes()),
        Format::Png => Image::of(png_of(ctx, svg).await?.to_vec()),
    })
}

/// The credential `id` baked into its achievement's badge: the JSON with its embedded proof,
/// exactly as issued (OB 3.0 §5.3.1.1: "the JSON representation of the OpenBadgeCredential").
/// Credentials of no catalog achievement (VC API issues) have no badge.
pub async fn baked(ctx: &Context, id: &CredentialId, format: Format) -> ServiceResult<Image> {
    let row = listing::get(ctx, id).await?;
    let code = row
        .achievement
        .as_ref()
        .map(|c| c.as_str())
        .ok_or_else(|| ServiceError::not_found("badge"))?;
    let a = achievement_of(ctx, code).map_err(|_| ServiceError::not_found("badge"))?;
    let svg = badge::badge_svg(&ctx.catalog.program, a);
    let payload = Payload::Json(row.json);
    let bytes = match format {
        Format::Svg => baking::bake_svg(&svg, &payload)
            .map_err(|e| ServiceError::internal(e.to_string()))?
            .into_bytes(),
        Format::Png => baking::bake_png(&png_of(ctx, svg).await?, &payload)
            .map_err(|e| ServiceError::internal(e.to_string()))?,
    };
    Ok(Image::of(bytes))
}
