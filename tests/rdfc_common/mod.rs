//! Shared test helpers: W3C vectors, the spec's test key, loaders.
#![allow(dead_code)]

pub mod ob;

use attest::vc::rdfc::ContextLoader;
use ed25519_dalek::{Signature, SigningKey, Verifier, VerifyingKey};
use serde_json::Value;

/// Read-only W3C vc-di-eddsa test vectors (see PROVENANCE.md there).
pub const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/vc-di-eddsa");

/// Secret key of vc-di-eddsa §A "Representation: eddsa-rdfc-2022",
/// "Private and Public keys for Signature" (also `TestVectors/keyPair.json`).
pub const SPEC_SECRET_KEY_MULTIBASE: &str = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq";
/// Its public key.
pub const SPEC_PUBLIC_KEY_MULTIBASE: &str = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";

pub fn vector(name: &str) -> Value {
    let text = std::fs::read_to_string(format!("{VECTORS}/{name}")).expect("vector readable");
    serde_json::from_str(&text).expect("vector is JSON")
}

pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/rdfc/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture readable")
}

/// Production contexts + the two test-vector contexts.
pub fn test_loader() -> ContextLoader {
    ContextLoader::with_test_vector_contexts()
}

/// Production contexts (the embedded OB 3.0.3 revision is the corrected one).
pub fn ob_loader() -> ContextLoader {
    ContextLoader::new()
}

/// The spec's signing key: multibase base58-btc of multicodec
/// `ed25519-priv` (0x1300, varint 0x80 0x26) followed by the 32-byte seed.
pub fn spec_signing_key() -> SigningKey {
    let bytes = attest::vc::rdfc::decode_multibase(SPEC_SECRET_KEY_MULTIBASE).expect("multibase");
    let seed = bytes
        .strip_prefix(&[0x80, 0x26])
        .expect("ed25519-priv multicodec");
    SigningKey::from_bytes(&seed.try_into().expect("32-byte seed"))
}

pub fn verifying_key_from_did(did_url: &str) -> VerifyingKey {
    attest::vc::did::resolve_did_key(did_url).expect("an Ed25519 did:key")
}

pub fn verify(key: &VerifyingKey, hash_data: &[u8; 64], signature: &[u8]) -> bool {
    Signature::from_slice(signature).is_ok_and(|sig| key.verify(hash_data, &sig).is_ok())
}

/// `doc` without its `proof`, and the proof without `proofValue`.
pub fn split_proof(doc: &Value) -> (Value, Value) {
    let mut unsecured = doc.clone();
    let mut proof = unsecured
        .as_object_mut()
        .expect("object")
        .remove("proof")
        .expect("has proof");
    proof
        .as_object_mut()
        .expect("proof object")
        .remove("proofValue");
    (unsecured, proof)
}

/// Production and test-vector contexts.
pub fn all_loader() -> ContextLoader {
    test_loader()
}

/// xorshift64*: deterministic without a dependency, so a failure names a reproducible seed.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}
