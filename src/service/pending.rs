//! Results held for missing prerequisites (`"on_missing_prerequisites": "hold"`): what admins
//! see and cancel. Release happens in [`super::issue`] when the last prerequisite is issued.

use super::audit::{self, Entry};
use super::webhooks;
use super::{Actor, Context, ServiceError, ServiceResult};
use crate::domain::attempt::AttemptOutcome;
use crate::problem::ProblemCode;
use crate::store::AttemptRow;
use serde_json::json;

/// Results held for missing prerequisites, newest first.
pub async fn pending(ctx: &Context, limit: i64) -> ServiceResult<Vec<AttemptRow>> {
    Ok(ctx
        .store
        .attempts_with_outcome(AttemptOutcome::Pending, limit)
        .await?)
}

/// Cancels a held result: it will not be issued when its prerequisites arrive.
pub async fn cancel(
    ctx: &Context,
    actor: &Actor,
    attempt_id: &str,
    reason: &str,
) -> ServiceResult<()> {
    let id = crate::domain::ids::AttemptId::parse(attempt_id)
        .map_err(|e| ServiceError::invalid(ProblemCode::InvalidId, e.to_string()))?;
    let reason = crate::service::audit::reason(reason)?;
    let now = ctx.now().unix_timestamp();
    let mut tx = ctx.store.begin().await?;
    let attempt = tx
        .attempt(&id)
        .await?
        .ok_or_else(|| ServiceError::not_found("exam attempt"))?;
    if attempt.outcome != AttemptOutcome::Pending {
        return Err(ServiceError::conflict(
            ProblemCode::NotPending,
            format!("attempt `{attempt_id}` is {}, not pending", attempt.outcome),
        ));
    }
    tx.set_attempt_outcome(
        &id,
        AttemptOutcome::Cancelled,
        None,
        attempt.detail.as_deref(),
    )
    .await?;
    audit::append(
        tx.as_mut(),
        now,
        Entry {
            actor,
            action: "exam.cancel",
            credential_id: None,
            reason: Some(reason.to_owned()),
            detail: json!({"attempt_id": attempt_id}),
        },
    )
    .await?;
    let detail = webhooks::AttemptDetail {
        reason: Some(reason.to_owned()),
        ..Default::default()
    };
    let kind = webhooks::EventType::ExamResultCancelled;
    webhooks::attempt_event(tx.as_mut(), now, kind, &attempt, detail).await?;
    tx.commit().await?;
    Ok(())
}
