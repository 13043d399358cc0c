//! The share page `/c/{id}`: the graduate's permanent link, with the certificate's facts, its
//! downloads (PDF, JSON, vc+jwt, baked badges), the wallet offer (OID4VCI) and, for an
//! expired credential, the program's recertification path.

use super::AppState;
use super::error::{ApiError, ApiResult};
use super::extract::Path;
use super::extract::parse_id;
use super::openapi::problems::{BadRequest, NotFound};
use super::pages::html;
use crate::domain::status::CredentialState;
use crate::render::format_date;
use crate::service::ErrorClass;
use crate::service::share::{self, Facts};
use crate::vc::credential as urls;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

pub struct ShareView {
    pub holder: String,
    pub achievement: String,
    pub track: String,
    pub level: String,
    pub score: String,
    pub issued: String,
    pub expires: String,
    pub notice: String,
    pub credential_url: String,
    pub code: String,
    pub share_url: String,
    pub pdf_url: String,
    pub json_url: String,
    pub jwt_url: String,
    /// The credential baked into its badge (Open Badges 3.0 §5.3); empty when it has none.
    pub badge_png_url: String,
    pub badge_svg_url: String,
    pub verify_url: String,
    pub linkedin_url: String,
    /// OID4VCI offer link and its QR code (inline SVG), empty when no wallet offer is shown.
    pub wallet_link: String,
    pub wallet_qr: String,
    pub path: Vec<String>,
    pub next: Vec<String>,
    pub renewal: Vec<crate::service::share::RenewalLink>,
    pub recertify: String,
}

#[derive(Template)]
#[template(path = "share.html")]
struct SharePage<'a> {
    issuer_name: &'a str,
    s: ShareView,
}

/// LinkedIn's add-to-profile link for a certification, every parameter URL-encoded.
pub fn linkedin_url(f: &Facts, organization: &str, cert_url: &str, cert_id: &str) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("startTask", "CERTIFICATION_NAME")
        .append_pair("name", &f.achievement_name)
        .append_pair("organizationName", organization)
        .append_pair("issueYear", &f.issued_on.year().to_string())
        .append_pair("issueMonth", &u8::from(f.issued_on.month()).to_string());
    if let Some(e) = f.expires_on {
        q.append_pair("expirationYear", &e.year().to_string())
            .append_pair("expirationMonth", &u8::from(e.month()).to_string());
    }
    q.append_pair("certUrl", cert_url)
        .append_pair("certId", cert_id);
    format!("https://www.linkedin.com/profile/add?{}", q.finish())
}

/// `GET /c/{id}`: the graduate's permanent share link.
#[utoipa::path(get, path = "/c/{id}", tag = "pages", summary = "Graduate's share page",
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, description = "The credential for people", body = String,
        content_type = "text/html"),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),))]
pub async fn share_page(
    State(ctx): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<Response> {
    let id = parse_id(&raw)?;
    let f = share::facts(&ctx, &id).await.map_err(|e| match e.class {
        ErrorClass::NotFound => ApiError::not_found("credential"),
        _ => e.into(),
    })?;
    let (wallet_link, wallet_qr) = super::oid4vci::share_page_wallet(&ctx, &id).await?;
    let base = ctx.base_url();
    let verify_url = urls::verify_page_url(base, &id);
    let has_badge = f
        .row
        .achievement
        .as_ref()
        .is_some_and(|code| ctx.catalog.find(code.as_str()).is_some());
    let badge_url = |ext: &str| match has_badge {
        true => urls::credential_file_url(base, &id, ext),
        false => String::new(),
    };
    let notice = match f.row.state {
        CredentialState::Revoked => format!(
            "This credential was revoked{}. It is no longer valid.",
            f.row
                .state_reason
                .as_deref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default()
        ),
        CredentialState::Suspended => {
            "This credential is suspended at present. Employers checking it will see that."
                .to_owned()
        }
        CredentialState::Active => String::new(),
    };
    let s = ShareView {
        holder: f.holder.clone(),
        achievement: f.achievement_name.clone(),
        track: f.track.clone(),
        level: f.level.clone(),
        score: f
            .score
            .map(|(s, m)| format!("{s} / {m}"))
            .unwrap_or_default(),
        issued: format_date(f.issued_on),
        expires: f.expires_on.map(format_date).unwrap_or_else(|| "—".into()),
        notice,
        credential_url: urls::credential_url(base, &id),
        code: id.human_code(),
        share_url: urls::share_page_url(base, &id),
        pdf_url: urls::credential_file_url(base, &id, "pdf"),
        json_url: urls::credential_file_url(base, &id, "json"),
        jwt_url: urls::credential_file_url(base, &id, "jwt"),
        badge_png_url: badge_url("png"),
        badge_svg_url: badge_url("svg"),
        linkedin_url: linkedin_url(&f, &ctx.config.issuer_name, &verify_url, &id.to_string()),
        wallet_link,
        wallet_qr,
        verify_url,
        path: f
            .path
            .iter()
            .map(|(name, state, on)| {
                if *state == CredentialState::Active {
                    format!("{name}, {}", format_date(*on))
                } else {
                    format!("{name}, {} ({})", format_date(*on), state.as_str())
                }
            })
            .collect(),
        next: f.next.clone(),
        renewal: share::renewal_links(&ctx, &id, "c").await?,
        recertify: String::new(),
    };
    let renewed = s.renewal.iter().any(|r| r.label.starts_with("Renewed"));
    let s = ShareView {
        recertify: share::recertification_path(&ctx, &f, renewed),
        ..s
    };
    html(
        StatusCode::OK,
        &SharePage {
            issuer_name: &ctx.config.issuer_name,
            s,
        },
    )
}
