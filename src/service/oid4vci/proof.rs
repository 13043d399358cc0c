//! Key proofs of type `jwt` (OID4VCI 1.0 §8.2 `proofs`, Appendix F.1): the holder shows it
//! holds the key the wallet copy is bound to. Accepted: `typ` `openid4vci-proof+jwt`; `alg`
//! `EdDSA` (Ed25519, RFC 8037) or `ES256` (P-256, RFC 7518 §3.4); the key named by `kid` as a
//! did:key (multicodec ed25519-pub or p256-pub) or did:jwk DID URL, or given as a public `jwk`
//! (which becomes a did:jwk); `aud` the credential issuer; `iat` recent; `nonce` a c_nonce
//! from our nonce endpoint (checked and used up by the caller, in its transaction). The key is
//! decoded from the DID itself, never fetched from a resolver.

use super::{Oid4vciError, Oid4vciResult};
use crate::vc::{did, jwt};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

pub const PROOF_TYP: &str = "openid4vci-proof+jwt";
/// How far `iat` may lie in the past (a proof is made just before the request) …
pub const MAX_AGE_SECONDS: i64 = 300;
/// … and in the future (clock skew between phone and server).
pub const MAX_SKEW_SECONDS: i64 = 60;
/// did:key multicodec prefix of a compressed P-256 public key (p256-pub, varint 0x1200).
const P256_MULTICODEC: [u8; 2] = [0x80, 0x24];

/// A holder's public key, of one of the two kinds we verify.
#[derive(Debug, Clone)]
pub enum HolderKey {
    Ed25519(ed25519_dalek::VerifyingKey),
    P256(p256::ecdsa::VerifyingKey),
}

impl HolderKey {
    fn alg(&self) -> &'static str {
        match self {
            HolderKey::Ed25519(_) => "EdDSA",
            HolderKey::P256(_) => "ES256",
        }
    }

    /// The public JWK (RFC 8037 §2, RFC 7518 §6.2.1), members in lexicographic order.
    fn jwk(&self) -> Value {
        match self {
            HolderKey::Ed25519(k) => {
                json!({"crv": "Ed25519", "kty": "OKP", "x": URL_SAFE_NO_PAD.encode(k.as_bytes())})
            }
            HolderKey::P256(k) => {
                let point = k.to_encoded_point(false);
                let coordinate = |c: Option<&[u8]>| URL_SAFE_NO_PAD.encode(c.unwrap_or_default());
                json!({"crv": "P-256", "kty": "EC", "x": coordinate(point.x().map(|x| &x[..])),
                       "y": coordinate(point.y().map(|y| &y[..]))})
            }
        }
    }

    /// Verifies the JWS signature over `header.payload` (RFC 7515 §5.2).
    fn verify(&self, proof: &str) -> Result<(), String> {
        match self {
            HolderKey::Ed25519(k) => jwt::verify_signature(proof, k),
            HolderKey::P256(k) => {
                use p256::ecdsa::signature::Verifier;
                let (input, signature) = proof
                    .rsplit_once('.')
                    .ok_or("the proof is not a compact JWS")?;
                let bytes = URL_SAFE_NO_PAD
                    .decode(signature)
                    .map_err(|_| "the signature is not base64url")?;
                let signature = p256::ecdsa::Signature::from_slice(&bytes)
                    .map_err(|_| "the signature is not an ES256 (r || s) signature")?;
                k.verify(input.as_bytes(), &signature)
                    .map_err(|_| "the proof's signature does not match".to_owned())
            }
        }
    }
}

/// The holder's key, and the DID the copy names as `credentialSubject.id`.
#[derive(Debug, Clone)]
pub struct Holder {
    pub did: String,
    pub key: HolderKey,
}

/// A proof whose signature, audience and time verified; its nonce is still to be used up.
#[derive(Debug, Clone)]
pub struct CheckedProof {
    pub holder: Holder,
    pub nonce: String,
}

