//! Digests of related resources we hold (VC Data Model 2.0 §5.3): an embedded context (its
//! bytes as embedded, which are the bytes published at its URL) or one of our credentials (its
//! JSON exactly as we serve it, as lineage digests are taken). The issuer refuses a mismatch;
//! the verifier fails it. A resource we do not hold is never fetched: its digest is left for
//! whoever retrieves it, and the verdict says so.

use super::Context;
use crate::domain::ids::CredentialId;
use crate::store::CredentialRow;
use crate::vc::related::{digests_match, entries, held_context};
use serde_json::Value;
use std::collections::HashMap;

/// At most this many of our credentials are read for one document; the digests of any
/// further ones are reported as not checked (a document could name thousands).
const MAX_READS: usize = 16;

/// Our credentials read while checking one document, so that the checks that follow the same
/// link (relatedResource digests, then lineage) read each row once. A read that failed counts
/// as not held, as each check treated it before.
#[derive(Default)]
pub struct HeldRows(HashMap<CredentialId, Option<CredentialRow>>);

impl HeldRows {
    pub async fn get(&mut self, ctx: &Context, id: &CredentialId) -> Option<&CredentialRow> {
        if !self.0.contains_key(id) {
            let row = ctx.store.credential(id).await.ok().flatten();
            self.0.insert(*id, row);
        }
        self.0.get(id).and_then(Option::as_ref)
    }
}

/// What became of one `relatedResource` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Matches(String),
    Mismatch(String),
    NotHeld(String),
}

/// Compares every well-formed entry against what we hold (malformed entries are
/// `vc::check`'s concern, so none are reported here).
pub async fn compare(ctx: &Context, credential: &Value, rows: &mut HeldRows) -> Vec<Outcome> {
    let Ok(list) = entries(credential) else {
        return Vec::new();
    };
    let ours = format!("{}/credentials/", ctx.base_url());
    let mut out = Vec::with_capacity(list.len());
    let mut reads = 0;
    for entry in list {
        let url = entry["id"].as_str().unwrap_or_default().to_owned();
        let held: Option<Vec<u8>> = if let Some(doc) = held_context(&url) {
            Some(doc.as_bytes().to_vec())
        } else if let Some(id) = url
            .strip_prefix(&ours)
            .and_then(|u| CredentialId::parse(u).ok())
            .filter(|_| reads < MAX_READS)
        {
            reads += 1;
            rows.get(ctx, &id)
                .await
                .map(|row| row.json.as_bytes().to_vec())
        } else {
            None
        };
        out.push(match held {
            None => Outcome::NotHeld(url),
            Some(bytes) if digests_match(entry, &bytes) => Outcome::Matches(url),
            Some(_) => Outcome::Mismatch(url),
        });
    }
    out
}

/// The first mismatch, for the issuer to refuse.
pub fn first_mismatch(outcomes: &[Outcome]) -> Option<&str> {
    outcomes.iter().find_map(|o| match o {
        Outcome::Mismatch(url) => Some(url.as_str()),
        _ => None,
    })
}
