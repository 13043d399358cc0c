//! The printable certificate of a credential: facts from [`super::share`], a QR code to the
//! employer's verification page, and the signed credential (JSON and JWT) attached so the PDF
//! alone carries the proof. Rendering is CPU work and runs on the context's render threads
//! (`ctx.pdf_threads`, see `service::threads` for why not the blocking pool), and only under a
//! permit of the context's one gate (`ctx.pdf_renders`, sized by `pdf_max_concurrent` and
//! `pdf_max_queued`, see `service::capacity`), so a burst cannot starve the rest of the server.

use super::capacity::RenderPermit;
use super::error::ErrorClass;
use super::threads::WorkThreads;
use super::{Context, ServiceError, ServiceResult, share};
use crate::domain::ids::CredentialId;
use crate::problem::ProblemCode;
use crate::render::{Attachment, CertificateView, Fonts, LineageLink, render_certificate};
use crate::vc::credential as urls;
use std::sync::LazyLock;
use time::OffsetDateTime;

/// Parsed once; every render shares them.
static FONTS: LazyLock<Result<Fonts, String>> =
    LazyLock::new(|| Fonts::load().map_err(|e| e.to_string()));

pub async fn view(ctx: &Context, id: &CredentialId) -> ServiceResult<CertificateView> {
    let f = share::facts(ctx, id).await?;
    let base = ctx.base_url();
    let (json, jwt) = (f.row.json.clone(), f.row.jwt.clone());
    Ok(CertificateView {
        issuer_name: ctx.config.issuer_name.clone(),
        program_name: ctx.catalog.program.name.clone(),
        holder_name: f.holder.clone(),
        achievement_name: f.achievement_name.clone(),
        track: f.track.clone(),
        level: f.level.clone(),
        score: f.score,
        issued_on: f.issued_on,
        expires_on: f.expires_on.unwrap_or(f.issued_on),
        lineage: f
            .builds_on
            .iter()
            .map(|(name, on)| LineageLink {
                achievement_name: name.clone(),
                issued_on: *on,
            })
            .collect(),
        credential_id: urls::credential_url(base, id),
        verification_code: id.human_code(),
        verify_url: urls::verify_page_url(base, id),
        attachments: vec![
            Attachment {
                file_name: "credential.json".into(),
                mime: "application/vc+ld+json".into(),
                description: "The signed credential (W3C VC 2.0, Data Integrity proof)".into(),
                bytes: json.into_bytes(),
            },
            Attachment {
                file_name: "credential.jwt".into(),
                mime: "application/vc+jwt".into(),
                description: "The same credential secured as a vc+jwt".into(),
                bytes: jwt.into_bytes(),
            },
        ],
        created_at: OffsetDateTime::from_unix_timestamp(f.row.issued_at)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH),
    })
}

/// Renders under a permit of the context's gate, refused `busy` when its queue is full.
pub async fn render(ctx: &Context, id: &CredentialId) -> ServiceResult<Vec<u8>> {
    let busy = |_| {
        ServiceError::new(
            ErrorClass::Unavailable,
            ProblemCode::Busy,
            "too many certificates are being rendered; retry shortly",
        )
    };
    let permit = ctx
        .pdf_renders
        .admit()
        .map_err(busy)?
        .wait()
        .await
        .map_err(busy)?;
    render_admitted(ctx, id, permit).await
}

/// Renders for a caller that already holds a permit of `ctx.pdf_renders` (the HTTP handler,
/// which answers a full queue itself).
pub async fn render_admitted(
    ctx: &Context,
    id: &CredentialId,
    permit: RenderPermit,
) -> ServiceResult<Vec<u8>> {
    let view = view(ctx, id).await?;
    render_view(&ctx.pdf_threads, view, permit).await
}

/// The permit is held until the page is done, so the gate counts the render, not the wait;
/// the gate lets no more pages start than there are render threads.
pub async fn render_view(
    threads: &WorkThreads,
    view: CertificateView,
    permit: RenderPermit,
) -> ServiceResult<Vec<u8>> {
    threads
        .run(move || {
            let _permit = permit;
            let fonts = FONTS
                .as_ref()
                .map_err(|e| ServiceError::internal(format!("fonts: {e}")))?;
            render_certificate(&view, fonts).map_err(|e| ServiceError::internal(e.to_string()))
        })
        .await
        .map_err(|e| ServiceError::internal(format!("rendering a certificate: {e}")))?
}
