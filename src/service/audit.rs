//! The audit trail: append-only (enforced by triggers) and hash-chained, so deleting or editing
//! an entry breaks every later hash. `verify_chain` is what `attest audit verify` runs.

use super::{Actor, ServiceResult};
use crate::domain::ids::CredentialId;
use crate::problem::ProblemCode;
use crate::store::{AuditDetail, AuditRow, SharedStore, Tx};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

pub struct Entry<'a> {
    pub actor: &'a Actor,
    pub action: &'a str,
    pub credential_id: Option<CredentialId>,
    pub reason: Option<String>,
    pub detail: Value,
}

fn entry_hash(prev_hash: &str, row: &AuditRow) -> String {
    let body = json!({
        "seq": row.seq, "at": row.at, "actor": row.actor, "action": row.action,
        "credential_id": row.credential_id, "reason": row.reason,
        "detail": row.detail.as_str(),
    });
    let canonical = serde_json_canonicalizer::to_string(&body).unwrap_or_default();
    let digest = Sha256::digest(format!("{prev_hash}\n{canonical}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The reason an admin gives for an audited action (revoke, suspend, reinstate, cancel, erase):
/// trimmed, 1 to 500 characters, so the audit trail always says why.
pub fn reason(raw: &str) -> ServiceResult<&str> {
    let reason = raw.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(super::ServiceError::invalid(
            ProblemCode::InvalidReason,
            "`reason` must be 1 to 500 characters",
        ));
    }
    Ok(reason)
}

/// Appends inside the caller's transaction, so the entry exists exactly when the change does.
pub async fn append(tx: &mut dyn Tx, at: i64, entry: Entry<'_>) -> ServiceResult<()> {
    let (seq, prev_hash) = match tx.last_audit().await? {
        Some(head) => (head.seq + 1, head.hash),
        None => (1, GENESIS.to_owned()),
    };
    let mut row = AuditRow {
        seq,
        at,
        actor: entry.actor.name.clone(),
        action: entry.action.to_owned(),
        credential_id: entry.credential_id.map(|id| id.to_string()),
        reason: entry.reason,
        detail: AuditDetail::new(entry.detail),
        prev_hash: prev_hash.clone(),
        hash: String::new(),
    };
    row.hash = entry_hash(&prev_hash, &row);
    tx.insert_audit(&row).await?;
    Ok(())
}

/// Entries after `after` (a `seq`), oldest first, at most `limit`.
pub async fn entries(ctx: &super::Context, after: i64, limit: i64) -> ServiceResult<Vec<AuditRow>> {
    Ok(ctx.store.audit(after, limit).await?)
}

/// What checking the chain found: how many entries verified, and the first broken link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainCheck {
    /// Entries verified before the break (all of them when there is none).
    pub checked: u64,
    pub broken: Option<Break>,
}

/// Where the chain breaks, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    pub seq: i64,
    pub why: String,
}

/// Walks the whole trail from the genesis hash and stops at the first broken link.
pub async fn verify_chain(store: &SharedStore) -> ServiceResult<ChainCheck> {
    let mut prev_hash = GENESIS.to_owned();
    let mut expected_seq = 1;
    let mut checked = 0u64;
    let at = |seq: i64, why: String| Some(Break { seq, why });
    loop {
        let page = store.audit(expected_seq - 1, 1000).await?;
        if page.is_empty() {
            return Ok(ChainCheck {
                checked,
                broken: None,
            });
        }
        for row in page {
            let found = if row.seq != expected_seq {
                at(expected_seq, format!("entry {expected_seq} is missing"))
            } else if row.prev_hash != prev_hash {
                at(row.seq, "does not link to the previous entry".into())
            } else if entry_hash(&prev_hash, &row) != row.hash {
                at(row.seq, "its content does not match its hash".into())
            } else {
                None
            };
            if found.is_some() {
                return Ok(ChainCheck {
                    checked,
                    broken: found,
                });
            }
            prev_hash = row.hash;
            expected_seq += 1;
            checked += 1;
        }
    }
}
