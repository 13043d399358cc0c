//! Which key may vouch for a proof: our own did:web keys (active, or retired but only for
//! signatures made before retirement), did:key (self-certifying), and did:web issuers named in
//! `trusted_issuers` (fetched through [`crate::service::outbound`]). Keys are never taken from
//! anything the presenter controls: no `jku`, `x5u`, `jwk` or `x5c` header is followed. The
//! cheap checks of every proof run before any key is resolved (which may fetch), and the
//! canonicalization runs last, on the CPU pool (VC Data Integrity §4.4).

use super::{Check, CheckKind, Status, check, proof_detail};
use crate::crypto::KeyRecord;
use crate::service::Context;
use crate::service::ServiceResult;
use crate::service::outbound::Outbound;
use crate::vc::did::{did_key, resolve_did_key};
use crate::vc::jwt::{self, UnverifiedJwt, issuer_id};
use crate::vc::proof::{cheap_checks, production_loader, proof_list, verify_proofs_limited};
use ed25519_dalek::VerifyingKey;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOrigin {
    Ours,
    Trusted,
    DidKey,
}

impl KeyOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ours => "this issuer",
            Self::Trusted => "trusted issuer",
            Self::DidKey => "did:key, issuer not known to us",
        }
    }
}

pub struct Resolver {
    our_did: String,
    ours: Arc<Vec<KeyRecord>>,
    trusted: Vec<String>,
    outbound: Outbound,
}

impl Resolver {
    /// `named`: the verification methods the presented proofs name; one of ours that the
    /// cached key records lack makes them be read again (a rotation elsewhere just now).
    pub async fn load(ctx: &Context, named: &[&str]) -> crate::service::ServiceResult<Self> {
        let our_did = ctx.identity.did_web.clone();
        let wanted: Vec<&str> = named
            .iter()
            .filter_map(|vm| vm.strip_prefix(our_did.as_str())?.strip_prefix('#'))
            .collect();
        Ok(Self {
            ours: crate::service::keys::records(ctx, &wanted).await?,
            our_did,
            trusted: ctx.config.trusted_issuers.clone(),
            outbound: ctx.outbound.clone(),
        })
    }

    /// The verification methods named by the first `max` proofs of a secured document (more
    /// are refused by the proof check anyway).
    pub fn named_by(doc: &Value, max: usize) -> Vec<&str> {
        match doc.get("proof") {
            Some(Value::Array(items)) => items
                .iter()
                .take(max)
                .filter_map(|p| p["verificationMethod"].as_str())
                .collect(),
            Some(p) => p["verificationMethod"].as_str().into_iter().collect(),
            None => Vec::new(),
        }
    }

    /// Whether the credential's issuer is us or a trusted issuer.
    pub fn issuer_origin(&self, credential: &Value) -> Option<KeyOrigin> {
        let issuer = issuer_id(credential)?;
        if issuer == self.our_did || self.ours.iter().any(|k| did_key(&k.public_key) == issuer) {
            Some(KeyOrigin::Ours)
        } else if self.trusted.contains(&issuer) {
            Some(KeyOrigin::Trusted)
        } else {
            None
        }
    }

    fn retired_check(record: &KeyRecord, signed_at: Option<OffsetDateTime>) -> Result<(), String> {
        match (record.retired_at, signed_at) {
            (Some(retired), Some(at)) if at > retired => Err(format!(
                "signed by {} on {} but that key was retired on {}",
                record.key_id,
                at.date(),
                retired.date()
            )),
            (Some(_), None) => Err(format!(
                "{} is retired and the proof has no creation time",
                record.key_id
            )),
            _ => Ok(()),
        }
    }

