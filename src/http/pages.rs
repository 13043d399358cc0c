//! Server-rendered pages for people: the employer's verification page behind the QR code
//! (`/v/{id}`), the paste-or-upload verifier (`/verify`) and the graduate's share page
//! (`/c/{id}`). No JavaScript and no external resources, so they work on an isolated network.

use super::AppState;
use super::error::{ApiError, ApiResult};
use super::extract::Path;
use super::extract::parse_id;
use super::openapi::problems::{BadRequest, NotFound};
use super::openapi::schemas as s;
use super::verify::read_presented;
use crate::problem::ProblemCode;
use crate::render::format_date;
use crate::service::share;
use crate::service::verify::{self, CheckKind, Facts, Presented, Status, Verdict};
use crate::service::{ErrorClass, ServiceError};
use crate::vc::credential::credential_file_url;
use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::Value;
use time::OffsetDateTime;

pub struct CheckRow {
    pub name: &'static str,
    pub status: &'static str,
    pub detail: String,
}

pub struct LinkRow {
    pub achievement: String,
    pub status: &'static str,
    pub detail: String,
}

pub struct Links {
    pub json: String,
    pub jwt: String,
    pub pdf: String,
}

pub struct VerdictView {
    pub headline: String,
    pub tone: &'static str,
    pub explanation: &'static str,
    pub holder: String,
    pub achievement: String,
    pub level: String,
    pub issued: String,
    pub expires: String,
    pub issuer: String,
    pub checked_at: String,
    pub checks: Vec<CheckRow>,
    pub lineage: Vec<LinkRow>,
    pub links: Option<Links>,
    /// "Renews …" / "Renewed by …" (issue 19), on `/v/{id}`.
    pub renewal: Vec<crate::service::share::RenewalLink>,
}

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage<'a> {
    issuer_name: &'a str,
    v: VerdictView,
}

#[derive(Template)]
#[template(path = "verify_form.html")]
struct FormPage<'a> {
    issuer_name: &'a str,
    error: String,
}

fn status_word(s: Status) -> &'static str {
    match s {
        Status::Passed => "passed",
        Status::Failed => "failed",
        Status::Unknown => "unknown",
        Status::Skipped => "skipped",
    }
}

fn date_of(value: Option<&Value>) -> String {
    value
        .and_then(Value::as_str)
        .and_then(|t| OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok())
        .map(|t| format_date(t.date()))
        .unwrap_or_else(|| "—".into())
}

/// `our_name`: this service's issuer name, which only our own credentials are shown under.
fn view_of(verdict: &Verdict, our_name: &str, links: Option<Links>) -> VerdictView {
    let headline = verdict.headline();
    let c = &verdict.credential;
    let text = |v: &Option<Value>| Facts::text(v).to_owned();
    let known = verdict.status_of(CheckKind::Issuer) == Some(Status::Passed);
    let issuer_id = c.issuer.clone().unwrap_or_default();
    let issuer = match (text(&c.issuer_name), issuer_id, c.issuer_trust) {
        (name, id, Some(trust)) if known && !name.is_empty() => format!("{name} ({id}, {trust})"),
        (_, id, Some(trust)) if known => format!("{id} ({trust})"),
        // A name the credential gives itself is its claim, never presented as a fact.
        (name, id, trust) => {
            let why = match trust {
                Some(_) => "the signature does not confirm it",
                None => "not an issuer this service knows",
            };
            if name.is_empty() {
                format!("{id} ({why})")
            } else {
                format!("{id} ({why}); claims to be “{name}”")
            }
        }
    };
    VerdictView {
        headline: headline.title(our_name),
        tone: match headline {
            verify::Headline::Valid => "ok",
            verify::Headline::CannotVerify
            | verify::Headline::Suspended
            | verify::Headline::Expired => "warn",
            _ => "bad",
        },
        explanation: headline.explanation(),
        holder: text(&c.holder),
        achievement: text(&c.achievement),
        level: text(&c.level),
        issued: date_of(c.valid_from.as_ref()),
        expires: date_of(c.valid_until.as_ref()),
        issuer,
        checked_at: verdict
            .checked_at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        checks: verdict
            .checks
            .iter()
            .map(|k| CheckRow {
                name: k.check.as_str(),
                status: status_word(k.status),
                detail: k.detail.clone(),
            })
            .collect(),
        lineage: verdict
            .lineage
            .iter()
            .map(|l| LinkRow {
                achievement: l.achievement.clone(),
                status: status_word(l.status),
                detail: l.detail.clone(),
            })
            .collect(),
        links,
        renewal: Vec::new(),
    }
}

