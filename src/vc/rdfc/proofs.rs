//! Proof sets and proof chains — W3C VC Data Integrity 1.0 §4.3 "Add Proof
//! Set/Chain" and §4.5 "Verify Proof Sets and Chains" — for eddsa-rdfc-2022,
//! plus `did:key` Ed25519 public key decoding (did:key method, Multikey).
//!
//! Which bytes a proof signs:
//! * every proof signs the document **without** its `proof` property;
//! * a proof with `previousProof` (a chain link) additionally signs the
//!   earlier proof(s) it names: the document is hashed with `proof` set to
//!   exactly those proof objects, `proofValue` included. That is what makes
//!   a chain ordered: altering or removing an earlier proof breaks every
//!   later one that references it;
//! * proofs without `previousProof` (a set) are independent of each other.
//!
//! This module computes the `hashData` each proof must verify against and
//! leaves the Ed25519 check to the caller's crypto library, so it carries no
//! signature code.

use super::eddsa::{CRYPTOSUITE, decode_multibase, rdfc_hash_data};
use super::error::CanonError;
use super::loader::ContextLoader;
use serde_json::{Map, Value};

/// Multicodec prefix of an Ed25519 public key (`ed-pub`, 0xed as varint).
const ED25519_PUB_MULTICODEC: [u8; 2] = [0xed, 0x01];

/// One proof of a secured document, ready for the signature check:
/// `Ed25519.verify(public_key(verification_method), hash_data, signature)`.
#[derive(Debug, Clone)]
pub struct ProofToVerify {
    /// Position of the proof in the document's `proof` list.
    pub index: usize,
    /// The proof object as found in the document.
    pub proof: Value,
    /// The proof's `verificationMethod` (a DID URL).
    pub verification_method: String,
    /// The decoded `proofValue` (64 bytes for a well-formed Ed25519 proof).
    pub signature: Vec<u8>,
    /// The 64-byte `hashData` this proof's signature must cover.
    pub hash_data: [u8; 64],
}

/// Computes, for every proof of `secured` (a single proof, a set or a chain),
/// the `hashData` its signature must verify against (VC DI §4.5).
///
/// Fails if a proof is not eddsa-rdfc-2022, lacks `proofValue` or
/// `verificationMethod`, names a `previousProof` that is not in the
/// document, or if canonicalization fails (including safe mode, if `safe`).
pub fn prepare_proof_verification(
    secured: &Value,
    loader: &ContextLoader,
    safe: bool,
) -> Result<Vec<ProofToVerify>, CanonError> {
    let Value::Object(doc) = secured else {
        return Err(invalid("the secured document must be a JSON object"));
    };
    let all_proofs: Vec<&Value> = match doc.get("proof") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(p @ Value::Object(_)) => vec![p],
        _ => return Err(invalid("the document has no proof")),
    };
    let mut without_proof = doc.clone();
    without_proof.remove("proof");

    all_proofs
        .iter()
        .enumerate()
        .map(|(index, proof)| {
            let Value::Object(proof_map) = proof else {
                return Err(invalid("each proof must be a JSON object"));
            };
            if proof_map.get("cryptosuite").and_then(Value::as_str) != Some(CRYPTOSUITE) {
                return Err(invalid(&format!("proof {index} is not {CRYPTOSUITE}")));
            }
            let signature = decode_multibase(
                proof_map
                    .get("proofValue")
                    .and_then(Value::as_str)
                    .ok_or_else(|| invalid(&format!("proof {index} has no proofValue")))?,
            )?;
            let verification_method = proof_map
                .get("verificationMethod")
                .and_then(Value::as_str)
                .ok_or_else(|| invalid(&format!("proof {index} has no verificationMethod")))?
                .to_owned();
            let mut options = proof_map.clone();
            options.remove("proofValue");

            let mut input = without_proof.clone();
            let matching = previous_proofs(proof_map, &all_proofs)?;
            if !matching.is_empty() {
                input.insert("proof".into(), Value::Array(matching));
            }
            apply_proof_context(&mut input, &options)?;
            let hash_data =
                rdfc_hash_data(&Value::Object(input), &Value::Object(options), loader, safe)?;
            Ok(ProofToVerify {
                index,
                proof: (*proof).clone(),
                verification_method,
                signature,
                hash_data,
            })
        })
        .collect()
}

/// The document a new proof must be created over (VC DI §4.3 "Add Proof
/// Set/Chain"): `secured` without `proof`, plus — when `proof_options` has
/// `previousProof` — the existing proofs it names as `proof`.
///
/// Pass the result as `unsecured` to [`rdfc_hash_data`], sign, then append the
/// finished proof to the *original* document's `proof` list.
pub fn input_document_for_new_proof(
    secured: &Value,
    proof_options: &Value,
) -> Result<Value, CanonError> {
    let (Value::Object(doc), Value::Object(options)) = (secured, proof_options) else {
        return Err(invalid("document and proof options must be JSON objects"));
    };
    let existing: Vec<&Value> = match doc.get("proof") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(p @ Value::Object(_)) => vec![p],
        _ => Vec::new(),
    };
    let mut input = doc.clone();
    input.remove("proof");
    let matching = previous_proofs(options, &existing)?;
    if !matching.is_empty() {
        input.insert("proof".into(), Value::Array(matching));
    }
    Ok(Value::Object(input))
}