    /// The key for `vm`, which must belong to `issuer` (the DID that controls it).
    pub async fn resolve(
        &self,
        vm: &str,
        issuer: &str,
        signed_at: Option<OffsetDateTime>,
    ) -> Result<(VerifyingKey, KeyOrigin), String> {
        let (did, _) = vm
            .split_once('#')
            .ok_or_else(|| format!("`{vm}` is not a DID URL with a key fragment"))?;
        if did != issuer {
            return Err(format!(
                "the key {vm} is not controlled by the issuer {issuer}"
            ));
        }
        if did == self.our_did {
            let fragment = &vm[did.len() + 1..];
            let record = self
                .ours
                .iter()
                .find(|k| k.key_id == fragment)
                .ok_or_else(|| format!("{vm} is not one of this issuer's keys"))?;
            Self::retired_check(record, signed_at)?;
            return Ok((record.public_key, KeyOrigin::Ours));
        }
        if did.starts_with("did:key:") {
            let key =
                resolve_did_key(vm).ok_or_else(|| format!("{vm} is not an Ed25519 did:key"))?;
            if let Some(record) = self.ours.iter().find(|k| k.public_key == key) {
                Self::retired_check(record, signed_at)?;
                return Ok((key, KeyOrigin::Ours));
            }
            return Ok((key, KeyOrigin::DidKey));
        }
        if self.trusted.iter().any(|t| t == did) {
            return resolve_trusted_did_web(&self.outbound, did, vm)
                .await
                .map(|k| (k, KeyOrigin::Trusted));
        }
        Err(format!(
            "the issuer {did} is not trusted here, so its keys were not fetched"
        ))
    }
}

fn did_web_document_url(did: &str) -> Option<String> {
    let rest = did.strip_prefix("did:web:")?;
    let mut parts = rest.split(':');
    let host = parts.next()?.replace("%3A", ":");
    let path: Vec<&str> = parts.collect();
    Some(if path.is_empty() {
        format!("https://{host}/.well-known/did.json")
    } else {
        format!("https://{host}/{}/did.json", path.join("/"))
    })
}

async fn resolve_trusted_did_web(
    outbound: &Outbound,
    did: &str,
    vm: &str,
) -> Result<VerifyingKey, String> {
    let url = did_web_document_url(did).ok_or_else(|| format!("`{did}` is not a did:web"))?;
    // Fixed wording: what the remote side answered is not the presenter's business.
    let doc = outbound
        .fetch_json(&url)
        .await
        .map_err(|_| format!("the DID document of {did} could not be fetched"))?;
    crate::vc::did::key_from_did_document(&doc, did, vm)
}

