//! Issuer identity: did:web (W3C did:web method §3.2, DID document at `/.well-known/did.json`)
//! and did:key (did:key v0.7, Ed25519 only), with Multikey verification methods
//! (Controlled Identifiers v1.0 §2.2.2) and the equivalent JWK Set (RFC 7517, RFC 8037 OKP).

use super::contexts::{DID_V1, MULTIKEY_V1};
use super::multibase::{ed25519_multikey, parse_ed25519_multikey};
use crate::crypto::KeyRecord;
use base64::Engine;
use ed25519_dalek::VerifyingKey;
use serde_json::{Value, json};

/// did:web of a base URL: host (port colon percent-encoded), then path segments joined by `:`.
pub fn did_web(base_url: &str) -> String {
    let rest = base_url
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    let mut parts = rest.split('/').filter(|s| !s.is_empty());
    let host = parts.next().unwrap_or_default().replace(':', "%3A");
    std::iter::once(host)
        .chain(parts.map(str::to_owned))
        .fold(String::from("did:web"), |did, part| format!("{did}:{part}"))
}

pub fn did_key(key: &VerifyingKey) -> String {
    format!("did:key:{}", ed25519_multikey(key))
}

/// The public key a did:key verification method names (`did:key:z…#z…`), if well-formed.
pub fn resolve_did_key(verification_method: &str) -> Option<VerifyingKey> {
    let rest = verification_method.strip_prefix("did:key:")?;
    let (id, fragment) = rest.split_once('#').unwrap_or((rest, rest));
    if id != fragment {
        return None;
    }
    parse_ed25519_multikey(id)
}

/// The Ed25519 key a fetched DID document publishes for `vm`, which it must also list as an
/// assertion method (Controlled Identifiers v1.0 §2.2.2, §2.3.3). The document comes from the
/// network, so every field is optional here and each absence is a reason, never a panic.
pub fn key_from_did_document(doc: &Value, did: &str, vm: &str) -> Result<VerifyingKey, String> {
    let asserts = doc["assertionMethod"]
        .as_array()
        .is_some_and(|a| a.iter().any(|m| m == vm || m["id"] == vm));
    if !asserts {
        return Err(format!("{vm} is not an assertion method of {did}"));
    }
    let method = doc["verificationMethod"]
        .as_array()
        .and_then(|ms| ms.iter().find(|m| m["id"] == vm))
        .ok_or_else(|| format!("{vm} is not in the DID document of {did}"))?;
    method["publicKeyMultibase"]
        .as_str()
        .and_then(parse_ed25519_multikey)
        .ok_or_else(|| format!("{vm} is not an Ed25519 Multikey"))
}

/// Which DID method names this issuer (config `did_method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DidMethod {
    /// `did:web` of `public_base_url`: the production identity, resolvable at
    /// `/.well-known/did.json`.
    Web,
    /// `did:key` of the active key: self-certifying, for local and test use.
    Key,
}

impl DidMethod {
    /// The configuration spelling: `web` or `key`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "web" => Some(Self::Web),
            "key" => Some(Self::Key),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Web => "web",
            Self::Key => "key",
        }
    }
}

/// How this deployment names itself and its keys.
#[derive(Debug, Clone)]
pub struct IssuerIdentity {
    pub method: DidMethod,
    pub did_web: String,
}

impl IssuerIdentity {
    pub fn new(method: DidMethod, base_url: &str) -> Self {
        Self {
            method,
            did_web: did_web(base_url),
        }
    }

    /// The issuer id credentials signed by this key carry.
    pub fn issuer_for(&self, key: &KeyRecord) -> String {
        match self.method {
            DidMethod::Web => self.did_web.clone(),
            DidMethod::Key => did_key(&key.public_key),
        }
    }

    pub fn verification_method(&self, key: &KeyRecord) -> String {
        match self.method {
            DidMethod::Web => format!("{}#{}", self.did_web, key.key_id),
            DidMethod::Key => {
                let mk = ed25519_multikey(&key.public_key);
                format!("did:key:{mk}#{mk}")
            }
        }
    }

    /// The did:web document: every key, active and retired, is a verification method and an
    /// assertion method, so credentials signed before a rotation keep verifying.
    pub fn did_document(&self, keys: &[KeyRecord]) -> Value {
        let did = &self.did_web;
        let methods: Vec<Value> = keys
            .iter()
            .map(|k| {
                json!({
                    "id": format!("{did}#{}", k.key_id),
                    "type": "Multikey",
                    "controller": did,
                    "publicKeyMultibase": ed25519_multikey(&k.public_key),
                })
            })
            .collect();
        let ids: Vec<Value> = keys
            .iter()
            .map(|k| Value::String(format!("{did}#{}", k.key_id)))
            .collect();
        json!({
            "@context": [DID_V1, MULTIKEY_V1],
            "id": did,
            "verificationMethod": methods,
            "assertionMethod": ids,
        })
    }

    /// The same keys as a JWK Set, `kid` = verification method id (what vc+jwt headers carry).
    pub fn jwks(&self, keys: &[KeyRecord]) -> Value {
        let keys: Vec<Value> = keys
            .iter()
            .map(|k| {
                json!({
                    "kty": "OKP",
                    "crv": "Ed25519",
                    "x": base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(k.public_key.as_bytes()),
                    "kid": self.verification_method(k),
                    "alg": "EdDSA",
                    "use": "sig",
                })
            })
            .collect();
        json!({ "keys": keys })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_web_encodes_port_and_path() {
        assert_eq!(did_web("http://localhost:8080"), "did:web:localhost%3A8080");
        assert_eq!(
            did_web("https://certs.example.com"),
            "did:web:certs.example.com"
        );
        assert_eq!(
            did_web("https://example.com/attest"),
            "did:web:example.com:attest"
        );
    }

    #[test]
    fn did_key_resolves_only_self_consistent_methods() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[1; 32]).verifying_key();
        let did = did_key(&key);
        let mk = did.trim_start_matches("did:key:");
        assert_eq!(resolve_did_key(&format!("{did}#{mk}")), Some(key));
        assert_eq!(resolve_did_key(&format!("{did}#other")), None);
        assert_eq!(resolve_did_key("did:web:x#key-1"), None);
    }
}
