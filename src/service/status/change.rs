//! Admin state changes (W3C Bitstring Status List v1.0 §2.1 `statusPurpose` revocation and
//! suspension): each change and its audit entry commit together, and a revocation can cascade
//! to the credentials whose lineage depends on it.

use crate::domain::ids::CredentialId;
use crate::domain::status::{ActionRefused, CredentialState, StatusAction, Transition};
use crate::problem::ProblemCode;
use crate::service::audit::{self, Entry};
use crate::service::error::retry_on_conflict;
use crate::service::webhooks::{self, EventType};
use crate::service::{Actor, Context, ServiceError, ServiceResult};
use crate::store::{StateChange, Tx};
use serde_json::json;
use std::collections::HashSet;

/// The result of revoke, suspend or reinstate (the admin API's answer as it is).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[schema(as = StatusChange)]
pub struct ChangeOutcome {
    pub credential_id: CredentialId,
    pub action: StatusAction,
    pub state: CredentialState,
    /// False when the credential was already in that state (a harmless repeat).
    pub changed: bool,
    pub reason: String,
    /// Credentials whose lineage depends on this one, and which were revoked with it.
    pub cascaded: Vec<CredentialId>,
    /// Dependents, direct and indirect and not yet revoked, left as they were (no cascade
    /// asked): what a cascade would revoke.
    pub dependents: Vec<CredentialId>,
}

/// Applies an admin action. The change and its audit entry commit together, before the caller
/// answers, so a revocation is never lost.
pub async fn change(
    ctx: &Context,
    actor: &Actor,
    id: &CredentialId,
    action: StatusAction,
    reason: &str,
    cascade: bool,
) -> ServiceResult<ChangeOutcome> {
    let reason = crate::service::audit::reason(reason)?;
    // A deadlock victim or serialization failure (PostgreSQL, several instances changing
    // related credentials at once): nothing was written, so run it again.
    retry_on_conflict(|| change_once(ctx, actor, id, action, reason, cascade)).await
}

async fn change_once(
    ctx: &Context,
    actor: &Actor,
    id: &CredentialId,
    action: StatusAction,
    reason: &str,
    cascade: bool,
) -> ServiceResult<ChangeOutcome> {
    let now = ctx.now().unix_timestamp();
    let mut tx = ctx.store.begin().await?;
    let base = ctx.base_url();
    let (state, changed) = apply(tx.as_mut(), base, actor, id, action, reason, now, None).await?;
    let mut cascaded = Vec::new();
    let mut dependents = Vec::new();
    if action == StatusAction::Revoke {
        let mut queue = tx.dependents(id).await?;
        let mut seen: HashSet<CredentialId> = HashSet::new();
        while let Some(dep) = queue.pop() {
            if !seen.insert(dep) {
                continue;
            }
            if cascade {
                let cause = format!("prerequisite {id} revoked: {reason}");
                let (_, did_change) = apply(
                    tx.as_mut(),
                    base,
                    actor,
                    &dep,
                    action,
                    &cause,
                    now,
                    Some(id),
                )
                .await?;
                if did_change {
                    cascaded.push(dep);
                }
            } else if tx
                .credential(&dep)
                .await?
                .is_some_and(|r| r.state != CredentialState::Revoked)
            {
                // Everything a cascade would revoke, indirect dependents included.
                dependents.push(dep);
            }
            queue.extend(tx.dependents(&dep).await?);
        }
    }
    tx.commit().await?;
    crate::metrics::status_changed(action, usize::from(changed) + cascaded.len());
    Ok(ChangeOutcome {
        credential_id: *id,
        action,
        state,
        changed,
        reason: reason.to_owned(),
        cascaded,
        dependents,
    })
}

#[allow(clippy::too_many_arguments)]
async fn apply(
    tx: &mut dyn Tx,
    base: &str,
    actor: &Actor,
    id: &CredentialId,
    action: StatusAction,
    reason: &str,
    now: i64,
    cause: Option<&CredentialId>,
) -> ServiceResult<(CredentialState, bool)> {
    let row = tx
        .credential(id)
        .await?
        .ok_or_else(|| ServiceError::not_found("credential"))?;
    let state = row.state;
    match state.apply(action) {
        Err(ActionRefused::RevokedIsFinal) => Err(ServiceError::conflict(
            ProblemCode::RevokedIsFinal,
            "the credential is revoked; revocation is final and cannot be reinstated or suspended",
        )),
        Ok(Transition::Unchanged(s)) => Ok((s, false)),
        Ok(Transition::Changed(new)) => {
            tx.set_state(
                id,
                &StateChange {
                    state: new,
                    reason: reason.into(),
                    at: now,
                },
            )
            .await?;
            audit::append(
                tx,
                now,
                Entry {
                    actor,
                    action: match action {
                        StatusAction::Revoke => "credential.revoke",
                        StatusAction::Suspend => "credential.suspend",
                        StatusAction::Reinstate => "credential.reinstate",
                    },
                    credential_id: Some(*id),
                    reason: Some(reason.into()),
                    detail: json!({"from": state.as_str(), "to": new.as_str(), "cause": cause.map(|c| c.to_string())}),
                },
            )
            .await?;
            let data = webhooks::credential_data(base, (&row).into(), new, Some(reason));
            webhooks::enqueue(
                tx,
                now,
                EventType::for_action(action),
                webhooks::credential_key(id),
                &data,
            )
            .await?;
            Ok((new, true))
        }
    }
}