pub(super) fn html(status: StatusCode, page: &impl Template) -> ApiResult<Response> {
    let body = page
        .render()
        .map_err(|e| ApiError::from(ServiceError::internal(e.to_string())))?;
    let mut response = (status, Html(body)).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

/// `GET /v/{id}`: the QR target. Always re-checks now, from the stored credential.
#[utoipa::path(get, path = "/v/{id}", tag = "pages", summary = "Employer's verification page",
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, description = "The verdict, checked now", body = String,
        content_type = "text/html"),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),))]
pub async fn verify_page(
    State(ctx): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<Response> {
    let id = parse_id(&raw)?;
    let row = crate::service::listing::get(&ctx, &id).await?;
    let doc: Value = serde_json::from_str(&row.json)
        .map_err(|e| ApiError::from(ServiceError::internal(e.to_string())))?;
    let verdict = verify::verify(&ctx, Presented::Json(doc), None).await?;
    let base = ctx.base_url();
    let links = Links {
        json: credential_file_url(base, &id, "json"),
        jwt: credential_file_url(base, &id, "jwt"),
        pdf: credential_file_url(base, &id, "pdf"),
    };
    html(
        StatusCode::OK,
        &VerifyPage {
            issuer_name: &ctx.config.issuer_name,
            v: VerdictView {
                renewal: share::renewal_links(&ctx, &id, "v").await?,
                ..view_of(&verdict, &ctx.config.issuer_name, Some(links))
            },
        },
    )
}

#[utoipa::path(get, path = "/verify", tag = "pages", summary = "Paste-or-upload verifier",
    responses((status = 200, description = "The form", body = String, content_type = "text/html")))]
pub async fn verify_form(State(ctx): State<AppState>) -> ApiResult<Response> {
    html(
        StatusCode::OK,
        &FormPage {
            issuer_name: &ctx.config.issuer_name,
            error: String::new(),
        },
    )
}

/// `POST /verify`: the pasted text or the uploaded file, verified like the API does.
#[utoipa::path(post, path = "/verify", tag = "pages", summary = "Verify a pasted or uploaded credential",
    request_body(content = s::VerifyForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "Verified", body = String, content_type = "text/html"),
        (status = 422, description = "Not verified", body = String, content_type = "text/html"),
        (status = 400, description = "The form page with what could not be read, or a problem \
            when the body is not a multipart form", content(
            (String = "text/html"), (s::Problem = "application/problem+json")))))]
pub async fn verify_submit(
    State(ctx): State<AppState>,
    form: Result<Multipart, MultipartRejection>,
) -> ApiResult<Response> {
    let mut form = form?;
    let mut input = Vec::new();
    while let Ok(Some(field)) = form.next_field().await {
        let name = field.name().unwrap_or_default().to_owned();
        let bytes = field.bytes().await.map_err(|_| {
            ApiError::bad_request(ProblemCode::InvalidForm, "the form could not be read")
        })?;
        if (name == "credential" || name == "file") && !bytes.iter().all(u8::is_ascii_whitespace) {
            input = bytes.to_vec();
        }
    }
    let fail = |message: String| {
        html(
            StatusCode::BAD_REQUEST,
            &FormPage {
                issuer_name: &ctx.config.issuer_name,
                error: message,
            },
        )
    };
    if input.len() > super::verify::LIMIT {
        return fail("That file is too large to be a credential.".into());
    }
    // A presentation: the page shows its first credential, with the presentation's outcome.
    let page = |(v, status): (Verdict, StatusCode)| {
        let issuer_name = &ctx.config.issuer_name;
        html(
            status,
            &VerifyPage {
                issuer_name,
                v: view_of(&v, issuer_name, None),
            },
        )
    };
    match super::presentations::for_page(&ctx, &input).await {
        Some(Ok(found)) => return page(found),
        Some(Err(m)) => return fail(m),
        None => {}
    }
    let (presented, _) = match read_presented(&input) {
        Ok(p) => p,
        Err(e) => {
            return fail(format!(
                "This could not be read as a credential: {}",
                e.detail
            ));
        }
    };
    let verdict = match verify::verify(&ctx, presented, None).await {
        Ok(v) => v,
        Err(e) if e.class == ErrorClass::Invalid => return fail(e.message),
        Err(e) => return Err(e.into()),
    };
    let status = if verdict.verified {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    page((verdict, status))
}
