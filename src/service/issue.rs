//! Exam result in, credential out. Validation happens before any write; the attempt, the
//! credential, its status index, its lineage and its audit entry then commit in one
//! transaction, so a crash leaves either all of them or none. `attempt_id` makes retries safe.

use super::error::retry_on_conflict;
use super::idempotency::{self, Fingerprint};
use super::webhooks::{self, EventType};
use super::{Actor, Context, ServiceError, ServiceResult, keys, lineage, signing, status};
use crate::domain::attempt::AttemptOutcome;
use crate::domain::catalog::Achievement;
use crate::domain::exam::{ExamResult, OnMissingPrerequisites};
use crate::domain::ids::CredentialId;
use crate::domain::validity::ValidityPeriod;
use crate::problem::ProblemCode;
use crate::store::{AttemptRow, CredentialRow, Tx};
use crate::vc::credential::{self, CredentialDraft, IdentityHash};
use rand::RngCore;
use serde_json::{Value, json};
use time::OffsetDateTime;

/// A validated request, not yet applied.
pub struct Prepared {
    pub result: ExamResult,
    /// How a retry is recognized and what of the request is kept (`idempotency.rs`).
    pub fingerprint: Fingerprint,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submitted {
    Issued {
        credential_id: CredentialId,
        repeat: bool,
        released: Vec<CredentialId>,
    },
    Pending {
        missing: Vec<String>,
        repeat: bool,
    },
    BelowPassMark {
        score: u32,
        pass_mark: u32,
    },
}

/// Checks the body against the exam-result schema, then the rules the schema cannot state.
pub fn prepare(ctx: &Context, body: &Value) -> ServiceResult<Prepared> {
    let problems: Vec<Value> = ctx
        .exam_schema
        .iter_errors(body)
        .take(20)
        .map(|e| json!({"path": e.instance_path().to_string(), "message": e.to_string()}))
        .collect();
    if let Some(first) = problems.first() {
        let message = format!(
            "the exam result does not match schemas/exam-result.schema.json: {} {}",
            first["path"].as_str().unwrap_or_default(),
            first["message"].as_str().unwrap_or_default()
        );
        return Err(ServiceError::invalid(ProblemCode::SchemaViolation, message)
            .with_details(json!({"errors": problems})));
    }
    let result: ExamResult = serde_json::from_value(body.clone())
        .map_err(|e| ServiceError::invalid(ProblemCode::InvalidExamResult, e.to_string()))?;
    result
        .check_name()
        .map_err(|m| ServiceError::unprocessable(ProblemCode::InvalidName, m))?;
    result
        .check()
        .map_err(|m| ServiceError::invalid(ProblemCode::InvalidExamResult, m))?;
    let achievement = ctx.catalog.get(&result.achievement).ok_or_else(|| {
        ServiceError::unprocessable(
            ProblemCode::UnknownAchievement,
            format!("`{}` is not in the catalog", result.achievement),
        )
    })?;
    if result.exam.max_score != achievement.max_score {
        return Err(ServiceError::unprocessable(
            ProblemCode::ScoreScaleMismatch,
            format!(
                "`{}` is scored out of {}, not {}",
                achievement.code, achievement.max_score, result.exam.max_score
            ),
        ));
    }
    if !achievement.exam_versions.is_empty()
        && !achievement.exam_versions.contains(&result.exam.version)
    {
        return Err(ServiceError::unprocessable(
            ProblemCode::UnknownExamVersion,
            format!(
                "exam version `{}` is not accepted for `{}`",
                result.exam.version, achievement.code
            ),
        ));
    }
    let fingerprint = idempotency::fingerprint(&result, body)?;
    Ok(Prepared {
        result,
        fingerprint,
    })
}

pub async fn submit(ctx: &Context, actor: &Actor, body: &Value) -> ServiceResult<Submitted> {
    let prepared = prepare(ctx, body)?;
    // A concurrent request with the same attempt_id (or index) won: read its result.
    let prepared = &prepared;
    let submitted = retry_on_conflict(|| async move {
        let mut tx = ctx.store.begin().await?;
        let submitted = process(ctx, tx.as_mut(), actor, prepared).await?;
        tx.commit().await?;
        Ok(submitted)
    })
    .await?;
    crate::metrics::credentials_issued(newly_issued(&submitted));
    Ok(submitted)
}

pub(super) async fn process(
    ctx: &Context,
    tx: &mut dyn Tx,
    actor: &Actor,
    p: &Prepared,
) -> ServiceResult<Submitted> {
    let r = &p.result;
    let now = ctx.now();
    if let Some(existing) = tx.attempt(&r.attempt_id).await? {
        return repeat(existing, p);
    }
    let achievement = ctx
        .catalog
        .get(&r.achievement)
        .ok_or_else(|| ServiceError::internal("achievement vanished from the catalog"))?;
    let mut attempt = AttemptRow {
        attempt_id: r.attempt_id.clone(),
        body_hash: p.fingerprint.hash.clone(),
        candidate_id: r.candidate.id.clone(),
        achievement: r.achievement.clone(),
        // Settled below, on every path that records the attempt.
        outcome: AttemptOutcome::Issued,
        credential_id: None,
        body: p.fingerprint.redacted.to_string(),
        received_at: now.unix_timestamp(),
        detail: None,
        candidate_email: None,
    };
    if r.exam.score < achievement.pass_mark {
        attempt.outcome = AttemptOutcome::BelowPassMark;
        tx.insert_attempt(&attempt).await?;
        return Ok(Submitted::BelowPassMark {
            score: r.exam.score,
            pass_mark: achievement.pass_mark,
        });
    }
    // Holdings matter only for prerequisites; many achievements (every entry level) have none.
    let holdings = if achievement.prerequisites.is_empty() {
        Vec::new()
    } else {
        tx.candidate_credentials(r.candidate.id.as_str()).await?
    };
    let resolution = lineage::resolve(achievement, &holdings, now.unix_timestamp());
    if !resolution.missing.is_empty() {
        let missing: Vec<String> = resolution.missing.iter().map(ToString::to_string).collect();
        if r.on_missing_prerequisites == OnMissingPrerequisites::Hold {
            attempt.outcome = AttemptOutcome::Pending;
            // Needed to issue it later; cleared once the attempt is settled.
            attempt.candidate_email = Some(r.candidate.email.clone());
            attempt.detail = Some(json!({"missing": missing}).to_string());
            tx.insert_attempt(&attempt).await?;
            let detail = webhooks::AttemptDetail {
                missing: Some(missing.clone()),
                ..Default::default()
            };
            webhooks::attempt_event(
                tx,
                attempt.received_at,
                EventType::ExamResultHeld,
                &attempt,
                detail,
            )
            .await?;
            return Ok(Submitted::Pending {
                missing,
                repeat: false,
            });
        }
        return Err(ServiceError::unprocessable(
            ProblemCode::PrerequisitesMissing,
            format!(
                "`{}` requires {} first",
                achievement.code,
                missing.join(", ")
            ),
        )
        .with_details(json!({"missing": missing})));
    }
    let id = issue_one(ctx, tx, actor, r, achievement, &resolution.satisfied, now).await?;
    attempt.outcome = AttemptOutcome::Issued;
    attempt.credential_id = Some(id);
    tx.insert_attempt(&attempt).await?;
    let released = release_pending(ctx, tx, actor, r.candidate.id.as_str(), now).await?;
    Ok(Submitted::Issued {
        credential_id: id,
        repeat: false,
        released,
    })
}

fn repeat(existing: AttemptRow, p: &Prepared) -> ServiceResult<Submitted> {
    idempotency::same_request(&existing, &p.fingerprint)?;
    match existing.outcome {
        AttemptOutcome::Issued => {
            let credential_id = existing
                .credential_id
                .ok_or_else(|| ServiceError::internal("issued attempt without credential"))?;
            Ok(Submitted::Issued {
                credential_id,
                repeat: true,
                released: Vec::new(),
            })
        }
        AttemptOutcome::BelowPassMark => Ok(Submitted::BelowPassMark {
            score: p.result.exam.score,
            pass_mark: 0,
        }),
        AttemptOutcome::Pending => {
            let detail: Value = existing
                .detail
                .as_deref()
                .and_then(|d| serde_json::from_str(d).ok())
                .unwrap_or_default();
            let missing = detail["missing"]
                .as_array()
                .map(|m| {
                    m.iter()
                        .filter_map(|v| v.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            Ok(Submitted::Pending {
                missing,
                repeat: true,
            })
        }
        AttemptOutcome::Cancelled => Err(ServiceError::conflict(
            ProblemCode::AttemptCancelled,
            format!("attempt `{}` was cancelled", existing.attempt_id),
        )),
    }
}

/// Issues results that were held for missing prerequisites once they are all met, repeating
/// until nothing more can be released (Foundation can release Professional, which releases
/// Advanced).
async fn release_pending(
    ctx: &Context,
    tx: &mut dyn Tx,
    actor: &Actor,
    candidate: &str,
    now: OffsetDateTime,
) -> ServiceResult<Vec<CredentialId>> {
    let mut released = Vec::new();
    loop {
        let mut progressed = false;
        for pending in tx.pending_attempts(candidate).await? {
            let result = idempotency::pending_result(&pending)?;
            let Some(achievement) = ctx.catalog.get(&result.achievement) else {
                continue;
            };
            let holdings = tx.candidate_credentials(candidate).await?;
            let resolution = lineage::resolve(achievement, &holdings, now.unix_timestamp());
            if resolution.missing.is_empty() {
                let id = issue_one(
                    ctx,
                    tx,
                    actor,
                    &result,
                    achievement,
                    &resolution.satisfied,
                    now,
                )
                .await?;
                tx.set_attempt_outcome(
                    &pending.attempt_id,
                    AttemptOutcome::Issued,
                    Some(&id),
                    None,
                )
                .await?;
                let detail = webhooks::AttemptDetail {
                    credential_id: Some(id),
                    ..Default::default()
                };
                let (at, kind) = (now.unix_timestamp(), EventType::ExamResultReleased);
                webhooks::attempt_event(tx, at, kind, &pending, detail).await?;
                released.push(id);
                progressed = true;
            }
        }
        if !progressed {
            return Ok(released);
        }
    }
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

async fn issue_one(
    ctx: &Context,
    tx: &mut dyn Tx,
    actor: &Actor,
    r: &ExamResult,
    achievement: &Achievement,
    prerequisites: &[&CredentialRow],
    now: OffsetDateTime,
) -> ServiceResult<CredentialId> {
    let (record, key) = keys::active_signer(ctx, tx).await?;
    let status_ref = status::allocate(ctx, tx, now).await?;
    let id = CredentialId::random();
    let lineage = lineage::lineage_refs(ctx.base_url(), &ctx.catalog, prerequisites);
    let validity = ValidityPeriod::starting(now, achievement.validity);
    let issuer_id = ctx.identity.issuer_for(&record);
    let renews = lineage::renews(tx, r, achievement).await?;
    let mut unsecured = credential::build(&CredentialDraft {
        base_url: ctx.base_url(),
        id,
        issuer_id: &issuer_id,
        issuer_name: &ctx.config.issuer_name,
        program: &ctx.catalog.program,
        achievement,
        holder_name: r.holder_name(),
        identity: IdentityHash::of_email(&r.candidate.email, &random_hex(16)),
        score: r.exam.score,
        validity,
        status: status_ref,
        lineage: &lineage,
    });
    lineage::mark_renewal(ctx, &mut unsecured, renews.as_ref());
    let job = signing::SigningJob::new(ctx, &record, &key, unsecured, now, None)?;
    let prerequisite_ids: Vec<String> = prerequisites
        .iter()
        .map(|p| p.credential_id.to_string())
        .collect();
    let detail = json!({"attempt_id": r.attempt_id.as_str(), "achievement": achievement.code.as_str(),
                        "key_id": record.key_id, "prerequisites": prerequisite_ids});
    if let Some(previous) = &renews {
        tx.insert_renewal(&id, &previous.credential_id).await?;
    }
    let issued = webhooks::Issued {
        id,
        attempt_id: Some(&r.attempt_id),
        candidate_id: Some(&r.candidate.id),
        achievement: Some(&achievement.code),
        issued_at: now.unix_timestamp(),
        valid_until: Some(validity.until().unix_timestamp()),
        renews: renews.as_ref().map(|p| p.credential_id),
    };
    webhooks::issued(tx, ctx.base_url(), &issued).await?;
    signing::store_later(
        tx,
        actor,
        signing::Record {
            id,
            attempt_id: Some(r.attempt_id.clone()),
            candidate_id: Some(r.candidate.id.clone()),
            achievement: Some(achievement.code.clone()),
            holder_name: r.holder_name().to_owned(),
            issued_at: now,
            valid_until: Some(validity.until().unix_timestamp()),
            status: status_ref,
            key_id: &record.key_id,
        },
        job,
        detail,
    )
    .await?;
    for prerequisite in prerequisites {
        tx.insert_lineage(&id, &prerequisite.credential_id).await?;
    }
    Ok(id)
}

/// Credentials a committed outcome created: the one asked for and any it released.
pub(super) fn newly_issued(outcome: &Submitted) -> usize {
    match outcome {
        Submitted::Issued {
            repeat: false,
            released,
            ..
        } => 1 + released.len(),
        _ => 0,
    }
}
