//! `POST /api/v1/exam-results/batch` and `attest issue`: many results in one transaction.

use super::error::retry_on_conflict;
use super::issue::{Prepared, Submitted, newly_issued, prepare, process};
use super::{Actor, Context, ErrorClass, ServiceError, ServiceResult};
use serde_json::Value;

/// Results one batch request may carry: one transaction, and one answer a client can hold.
pub const MAX_ITEMS: usize = 1000;

pub struct BatchItem {
    pub index: usize,
    pub attempt_id: Option<String>,
    pub outcome: ServiceResult<Submitted>,
}

/// Up to 1,000 results in one transaction: each item's own problem is reported beside it and
/// does not sink the rest; a database failure sinks the whole batch (nothing half-committed).
pub async fn submit_batch(
    ctx: &Context,
    actor: &Actor,
    items: &[Value],
) -> ServiceResult<Vec<BatchItem>> {
    let prepared: Vec<ServiceResult<Prepared>> =
        items.iter().map(|item| prepare(ctx, item)).collect();
    let prepared = &prepared;
    let out = retry_on_conflict(|| async move {
        let mut tx = ctx.store.begin().await?;
        let ids: Vec<&str> = prepared
            .iter()
            .filter_map(|p| p.as_ref().ok())
            .map(|p| p.result.attempt_id.as_str())
            .collect();
        tx.prefetch_attempts(&ids).await?;
        let candidates: Vec<&str> = prepared
            .iter()
            .filter_map(|p| p.as_ref().ok())
            .map(|p| p.result.candidate.id.as_str())
            .collect();
        tx.prefetch_held(&candidates).await?;
        let mut out = Vec::with_capacity(items.len());
        let mut failure = None;
        for (index, (item, p)) in items.iter().zip(prepared).enumerate() {
            let attempt_id = item
                .get("attempt_id")
                .and_then(Value::as_str)
                .map(String::from);
            let outcome = match p {
                Err(e) => Err(e.clone()),
                Ok(p) => match process(ctx, tx.as_mut(), actor, p).await {
                    Err(e)
                        if matches!(e.class, ErrorClass::Internal | ErrorClass::Unavailable)
                            || e.is_conflict() =>
                    {
                        failure = Some(e);
                        break;
                    }
                    other => other,
                },
            };
            out.push(BatchItem {
                index,
                attempt_id,
                outcome,
            });
        }
        match failure {
            Some(e) => Err(e),
            None => tx.commit().await.map(|()| out).map_err(ServiceError::from),
        }
    })
    .await?;
    crate::metrics::credentials_issued(
        out.iter()
            .filter_map(|item| item.outcome.as_ref().ok())
            .map(newly_issued)
            .sum(),
    );
    Ok(out)
}