/// The proofs of `all` whose `id` is named by `proof.previousProof`
/// (a string or a list of strings); an unknown id is an error.
fn previous_proofs(proof: &Map<String, Value>, all: &[&Value]) -> Result<Vec<Value>, CanonError> {
    let wanted: Vec<&str> = match proof.get("previousProof") {
        None => return Ok(Vec::new()),
        Some(Value::String(id)) => vec![id.as_str()],
        Some(Value::Array(ids)) => ids
            .iter()
            .map(|v| {
                v.as_str()
                    .ok_or_else(|| invalid("previousProof entries must be strings"))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(invalid(
                "previousProof must be a string or a list of strings",
            ));
        }
    };
    wanted
        .into_iter()
        .map(|id| {
            all.iter()
                .find(|p| p.get("id").and_then(Value::as_str) == Some(id))
                .map(|p| (*p).clone())
                .ok_or_else(|| {
                    invalid(&format!(
                        "previousProof {id} is not a proof of this document"
                    ))
                })
        })
        .collect()
}

/// eddsa-rdfc-2022 Verify Proof step 4: a proof that carries its own
/// `@context` must list a prefix of the document's, and that is the context
/// the document is then processed with.
fn apply_proof_context(
    input: &mut Map<String, Value>,
    options: &Map<String, Value>,
) -> Result<(), CanonError> {
    let Some(proof_ctx) = options.get("@context") else {
        return Ok(());
    };
    let as_list = |v: &Value| match v {
        Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    };
    let doc_ctx = input.get("@context").map(as_list).unwrap_or_default();
    let proof_list = as_list(proof_ctx);
    if !doc_ctx.starts_with(&proof_list) {
        return Err(invalid(
            "the proof's @context is not a prefix of the document's",
        ));
    }
    input.insert("@context".into(), proof_ctx.clone());
    Ok(())
}

/// The raw 32-byte Ed25519 public key of a `did:key` DID or DID URL
/// (`did:key:z6Mk…` or `did:key:z6Mk…#z6Mk…`): multibase base58-btc of the
/// multicodec `ed25519-pub` prefix (0xed 0x01) followed by the key.
pub fn ed25519_public_key_from_did_key(did_url: &str) -> Result<[u8; 32], CanonError> {
    let rest = did_url
        .strip_prefix("did:key:")
        .ok_or_else(|| CanonError::InvalidMultibase(format!("not a did:key: {did_url}")))?;
    let (id, fragment) = match rest.split_once('#') {
        Some((id, fragment)) => (id, Some(fragment)),
        None => (rest, None),
    };
    if fragment.is_some_and(|f| f != id) {
        return Err(CanonError::InvalidMultibase(format!(
            "did:key fragment does not match the key: {did_url}"
        )));
    }
    let bytes = decode_multibase(id)?;
    match bytes.strip_prefix(&ED25519_PUB_MULTICODEC) {
        Some(key) => <[u8; 32]>::try_from(key).map_err(|_| {
            CanonError::InvalidMultibase(format!("Ed25519 key is not 32 bytes: {did_url}"))
        }),
        None => Err(CanonError::InvalidMultibase(format!(
            "not an Ed25519 did:key (multicodec 0xed01): {did_url}"
        ))),
    }
}

fn invalid(msg: &str) -> CanonError {
    CanonError::InvalidInput(msg.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_key_decoding() {
        let did = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";
        let key = ed25519_public_key_from_did_key(did).expect("decodes");
        assert_eq!(
            ed25519_public_key_from_did_key(&format!(
                "{did}#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
            ))
            .expect("decodes"),
            key
        );
        assert!(ed25519_public_key_from_did_key(&format!("{did}#other")).is_err());
        assert!(ed25519_public_key_from_did_key("did:web:example.com").is_err());
        // A P-256 did:key (multicodec 0x1200) is not Ed25519.
        assert!(
            ed25519_public_key_from_did_key(
                "did:key:zDnaegE6RR3atJtHKwTRTWHsJ3kNHqFwv7n9YjTgmU7TyfU76"
            )
            .is_err()
        );
    }

    #[test]
    fn previous_proof_must_exist() {
        let doc = serde_json::json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "proof": [{"id": "urn:a", "type": "DataIntegrityProof"}]
        });
        let ok = input_document_for_new_proof(&doc, &serde_json::json!({"previousProof": "urn:a"}))
            .expect("found");
        assert_eq!(ok["proof"][0]["id"], "urn:a");
        let none = input_document_for_new_proof(&doc, &serde_json::json!({})).expect("set");
        assert!(none.get("proof").is_none());
        assert!(
            input_document_for_new_proof(&doc, &serde_json::json!({"previousProof": ["urn:b"]}))
                .is_err()
        );
    }
}