fn part(text: &str) -> Option<Map<String, Value>> {
    let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn coordinate(jwk: &Map<String, Value>, name: &str, len: usize) -> Result<Vec<u8>, String> {
    jwk.get(name)
        .and_then(Value::as_str)
        .and_then(|v| URL_SAFE_NO_PAD.decode(v).ok())
        .filter(|b| b.len() == len)
        .ok_or_else(|| format!("the JWK's `{name}` is not a {len}-byte base64url value"))
}

/// A public JWK → key; private members are refused outright.
fn jwk_key(jwk: &Map<String, Value>) -> Result<HolderKey, String> {
    if jwk.contains_key("d") {
        return Err("the JWK carries a private key".into());
    }
    let member = |name: &str| jwk.get(name).and_then(Value::as_str);
    match (member("kty"), member("crv")) {
        (Some("OKP"), Some("Ed25519")) => {
            let x: [u8; 32] = coordinate(jwk, "x", 32)?
                .try_into()
                .map_err(|_| "bad `x`")?;
            ed25519_dalek::VerifyingKey::from_bytes(&x)
                .map(HolderKey::Ed25519)
                .map_err(|_| "the JWK's `x` is not an Ed25519 point".into())
        }
        (Some("EC"), Some("P-256")) => {
            let mut sec1 = vec![0x04];
            sec1.extend(coordinate(jwk, "x", 32)?);
            sec1.extend(coordinate(jwk, "y", 32)?);
            p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1)
                .map(HolderKey::P256)
                .map_err(|_| "the JWK is not a P-256 point".into())
        }
        _ => Err("holder keys must be Ed25519 (OKP) or P-256 (EC)".into()),
    }
}

/// The did:jwk of a public key (did:jwk §2: base64url of the JWK's JSON).
pub fn did_jwk(key: &HolderKey) -> String {
    format!(
        "did:jwk:{}",
        URL_SAFE_NO_PAD.encode(key.jwk().to_string().as_bytes())
    )
}

/// The key of a did:key (its method-specific id), Ed25519 or P-256.
fn did_key_key(did: &str) -> Result<HolderKey, String> {
    if let Some(key) = did::resolve_did_key(did) {
        return Ok(HolderKey::Ed25519(key));
    }
    let bytes = did
        .strip_prefix("did:key:z")
        .and_then(|b58| bs58::decode(b58).into_vec().ok())
        .ok_or("the did:key is not base58btc")?;
    match bytes.strip_prefix(&P256_MULTICODEC) {
        Some(point) => p256::ecdsa::VerifyingKey::from_sec1_bytes(point)
            .map(HolderKey::P256)
            .map_err(|_| "the did:key is not a P-256 point".into()),
        None => Err("the did:key is neither Ed25519 (z6Mk…) nor P-256 (zDn…)".into()),
    }
}

/// The holder named by a `kid` DID URL.
fn holder_of_kid(kid: &str) -> Result<Holder, String> {
    let (did, fragment) = kid.split_once('#').unwrap_or((kid, ""));
    let did = did.to_owned();
    if let Some(id) = did.strip_prefix("did:key:") {
        if !fragment.is_empty() && fragment != id {
            return Err("a did:key key is named by its own id as fragment".into());
        }
        let key = did_key_key(&did)?;
        return Ok(Holder { did, key });
    }
    if let Some(encoded) = did.strip_prefix("did:jwk:") {
        if !fragment.is_empty() && fragment != "0" {
            return Err("a did:jwk key is named by the fragment #0".into());
        }
        let jwk = part(encoded).ok_or("the did:jwk is not base64url JSON")?;
        let key = jwk_key(&jwk)?;
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
    let holder = match (header.get("kid"), header.get("jwk"), header.get("x5c")) {
        (Some(Value::String(kid)), None, None) => holder_of_kid(kid).map_err(bad)?,
        (None, Some(Value::Object(jwk)), None) => {
            let key = jwk_key(jwk).map_err(bad)?;
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
    // The algorithm follows from the key; a header naming another one is refused, never obeyed.
    if header.get("alg").and_then(Value::as_str) != Some(holder.key.alg()) {
        return Err(bad(format!(
            "the proof's `alg` must be {} for this key",
            holder.key.alg()
        )));
    }
    holder.key.verify(proof.trim()).map_err(bad)?;
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
