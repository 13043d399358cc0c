//! Revocation and suspension (W3C Bitstring Status List v1.0): random index allocation for
//! herd privacy (§5.1 "Herd privacy"), admin state changes with their audit entries, and the
//! published list credentials — signed once per change and served from cache (§2.2, §6.1
//! caching with `ttl`). A list credential is valid for `status_list_validity_seconds` only
//! (VC DM 2.0 §4.9 `validUntil`), so a superseded list replayed by someone stops passing soon.

use super::audit::{self, Entry};
use super::{Actor, Context, ServiceError, ServiceResult, keys, signing};
use crate::domain::ids::CredentialId;
use crate::domain::status::{
    ActionRefused, Bitstring, CredentialState, StatusAction, StatusPurpose, Transition,
};
use crate::domain::validity::CLOCK_SKEW;
use crate::store::{PublicationRow, StateChange, Tx};
use crate::vc::credential::{StatusRef, status_list_id};
use crate::vc::status_list;
use rand::Rng;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use time::{Duration, OffsetDateTime};

/// Rounds of random draws before falling back to listing what is taken (a nearly full list).
const RANDOM_PROBES: usize = 4;
/// Draws asked about in one query; the free ones left over serve the rest of a batch.
const DRAWS_PER_PROBE: usize = 32;

/// Picks a free index at random in the current list (opening a new list when it is full).
/// The credential row that takes it is inserted in the same transaction, and the
/// `(list_number, list_index)` unique constraint makes reuse impossible even across instances.
pub async fn allocate(
    ctx: &Context,
    tx: &mut dyn Tx,
    now: OffsetDateTime,
) -> ServiceResult<StatusRef> {
    let size = ctx.config.status_list_size;
    let (list_number, _) = tx.open_status_list(size, now.unix_timestamp()).await?;
    for _ in 0..RANDOM_PROBES {
        let draws: Vec<i64> = {
            let mut rng = rand::thread_rng();
            (0..DRAWS_PER_PROBE)
                .map(|_| i64::from(rng.gen_range(0..size)))
                .collect()
        };
        if let Some(index) = tx.free_index(list_number, &draws).await? {
            let index = u32::try_from(index)
                .map_err(|_| ServiceError::internal("status index out of range"))?;
            return Ok(StatusRef { list_number, index });
        }
    }
    // The list is nearly full: choose uniformly among what is left.
    let taken: HashSet<i64> = tx.taken_indexes(list_number).await?.into_iter().collect();
    let free: Vec<u32> = (0..size)
        .filter(|i| !taken.contains(&i64::from(*i)))
        .collect();
    let index = free
        .get(rand::thread_rng().gen_range(0..free.len().max(1)))
        .copied()
        .ok_or_else(|| ServiceError::internal("status list reported room but has none"))?;
    Ok(StatusRef { list_number, index })
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ChangeOutcome {
    pub credential_id: String,
    pub action: &'static str,
    pub state: &'static str,
    /// False when the credential was already in that state (a harmless repeat).
    pub changed: bool,
    pub reason: String,
    /// Credentials whose lineage depends on this one, and which were revoked with it.
    pub cascaded: Vec<String>,
    /// Dependents, direct and indirect and not yet revoked, left as they were (no cascade
    /// asked): what a cascade would revoke.
    pub dependents: Vec<String>,
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
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(ServiceError::invalid(
            "invalid_reason",
            "`reason` must be 1 to 500 characters",
        ));
    }
    let mut attempt = 0;
    loop {
        attempt += 1;
        match change_once(ctx, actor, id, action, reason, cascade).await {
            // A deadlock victim or serialization failure (PostgreSQL, several instances
            // changing related credentials at once): nothing was written, so run it again.
            Err(e) if e.code == "conflict" && attempt < RACE_RETRIES => continue,
            other => return other,
        }
    }
}

const RACE_RETRIES: usize = 3;

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
    let (state, changed) = apply(tx.as_mut(), actor, id, action, reason, now, None).await?;
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
                let (_, did_change) =
                    apply(tx.as_mut(), actor, &dep, action, &cause, now, Some(id)).await?;
                if did_change {
                    cascaded.push(dep.to_string());
                }
            } else if tx
                .credential(&dep)
                .await?
                .is_some_and(|r| r.state != "revoked")
            {
                // Everything a cascade would revoke, indirect dependents included.
                dependents.push(dep.to_string());
            }
            queue.extend(tx.dependents(&dep).await?);
        }
    }
    tx.commit().await?;
    crate::metrics::status_changed(action, usize::from(changed) + cascaded.len());
    Ok(ChangeOutcome {
        credential_id: id.to_string(),
        action: action.as_str(),
        state: state.as_str(),
        changed,
        reason: reason.to_owned(),
        cascaded,
        dependents,
    })
}