/// `revisions` collects list revisions read on the way (see [`super::issued::record_check`]).
/// Errs only when the CPU pool refuses the work (`503 busy`).
pub async fn check_embedded(
    ctx: &Context,
    resolver: &Resolver,
    doc: &Value,
    revisions: &mut super::Revisions,
) -> ServiceResult<Check> {
    let fail = |m: String| Ok(check(CheckKind::Proof, Status::Failed, m));
    let max = ctx.config.limits.max_proofs();
    let proofs = match proof_list(doc, max) {
        Ok(p) if p.is_empty() => return fail("the credential carries no proof".into()),
        Ok(p) => p,
        Err(e) => return fail(e.to_string()),
    };
    // Cheap checks of every proof before any key is resolved or anything is hashed.
    for p in &proofs {
        if let Err(why) = cheap_checks(p) {
            let text = |k: &str| p[k].as_str().unwrap_or("(none)").to_owned();
            return fail(format!(
                "{} proof by {}: {why}",
                text("cryptosuite"),
                text("verificationMethod")
            ));
        }
    }
    let issuer = issuer_id(doc).unwrap_or_default();
    let mut keys = HashMap::new();
    for p in &proofs {
        let vm = p["verificationMethod"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if keys.contains_key(&vm) {
            continue;
        }
        let created = p["created"]
            .as_str()
            .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok());
        let resolved = resolver.resolve(&vm, &issuer, created).await;
        if let Err(why) = &resolved {
            // Refused before canonicalization: no key could vouch for it whatever it hashes to.
            let suite = p["cryptosuite"].as_str().unwrap_or_default();
            return fail(format!("{suite} proof by {vm}: {why}"));
        }
        keys.insert(vm, resolved);
    }
    let secured = doc.clone();
    let found = keys.clone();
    let verdicts = ctx
        .cpu
        .run(move || {
            let resolve = |vm: &str| -> Result<VerifyingKey, String> {
                found
                    .get(vm)
                    .cloned()
                    .unwrap_or_else(|| Err(format!("{vm} was not resolved")))
                    .map(|(k, _)| k)
            };
            verify_proofs_limited(&secured, &resolve, production_loader(), max)
        })
        .await?;
    let verdicts = match verdicts {
        Ok(v) => v,
        Err(e) => return fail(e.to_string()),
    };
    let mut details = Vec::new();
    for v in &verdicts {
        if let Err(why) = &v.result {
            return fail(format!(
                "{} proof by {}: {why}",
                v.cryptosuite, v.verification_method
            ));
        }
        let origin = keys
            .get(&v.verification_method)
            .and_then(|r| r.as_ref().ok())
            .map(|(_, o)| *o)
            .unwrap_or(KeyOrigin::DidKey);
        details.push(proof_detail(v, origin));
    }
    if let Err(why) = super::issued::record_check(ctx, doc, false, revisions).await {
        return fail(why);
    }
    Ok(check(CheckKind::Proof, Status::Passed, details.join("; ")))
}

const FORBIDDEN_HEADERS: [&str; 6] = ["jku", "x5u", "jwk", "x5c", "x5t", "crit"];

pub async fn check_jwt(
    ctx: &Context,
    resolver: &Resolver,
    token: &str,
    parsed: &UnverifiedJwt,
    revisions: &mut super::Revisions,
) -> Check {
    let fail = |m: String| check(CheckKind::Proof, Status::Failed, m);
    let alg = parsed
        .header
        .get("alg")
        .and_then(Value::as_str)
        .unwrap_or("(none)");
    if alg != "EdDSA" {
        return fail(format!(
            "JWT algorithm `{alg}` is not accepted (only EdDSA)"
        ));
    }
    if let Some(h) = FORBIDDEN_HEADERS
        .iter()
        .find(|h| parsed.header.contains_key(**h))
    {
        return fail(format!(
            "JWT header `{h}` is not accepted: keys come only from the issuer's DID"
        ));
    }
    if parsed.header.get("typ").is_some_and(|t| t != jwt::TYP) {
        return fail(format!("JWT `typ` must be `{}`", jwt::TYP));
    }
    let Some(kid) = parsed.header.get("kid").and_then(Value::as_str) else {
        return fail("the JWT has no `kid`".into());
    };
    let mut body = Value::Object(parsed.payload.clone());
    let issuer = issuer_id(&body).unwrap_or_default();
    if parsed
        .payload
        .get("iss")
        .is_some_and(|iss| iss != issuer.as_str())
    {
        return fail("the JWT `iss` differs from the credential's issuer".into());
    }
    let signed_at = parsed
        .payload
        .get("iat")
        .and_then(Value::as_i64)
        .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok());
    let (key, origin) = match resolver.resolve(kid, &issuer, signed_at).await {
        Ok(k) => k,
        Err(why) => return fail(why),
    };
    if let Err(why) = jwt::verify_signature(token, &key) {
        return fail(why);
    }
    if let Some(map) = body.as_object_mut() {
        for claim in ["iss", "jti", "iat", "nbf", "exp"] {
            map.remove(claim);
        }
    }
    if let Err(why) = super::issued::record_check(ctx, &body, true, revisions).await {
        return fail(why);
    }
    check(
        CheckKind::Proof,
        Status::Passed,
        format!("vc+jwt EdDSA, key {kid} ({})", origin.as_str()),
    )
}
