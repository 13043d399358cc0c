//! Verified `hashData` of documents already seen — a cache in front of
//! W3C Data Integrity EdDSA Cryptosuites v1.0 §3.2.3 – §3.2.5
//! (transformation, proof configuration and hashing of eddsa-rdfc-2022).
//!
//! `hashData` is a pure function of the exact unsecured document, the exact
//! proof options, the context registry and safe mode, so it can be kept by
//! a digest of the first two (the registry owns the cache). A verifier that
//! sees the same credential again — every QR scan of `/v/{id}` — then pays a
//! digest and a signature check instead of a canonicalization. Only hashes
//! are kept, never verdicts: the signature is checked on every call.
//!
//! Safe mode: an entry computed with the safe-mode check serves both modes;
//! one computed without it serves only unchecked callers — except entries
//! the issuer adds for what it signs itself ([`rdfc_hash_data_issued`]).

use super::eddsa::rdfc_hash_data;
use super::error::CanonError;
use super::loader::ContextLoader;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// What is remembered for one (document, proof options) pair.
#[derive(Debug, Clone, Copy)]
pub(super) struct Seen {
    hash: [u8; 64],
    /// Whether the hash stands for a safe-mode-checked document.
    safe: bool,
}

/// Documents remembered before the cache starts again from empty: about
/// 100 bytes each, so a few MB at most.
pub(super) const CAPACITY: usize = 50_000;

/// SHA-256 over the serialized document and proof options, each
/// length-prefixed so that no two pairs share an encoding. serde_json keeps
/// key order, so the bytes are those received; a re-ordered copy is merely
/// a miss.
fn key(unsecured: &Value, proof_options: &Value) -> Result<[u8; 32], CanonError> {
    let mut h = Sha256::new();
    for part in [unsecured, proof_options] {
        let bytes = serde_json::to_vec(part)
            .map_err(|e| CanonError::InvalidInput(format!("cannot serialize JSON: {e}")))?;
        h.update((bytes.len() as u64).to_be_bytes());
        h.update(&bytes);
    }
    Ok(h.finalize().into())
}

/// [`rdfc_hash_data`], remembered: computed once per distinct (document,
/// proof options) pair, then served from the registry's cache.
pub fn rdfc_hash_data_cached(
    unsecured: &Value,
    proof_options: &Value,
    loader: &ContextLoader,
    safe: bool,
) -> Result<[u8; 64], CanonError> {
    let key = key(unsecured, proof_options)?;
    if let Some(seen) = loader.seen().get(&key)
        && (seen.safe || !safe)
    {
        return Ok(seen.hash);
    }
    let hash = rdfc_hash_data(unsecured, proof_options, loader, safe)?;
    loader.seen().put(key, Seen { hash, safe });
    Ok(hash)
}

/// `hashData` of a document the issuer built and is about to sign, entered
/// in the cache as if safe-mode checked, so that verifying the credential as
/// issued (a QR scan) costs a signature check.
///
/// Sound only for documents built by attest's own credential and status
/// list builders, whose every shape passes safe mode (asserted by the
/// differential tests in `tests/api/rdfc_fastpath.rs`); a document that differs
/// by one byte is a miss and gets the full check.
pub fn rdfc_hash_data_issued(
    unsecured: &Value,
    proof_options: &Value,
    loader: &ContextLoader,
) -> Result<[u8; 64], CanonError> {
    let key = key(unsecured, proof_options)?;
    if let Some(seen) = loader.seen().get(&key) {
        return Ok(seen.hash);
    }
    let hash = rdfc_hash_data(unsecured, proof_options, loader, false)?;
    loader.seen().put(key, Seen { hash, safe: true });
    Ok(hash)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn options() -> Value {
        json!({"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022",
               "created": "2026-11-20T15:00:00Z"})
    }

    #[test]
    fn unchecked_entries_do_not_serve_safe_mode() {
        let loader = ContextLoader::new();
        let doc = json!({"@context": ["https://www.w3.org/ns/credentials/v2"],
                         "type": "VerifiableCredential", "nickname": "undefined term"});
        let unchecked = rdfc_hash_data_cached(&doc, &options(), &loader, false).expect("hashes");
        assert!(matches!(
            rdfc_hash_data_cached(&doc, &options(), &loader, true),
            Err(CanonError::UndefinedTerm(_))
        ));
        assert_eq!(
            rdfc_hash_data_cached(&doc, &options(), &loader, false).expect("remembered"),
            unchecked
        );
    }

    #[test]
    fn what_the_issuer_signed_is_found_by_safe_verification() {
        let loader = ContextLoader::new();
        // An undefined term shows that the hit skipped canonicalization entirely (only an
        // issuer bug could produce such a credential; see `rdfc_hash_data_issued`).
        let doc = json!({"@context": ["https://www.w3.org/ns/credentials/v2"],
                         "type": "VerifiableCredential", "nickname": "undefined term"});
        let issued = rdfc_hash_data_issued(&doc, &options(), &loader).expect("hashes");
        assert_eq!(
            rdfc_hash_data_cached(&doc, &options(), &loader, true).expect("remembered"),
            issued
        );
        assert!(rdfc_hash_data_cached(&doc, &options(), &ContextLoader::new(), true).is_err());
    }

    #[test]
    fn a_changed_byte_is_a_miss() {
        let loader = ContextLoader::new();
        let doc = json!({"@context": ["https://www.w3.org/ns/credentials/v2"],
                         "type": "VerifiableCredential", "name": "A"});
        let a = rdfc_hash_data_cached(&doc, &options(), &loader, true).expect("hashes");
        assert_eq!(
            rdfc_hash_data_cached(&doc, &options(), &loader, true).expect("hit"),
            a
        );
        let mut other = doc.clone();
        other["name"] = "B".into();
        let b = rdfc_hash_data_cached(&other, &options(), &loader, true).expect("hashes");
        assert_ne!(a[32..], b[32..]);
        assert_eq!(
            b,
            rdfc_hash_data(&other, &options(), &loader, true).expect("fresh")
        );
    }
}
