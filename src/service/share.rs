//! What a graduate's share page and certificate show: the credential's facts, its current
//! state, the holder's path through the program and what the next level requires.

use super::{Context, ServiceError, ServiceResult};
use crate::domain::ids::CredentialId;
use crate::domain::status::CredentialState;
use crate::store::{CredentialQuery, CredentialRow};
use serde_json::Value;
use time::{Date, OffsetDateTime};

#[derive(Debug, Clone)]
pub struct Facts {
    pub row: CredentialRow,
    pub credential: Value,
    pub holder: String,
    pub achievement_name: String,
    pub track: String,
    pub level: String,
    /// `(score, max)` when the catalog shows scores.
    pub score: Option<(u32, u32)>,
    pub issued_on: Date,
    pub expires_on: Option<Date>,
    /// Prerequisites this credential builds on: (achievement name, issued on).
    pub builds_on: Vec<(String, Date)>,
    /// The holder's credentials in this program, oldest first: (achievement name, state, issued).
    pub path: Vec<(String, CredentialState, Date)>,
    /// Achievements this one opens, with what each requires.
    pub next: Vec<String>,
}

fn date(t: i64) -> Date {
    OffsetDateTime::from_unix_timestamp(t)
        .map(|t| t.date())
        .unwrap_or(Date::MIN)
}

pub async fn facts(ctx: &Context, id: &CredentialId) -> ServiceResult<Facts> {
    let row = ctx
        .store
        .credential(id)
        .await?
        .ok_or_else(|| ServiceError::not_found("credential"))?;
    let credential: Value =
        serde_json::from_str(&row.json).map_err(|e| ServiceError::internal(e.to_string()))?;
    let achievement = row
        .achievement
        .as_ref()
        .and_then(|c| ctx.catalog.find(c.as_str()));
    let text = |p: &str| {
        credential
            .pointer(p)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let score = achievement.filter(|a| a.show_score).and_then(|a| {
        let value = text("/credentialSubject/result/0/value").parse().ok()?;
        Some((value, a.max_score))
    });
    let mut builds_on = Vec::new();
    for prerequisite in ctx.store.lineage_of(id).await? {
        if let Some(p) = ctx.store.credential(&prerequisite).await? {
            let name = p
                .achievement
                .as_ref()
                .and_then(|c| ctx.catalog.find(c.as_str()))
                .map(|a| a.name.clone())
                .unwrap_or_default();
            builds_on.push((name, date(p.issued_at)));
        }
    }
    let mut path = Vec::new();
    let mut next = Vec::new();
    if let Some(candidate) = &row.candidate_id {
        let mut held = ctx
            .store
            .credentials_page(&CredentialQuery {
                candidate_id: Some(candidate.to_string()),
                limit: 200,
                ..Default::default()
            })
            .await?;
        held.reverse();
        let held_codes: Vec<String> = held
            .iter()
            .filter(|h| h.state == CredentialState::Active)
            .filter_map(|h| h.achievement.as_ref().map(ToString::to_string))
            .collect();
        for h in &held {
            let name = h
                .achievement
                .as_ref()
                .and_then(|c| ctx.catalog.find(c.as_str()))
                .map(|a| a.name.clone())
                .unwrap_or_default();
            path.push((name, h.state, date(h.issued_at)));
        }
        for a in ctx.catalog.achievements() {
            let opens = a
                .prerequisites
                .iter()
                .any(|p| held_codes.iter().any(|h| h == p.as_str()));
            if opens && !held_codes.iter().any(|h| h == a.code.as_str()) {
                let missing: Vec<&str> = a
                    .prerequisites
                    .iter()
                    .filter(|p| !held_codes.iter().any(|h| h == p.as_str()))
                    .filter_map(|p| ctx.catalog.get(p).map(|x| x.name.as_str()))
                    .collect();
                let requirement = if missing.is_empty() {
                    format!(
                        "{}: pass the exam ({} of {})",
                        a.name, a.pass_mark, a.max_score
                    )
                } else {
                    format!("{}: first {}", a.name, missing.join(", "))
                };
                next.push(requirement);
            }
        }
    }
    Ok(Facts {
        holder: row.holder_name.clone(),
        achievement_name: achievement
            .map(|a| a.name.clone())
            .unwrap_or_else(|| text("/name")),
        track: achievement
            .map(|a| a.track.name.clone())
            .unwrap_or_default(),
        level: achievement.map(|a| a.level.label()).unwrap_or_default(),
        score,
        issued_on: date(row.issued_at),
        expires_on: row.valid_until.map(date),
        builds_on,
        path,
        next,
        credential,
        row,
    })
}

/// A link between a credential and its recertification (issue 19), for the share and verify
/// pages: "Renews …" on the newer one, "Renewed by …" on the older.
#[derive(Debug, Clone)]
pub struct RenewalLink {
    pub label: String,
    /// The other credential's page of the same kind (`/c/…` or `/v/…`).
    pub url: String,
}

/// `page` is `c` (share) or `v` (verify).
pub async fn renewal_links(
    ctx: &Context,
    id: &CredentialId,
    page: &str,
) -> ServiceResult<Vec<RenewalLink>> {
    let crate::store::Renewals { renews, renewed_by } = ctx.store.renewals(id).await?;
    let mut links = Vec::new();
    for (other, label) in [(renews, "Renews"), (renewed_by, "Renewed by")] {
        let Some(other) = other else { continue };
        let issued = ctx
            .store
            .credential(&other)
            .await?
            .map(|r| date(r.issued_at).to_string())
            .unwrap_or_default();
        links.push(RenewalLink {
            label: format!("{label} the credential issued {issued}"),
            url: format!("{}/{page}/{other}", ctx.base_url()),
        });
    }
    Ok(links)
}

/// For an expired credential not yet renewed: how to recertify, from the catalog.
pub fn recertification_path(ctx: &Context, f: &Facts, renewed: bool) -> String {
    let now = ctx.now().unix_timestamp();
    let expired = f.row.valid_until.is_some_and(|u| u <= now);
    let Some(a) = f
        .row
        .achievement
        .as_ref()
        .and_then(|c| ctx.catalog.find(c.as_str()))
    else {
        return String::new();
    };
    if !expired || renewed || f.row.state == crate::domain::status::CredentialState::Revoked {
        return String::new();
    }
    format!(
        "This credential has expired. To recertify, pass the {} exam again ({} of {}); \
         the program's requirements: {}/achievements/{}",
        a.name,
        a.pass_mark,
        a.max_score,
        ctx.base_url(),
        a.code
    )
}
