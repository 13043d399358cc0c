//! Key proofs of type `jwt` (OID4VCI 1.0 §8.2 `proofs`, Appendix F.1): the holder shows it
//! holds the key the wallet copy is bound to. Accepted: `typ` `openid4vci-proof+jwt`, `alg`
//! `EdDSA`, the key named by `kid` as a did:key or did:jwk DID URL, or given as a public `jwk`
//! (which becomes a did:jwk); `aud` the credential issuer; `iat` recent; `nonce` a c_nonce
//! from our nonce endpoint (checked and used up by the caller, in its transaction). The key is
//! decoded from the DID itself, never from a resolver.

use super::{Oid4vciError, Oid4vciResult};
use crate::vc::{did, jwt};
use base64::Engine;
use ed25519_dalek::VerifyingKey;
use serde_json::{Map, Value, json};

pub const PROOF_TYP: &str = "openid4vci-proof+jwt";
/// How far `iat` may lie in the past (a proof is made just before the request) …
pub const MAX_AGE_SECONDS: i64 = 300;
/// … and in the future (clock skew between phone and server).
pub const MAX_SKEW_SECONDS: i64 = 60;

/// The holder's key, and the DID the copy names as `credentialSubject.id`.
#[derive(Debug, Clone)]
pub struct Holder {
    pub did: String,
    pub key: VerifyingKey,
}

/// A proof whose signature, audience and time verified; its nonce is still to be used up.
#[derive(Debug, Clone)]
pub struct CheckedProof {
    pub holder: Holder,
    pub nonce: String,
}

fn part(text: &str) -> Option<Map<String, Value>> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// An Ed25519 public JWK (RFC 8037 §2) → key; private members are refused outright.
fn okp_key(jwk: &Map<String, Value>) -> Result<VerifyingKey, String> {
    if jwk.contains_key("d") {
        return Err("the JWK carries a private key".into());
    }
    if jwk.get("kty").and_then(Value::as_str) != Some("OKP")
        || jwk.get("crv").and_then(Value::as_str) != Some("Ed25519")
    {
        return Err("only Ed25519 (kty OKP, crv Ed25519) holder keys are supported".into());
    }
    let x = jwk
        .get("x")
        .and_then(Value::as_str)
        .and_then(|x| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(x)
                .ok()
        })
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or("the JWK's `x` is not a 32-byte base64url key")?;
    VerifyingKey::from_bytes(&x).map_err(|_| "the JWK's `x` is not an Ed25519 point".into())
}

/// The did:jwk of a public Ed25519 key (did:jwk §2: base64url of the JWK's JSON).
pub fn did_jwk(key: &VerifyingKey) -> String {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let jwk = json!({"crv": "Ed25519", "kty": "OKP", "x": b64.encode(key.as_bytes())});
    format!("did:jwk:{}", b64.encode(jwk.to_string().as_bytes()))
}

/// The holder named by a `kid` DID URL.
fn holder_of_kid(kid: &str) -> Result<Holder, String> {
    let did = kid.split_once('#').map_or(kid, |(d, _)| d).to_owned();
    if did.starts_with("did:key:") {
        let key = did::resolve_did_key(kid)
            .or_else(|| did::resolve_did_key(&did))
            .ok_or("the did:key is not an Ed25519 did:key (z6Mk…) with a matching fragment")?;
        return Ok(Holder { did, key });
    }
    if let Some(encoded) = did.strip_prefix("did:jwk:") {
        if kid != did && !kid.ends_with("#0") {
            return Err("a did:jwk key is named by the fragment #0".into());
        }
        let jwk = part(encoded).ok_or("the did:jwk is not base64url JSON")?;
        let key = okp_key(&jwk)?;
        return Ok(Holder { did, key });
    }
    Err("`kid` must be a did:key or did:jwk DID URL".into())
}

/// Verifies one `jwt` key proof for `audience` (our credential issuer identifier) at `now`.
pub fn check(proof: &str, audience: &str, now: i64) -> Oid4vciResult<CheckedProof> {
    let bad = |why: String| Oid4vciError::invalid_proof(why);
    let mut parts = proof.trim().split('.');
    let (Some(h), Some(p), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("the proof is not a compact JWS".into()));
    };
    let header = part(h).ok_or_else(|| bad("the proof's header is not base64url JSON".into()))?;
    let claims = part(p).ok_or_else(|| bad("the proof's payload is not base64url JSON".into()))?;
    if header.get("typ").and_then(Value::as_str) != Some(PROOF_TYP) {
        return Err(bad(format!("the proof's `typ` must be `{PROOF_TYP}`")));
    }
    if header.get("alg").and_then(Value::as_str) != Some("EdDSA") {
        return Err(bad("the proof's `alg` must be EdDSA".into()));
    }
    let holder = match (header.get("kid"), header.get("jwk"), header.get("x5c")) {
        (Some(Value::String(kid)), None, None) => holder_of_kid(kid).map_err(bad)?,
        (None, Some(Value::Object(jwk)), None) => {
            let key = okp_key(jwk).map_err(bad)?;
            Holder {
                did: did_jwk(&key),
                key,
            }
        }
        _ => {
            return Err(bad(
                "the proof must name its key by exactly one of `kid` (did:key, did:jwk) or `jwk`"
                    .into(),
            ));
        }
    };
    jwt::verify_signature(proof, &holder.key).map_err(bad)?;
    let audience_ok = match claims.get("aud") {
        Some(Value::String(aud)) => aud == audience,
        Some(Value::Array(auds)) => auds.iter().any(|a| a == audience),
        _ => false,
    };
    if !audience_ok {
        return Err(bad(format!("the proof's `aud` must be `{audience}`")));
    }
    let iat = claims
        .get("iat")
        .and_then(Value::as_i64)
        .ok_or_else(|| bad("the proof has no numeric `iat`".into()))?;
    if iat < now - MAX_AGE_SECONDS || iat > now + MAX_SKEW_SECONDS {
        return Err(bad("the proof's `iat` is not recent".into()));
    }
    let nonce = claims
        .get("nonce")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| bad("the proof has no `nonce`: fetch one from the nonce endpoint".into()))?;
    Ok(CheckedProof {
        holder,
        nonce: nonce.to_owned(),
    })
}