async fn apply(
    tx: &mut dyn Tx,
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
    let state = CredentialState::parse(&row.state)
        .ok_or_else(|| ServiceError::internal("stored state is invalid"))?;
    match state.apply(action) {
        Err(ActionRefused::RevokedIsFinal) => Err(ServiceError::conflict(
            "revoked_is_final",
            "the credential is revoked; revocation is final and cannot be reinstated or suspended",
        )),
        Ok(Transition::Unchanged(s)) => Ok((s, false)),
        Ok(Transition::Changed(new)) => {
            tx.set_state(
                id,
                &StateChange {
                    state: new.as_str().into(),
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
                    credential_id: Some(id.to_string()),
                    reason: Some(reason.into()),
                    detail: json!({"from": state.as_str(), "to": new.as_str(), "cause": cause.map(|c| c.to_string())}),
                },
            )
            .await?;
            Ok((new, true))
        }
    }
}

/// A signed list credential, ready to serve.
#[derive(Debug, Clone)]
pub struct Publication {
    pub list_id: String,
    pub revision: i64,
    pub etag: String,
    pub json: String,
    pub jwt: String,
    pub published_at: OffsetDateTime,
    pub valid_until: OffsetDateTime,
}

impl Publication {
    /// Built from `revision` or a later one (it then holds every change up to `revision`), and
    /// signed less than half of `validity` ago (counted from the signing, so a list signed
    /// under a longer configured validity is renewed on the new schedule), so that a copy
    /// fetched now stays valid for its whole cache period.
    fn fresh(&self, revision: i64, now: OffsetDateTime, validity: Duration) -> bool {
        self.revision >= revision
            && now < self.published_at + validity / 2
            && now < self.valid_until - validity / 2
    }

    fn from_row(row: PublicationRow) -> Option<Self> {
        Some(Self {
            list_id: row.list_id,
            revision: row.revision,
            etag: row.etag,
            json: row.json,
            jwt: row.jwt,
            published_at: OffsetDateTime::from_unix_timestamp(row.published_at).ok()?,
            valid_until: OffsetDateTime::from_unix_timestamp(row.valid_until).ok()?,
        })
    }
}

/// This instance's copy of the latest publications; the database is the truth (its revision
/// is checked on every fetch, so a change made by another instance is seen at once).
#[derive(Debug, Default)]
pub struct PublicationCache {
    latest: Mutex<HashMap<String, Arc<Publication>>>,
    /// One publisher at a time: the fetches that queue behind it find its fresh publication
    /// instead of each signing the same list again.
    publishing: tokio::sync::Mutex<()>,
}

impl PublicationCache {
    fn get(&self, list_id: &str) -> Option<Arc<Publication>> {
        self.latest
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(list_id)
            .cloned()
    }

    fn put(&self, publication: Arc<Publication>) {
        self.latest
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(publication.list_id.clone(), publication);
    }
}

pub fn parse_list_id(list_id: &str) -> Option<(StatusPurpose, i64)> {
    let (purpose, number) = list_id.rsplit_once('-')?;
    let number: i64 = number.parse().ok().filter(|n| *n > 0)?;
    (number.to_string().len() == list_id.len() - purpose.len() - 1).then_some(())?;
    Some((StatusPurpose::parse(purpose)?, number))
}

/// The current publication of a list, re-signed only if a status changed since, or if it is
/// halfway to expiry.
pub async fn publication(ctx: &Context, list_id: &str) -> ServiceResult<Arc<Publication>> {
    let (_, number) =
        parse_list_id(list_id).ok_or_else(|| ServiceError::not_found("status list"))?;
    publication_at(ctx, list_id, revision(ctx, number).await?).await
}

/// The current revision of list `number` (both purposes share it).
pub async fn revision(ctx: &Context, number: i64) -> ServiceResult<i64> {
    ctx.store
        .list_revision(number)
        .await?
        .ok_or_else(|| ServiceError::not_found("status list"))
}

