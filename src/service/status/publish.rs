//! Published status list credentials (W3C Bitstring Status List v1.0 §2.2, §6.1 caching with
//! `ttl`): signed once per change and served from cache; valid for
//! `status_list_validity_seconds` only (VC DM 2.0 §4.9 `validUntil`), so a superseded list
//! replayed by someone stops passing soon.

use crate::domain::status::{Bitstring, StatusPurpose};
use crate::domain::validity::CLOCK_SKEW;
use crate::service::{Context, ServiceError, ServiceResult, keys, signing};
use crate::store::PublicationRow;
use crate::vc::credential::status_list_id;
use crate::vc::status_list;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use time::{Duration, OffsetDateTime};

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
    let listed = tx.list_bits(number).await?;
    let revision = listed.revision;
    let mut bits = Bitstring::zeroed(
        u32::try_from(listed.size).map_err(|_| ServiceError::internal("list size"))?,
    );
    for bit in listed.set {
        if bit.state.bit(purpose) {
            bits.set(
                u32::try_from(bit.index).map_err(|_| ServiceError::internal("list index"))?,
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
