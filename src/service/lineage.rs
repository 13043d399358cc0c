//! Track and level lineage at issuance: which of a candidate's credentials satisfy an
//! achievement's prerequisites (catalog rules), newest valid one first.

use crate::domain::catalog::{Achievement, Catalog};
use crate::domain::ids::AchievementCode;
use crate::store::CredentialRow;
use crate::vc::credential::{LineageRef, credential_url, digest_sri};
use time::OffsetDateTime;

pub struct Resolution<'a> {
    pub satisfied: Vec<&'a CredentialRow>,
    pub missing: Vec<AchievementCode>,
}

/// A prerequisite is met by a credential of ours for the same candidate that is neither
/// revoked nor suspended now; an expired one counts only if the catalog says so. `holdings`
/// is newest first, so recertification picks the latest.
pub fn resolve<'a>(
    achievement: &Achievement,
    holdings: &'a [CredentialRow],
    now: i64,
) -> Resolution<'a> {
    let mut satisfied = Vec::new();
    let mut missing = Vec::new();
    for code in &achievement.prerequisites {
        let found = holdings.iter().find(|c| {
            c.achievement.as_ref() == Some(code)
                && c.state == crate::domain::status::CredentialState::Active
                && (achievement.expired_prerequisites_count
                    || c.valid_until.is_none_or(|u| u > now))
        });
        match found {
            Some(c) => satisfied.push(c),
            None => missing.push(code.clone()),
        }
    }
    Resolution { satisfied, missing }
}

pub fn lineage_refs(base_url: &str, catalog: &Catalog, rows: &[&CredentialRow]) -> Vec<LineageRef> {
    rows.iter()
        .map(|c| LineageRef {
            credential_url: credential_url(base_url, &c.credential_id),
            achievement_name: c
                .achievement
                .as_ref()
                .and_then(|code| catalog.find(code.as_str()))
                .map(|a| a.name.clone())
                .unwrap_or_default(),
            issued_on: OffsetDateTime::from_unix_timestamp(c.issued_at)
                .map(|t| t.date().to_string())
                .unwrap_or_default(),
            digest_sri: digest_sri(c.json.as_bytes()),
        })
        .collect()
}

/// Recertification (issue 19): a passing result for an achievement the candidate already holds
/// (active, expired or not) under the same or a later exam version renews that credential.
/// Versions are ordered as the catalog lists them (else as text); a result for an older
/// version renews nothing. `None` also when the earlier credential was written in this same
/// transaction (two passes of one exam in one batch).
pub async fn renews(
    tx: &mut dyn crate::store::Tx,
    result: &crate::domain::exam::ExamResult,
    achievement: &Achievement,
) -> crate::store::StoreResult<Option<CredentialRow>> {
    let Some(previous) = tx
        .latest_held(result.candidate.id.as_str(), achievement.code.as_str())
        .await?
    else {
        return Ok(None);
    };
    let earlier_version = match &previous.attempt_id {
        Some(a) => tx.attempt(a).await?.and_then(|row| {
            serde_json::from_str::<serde_json::Value>(&row.body)
                .ok()
                .and_then(|b| b["exam"]["version"].as_str().map(String::from))
        }),
        None => None,
    };
    let rank = |v: &str| achievement.exam_versions.iter().position(|x| x == v);
    let older = earlier_version.is_some_and(|before| {
        let now = result.exam.version.as_str();
        match (rank(now), rank(&before)) {
            (Some(a), Some(b)) => a < b,
            _ => now < before.as_str(),
        }
    });
    Ok((!older).then_some(previous))
}

/// Adds the renewal link (`Recertification` evidence, `relatedResource` digest) to a draft.
pub fn mark_renewal(
    ctx: &crate::service::Context,
    draft: &mut serde_json::Value,
    previous: Option<&CredentialRow>,
) {
    if let Some(link) =
        previous.and_then(|p| lineage_refs(ctx.base_url(), &ctx.catalog, &[p]).pop())
    {
        crate::vc::credential::add_renewal(draft, &link);
    }
}
