//! Erasing a candidate's personal data (issue 15 §3, GDPR art. 17): their name and email and
//! the request bodies that carried them leave the store; what verification needs stays — each
//! credential as signed (its bytes are what the proof covers and what the holder presents),
//! its status entries, and the audit chain, which is never edited (an edit would break every
//! later hash) but gains an entry recording the erasure.

use super::audit::{self, Entry};
use super::{Actor, Context, ServiceError, ServiceResult};
use crate::domain::ids::CandidateId;
use crate::problem::ProblemCode;
use crate::store::ErasedRows;
use serde_json::json;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Erased {
    /// Exam attempts whose request body (and email) was removed.
    pub attempts: u64,
    /// Credentials whose stored holder name was removed (the signed document is kept).
    pub credentials: u64,
}

pub async fn erase_candidate(
    ctx: &Context,
    actor: &Actor,
    candidate_id: &str,
    reason: &str,
) -> ServiceResult<Erased> {
    let id = CandidateId::parse(candidate_id)
        .map_err(|e| ServiceError::invalid(ProblemCode::InvalidId, e.to_string()))?;
    let reason = crate::service::audit::reason(reason)?;
    let now = ctx.now().unix_timestamp();
    let mut tx = ctx.store.begin().await?;
    let erased = tx.erase_candidate(id.as_str()).await?;
    if erased == ErasedRows::default() {
        return Err(ServiceError::not_found("candidate"));
    }
    audit::append(
        tx.as_mut(),
        now,
        Entry {
            actor,
            action: "candidate.erase",
            credential_id: None,
            reason: Some(reason.to_owned()),
            detail: json!({"candidate_id": id.as_str(), "attempts": erased.attempts,
                           "credentials": erased.credentials}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Erased {
        attempts: erased.attempts,
        credentials: erased.credentials,
    })
}
