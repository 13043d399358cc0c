//! The lineage check: walks a credential's prerequisites (its `relatedResource` digests and
//! `evidence` entries with `genre: "Prerequisite"`) recursively — Advanced → Professional →
//! Foundation — verifying each digest against the exact bytes we serve and each link's
//! revocation and suspension state. Only a credential this service issued and stored can
//! carry a lineage that passes, and every link must be held by the same candidate as recorded
//! in the store (the candidate of each record, not the salted identity hash a credential
//! shows, which anyone may copy).

use super::keys::KeyOrigin;
use super::{Check, CheckKind, LineageLink, Status, check};
use crate::domain::ids::CredentialId;
use crate::service::Context;
use crate::service::related::HeldRows;
use crate::vc::credential::digest_sri;
use serde_json::Value;
use std::collections::HashSet;

const MAX_DEPTH: usize = 16;

fn our_id(ctx: &Context, url: &str) -> Option<CredentialId> {
    let uuid = url.strip_prefix(&format!("{}/credentials/", ctx.base_url()))?;
    CredentialId::parse(uuid).ok()
}

fn prerequisites(credential: &Value) -> Vec<(String, Option<String>)> {
    let related: Vec<&Value> = credential["relatedResource"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    credential["evidence"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter(|e| e["genre"] == "Prerequisite")
                .filter_map(|e| e["id"].as_str())
                .map(|url| {
                    let digest = related
                        .iter()
                        .find(|r| r["id"] == url)
                        .and_then(|r| r["digestSRI"].as_str())
                        .map(String::from);
                    (url.to_owned(), digest)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The candidate our store records for the credential presented as ours, or why there is none.
async fn recorded_holder(
    ctx: &Context,
    credential: &Value,
    rows: &mut HeldRows,
) -> Result<String, &'static str> {
    let row = match credential
        .get("id")
        .and_then(Value::as_str)
        .and_then(|id| our_id(ctx, id))
    {
        Some(id) => rows.get(ctx, &id).await,
        None => None,
    };
    let row = row.ok_or("this issuer has no record of the credential itself")?;
    row.candidate_id
        .as_ref()
        .map(|c| c.to_string())
        .ok_or("this issuer recorded no candidate for the credential")
}

/// Returns the overall check and every link visited. `origin`: whose credential this is.
pub async fn check_lineage(
    ctx: &Context,
    credential: &Value,
    origin: Option<KeyOrigin>,
    rows: &mut HeldRows,
) -> (Check, Vec<LineageLink>) {
    let mut links = Vec::new();
    let mut seen = HashSet::new();
    let mut stack: Vec<(usize, String, Option<String>)> = prerequisites(credential)
        .into_iter()
        .rev()
        .map(|(u, d)| (1, u, d))
        .collect();
    let ours = origin == Some(KeyOrigin::Ours);
    if stack.is_empty() {
        let code = credential
            .pointer("/credentialSubject/achievement/humanCode")
            .and_then(Value::as_str);
        let required = code
            .and_then(|c| ctx.catalog.find(c))
            .is_some_and(|a| !a.prerequisites.is_empty());
        let our_achievement = credential
            .pointer("/credentialSubject/achievement/id")
            .and_then(Value::as_str)
            .is_some_and(|id| id.starts_with(ctx.base_url()));
        return if required && our_achievement {
            (
                check(
                    CheckKind::Lineage,
                    Status::Failed,
                    "the achievement requires prerequisites but none are recorded",
                ),
                links,
            )
        } else if ours {
            (
                check(CheckKind::Lineage, Status::Passed, "no prerequisites"),
                links,
            )
        } else {
            (
                check(
                    CheckKind::Lineage,
                    Status::Skipped,
                    "not a credential of this issuer: no lineage to check",
                ),
                links,
            )
        };
    }
    if !ours {
        let claims_ours = stack.iter().any(|(_, url, _)| our_id(ctx, url).is_some());
        return if claims_ours {
            (
                check(
                    CheckKind::Lineage,
                    Status::Failed,
                    "only credentials issued by this service can build on its credentials",
                ),
                links,
            )
        } else {
            (
                check(
                    CheckKind::Lineage,
                    Status::Unknown,
                    "the prerequisites of another issuer's credential are not checked",
                ),
                links,
            )
        };
    }
    let holder = match recorded_holder(ctx, credential, rows).await {
        Ok(h) => h,
        Err(why) => {
            return (
                check(
                    CheckKind::Lineage,
                    Status::Failed,
                    format!("not vouched for: {why}"),
                ),
                links,
            );
        }
    };
    while let Some((depth, url, digest)) = stack.pop() {
        if depth > MAX_DEPTH || !seen.insert(url.clone()) {
            continue;
        }
        let mut link = LineageLink {
            depth,
            credential: url.clone(),
            achievement: String::new(),
            status: Status::Passed,
            detail: String::new(),
        };
        let row = match our_id(ctx, &url) {
            None => None,
            Some(id) => rows.get(ctx, &id).await,
        };
        let Some(row) = row else {
            link.status = Status::Unknown;
            link.detail = "not a credential of this issuer; not checked".into();
            links.push(link);
            continue;
        };
        let stored: Value = serde_json::from_str(&row.json).unwrap_or_default();
        link.achievement = stored["name"].as_str().unwrap_or_default().to_owned();
        let issued = time::OffsetDateTime::from_unix_timestamp(row.issued_at)
            .map(|t| t.date().to_string())
            .unwrap_or_default();
        if digest.as_deref() != Some(digest_sri(row.json.as_bytes()).as_str()) {
            link.status = Status::Failed;
            link.detail = "its digest does not match the credential served at that URL".into();
        } else if row.candidate_id.as_ref().map(|c| c.as_str()) != Some(holder.as_str()) {
            link.status = Status::Failed;
            link.detail = "it was issued to someone else".into();
        } else if row.state != crate::domain::status::CredentialState::Active {
            let when = row
                .state_changed_at
                .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
                .map(|t| t.date().to_string())
                .unwrap_or_default();
            link.status = Status::Failed;
            link.detail = format!(
                "{} {when}: {}",
                row.state.as_str(),
                row.state_reason.clone().unwrap_or_default()
            );
        } else {
            link.detail = format!("issued {issued}, digest matches, not revoked or suspended");
        }
        for (u, d) in prerequisites(&stored).into_iter().rev() {
            stack.push((depth + 1, u, d));
        }
        links.push(link);
    }
    let path: Vec<String> = links
        .iter()
        .map(|l| format!("{} ({})", l.achievement, l.detail))
        .collect();
    let worst = if links.iter().any(|l| l.status == Status::Failed) {
        Status::Failed
    } else if links.iter().any(|l| l.status == Status::Unknown) {
        Status::Unknown
    } else {
        Status::Passed
    };
    let detail = match worst {
        Status::Failed => {
            let bad: Vec<String> = links
                .iter()
                .filter(|l| l.status == Status::Failed)
                .map(|l| format!("{}: {}", l.achievement, l.detail))
                .collect();
            format!("prerequisite failed: {}", bad.join("; "))
        }
        _ => format!("builds on {}", path.join(" → ")),
    };
    (check(CheckKind::Lineage, worst, detail), links)
}