/// The publication of a list at `revision` or later (a caller that already read the revision,
/// e.g. a verification checking both purposes, saves reading it again).
pub async fn publication_at(
    ctx: &Context,
    list_id: &str,
    revision: i64,
) -> ServiceResult<Arc<Publication>> {
    let (purpose, number) =
        parse_list_id(list_id).ok_or_else(|| ServiceError::not_found("status list"))?;
    if let Some(p) = cached(ctx, list_id, revision).await? {
        return Ok(p);
    }
    let _publisher = ctx.status_cache.publishing.lock().await;
    // Whoever held the lock before us may have just published what we need.
    if let Some(p) = cached(ctx, list_id, revision).await? {
        return Ok(p);
    }
    let now = ctx.now();
    let publication = Arc::new(publish(ctx, purpose, number, now).await?);
    ctx.status_cache.put(publication.clone());
    Ok(publication)
}

/// A fresh publication from this instance's cache or from the database, if there is one.
async fn cached(
    ctx: &Context,
    list_id: &str,
    revision: i64,
) -> ServiceResult<Option<Arc<Publication>>> {
    let now = ctx.now();
    let validity = list_validity(ctx);
    if let Some(p) = ctx
        .status_cache
        .get(list_id)
        .filter(|p| p.fresh(revision, now, validity))
    {
        return Ok(Some(p));
    }
    let stored = ctx
        .store
        .publication(list_id)
        .await?
        .and_then(Publication::from_row)
        .filter(|p| p.fresh(revision, now, validity))
        .map(Arc::new);
    if let Some(p) = &stored {
        ctx.status_cache.put(p.clone());
    }
    Ok(stored)
}

fn list_validity(ctx: &Context) -> Duration {
    Duration::seconds(i64::from(ctx.config.status_list_validity_seconds))
}

async fn publish(
    ctx: &Context,
    purpose: StatusPurpose,
    number: i64,
    now: OffsetDateTime,
) -> ServiceResult<Publication> {
    let mut tx = ctx.store.begin().await?;
    // The revision is read before the bits: a change committed after that read bumps the
    // revision, so the next fetch rebuilds. (On PostgreSQL each statement has its own snapshot;
    // bits can then only be newer than their label, never older.)
    let (revision, size, states) = tx.list_bits(number).await?;
    let mut bits =
        Bitstring::zeroed(u32::try_from(size).map_err(|_| ServiceError::internal("list size"))?);
    for (index, state) in states {
        let set = CredentialState::parse(&state).is_some_and(|s| s.bit(purpose));
        if set {
            bits.set(
                u32::try_from(index).map_err(|_| ServiceError::internal("list index"))?,
                true,
            );
        }
    }
    let (record, key) = keys::active_signer(ctx, tx.as_mut()).await?;
    let valid_until = now + list_validity(ctx);
    let issuer = ctx.identity.issuer_for(&record);
    let unsecured = status_list::build(&status_list::ListDraft {
        base_url: ctx.base_url(),
        issuer_id: &issuer,
        purpose,
        list_number: number,
        bits: &bits,
        // Dated back by the skew allowance: a verifier whose clock is behind ours must not
        // find a list re-signed at the moment of a change "not yet valid".
        valid_from: now - CLOCK_SKEW,
        valid_until,
        ttl_ms: u64::from(ctx.config.status_list_ttl_seconds) * 1000,
    });
    let (json, jwt) = signing::SigningJob::new(ctx, &record, &key, unsecured, now, None)?
        .run()?
        .into_parts();
    let digest = Sha256::digest(json.as_bytes());
    let etag = format!(
        "\"{revision}-{}\"",
        digest[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let list_id = status_list_id(purpose, number);
    let row = PublicationRow {
        list_id: list_id.clone(),
        revision,
        etag: etag.clone(),
        json: json.clone(),
        jwt: jwt.clone(),
        published_at: now.unix_timestamp(),
        valid_until: valid_until.unix_timestamp(),
    };
    tx.save_publication(&row).await?;
    tx.commit().await?;
    crate::metrics::status_list_published(purpose);
    Ok(Publication {
        list_id,
        revision,
        etag,
        json,
        jwt,
        published_at: now,
        valid_until,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_ids_parse_strictly() {
        assert_eq!(
            parse_list_id("revocation-1"),
            Some((StatusPurpose::Revocation, 1))
        );
        assert_eq!(
            parse_list_id("suspension-12"),
            Some((StatusPurpose::Suspension, 12))
        );
        for bad in [
            "revocation-0",
            "revocation-01",
            "revocation-",
            "x-1",
            "revocation-+1",
            "1",
        ] {
            assert_eq!(parse_list_id(bad), None, "{bad}");
        }
    }
}
