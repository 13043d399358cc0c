//! The official eddsa-jcs-2022 vector (W3C vc-di-eddsa TestVectors/eddsa-jcs-2022/signedJCS.json)
//! reproduced byte for byte by our signer: Ed25519 is deterministic, so the same key, options
//! and document must give the same proofValue.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use attest::crypto::IssuerKey;
use attest::vc::did::resolve_did_key;
use attest::vc::proof::{Cryptosuite, ProofOptions, create_proof, verify_proofs};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const VECTOR: &str = include_str!("../vectors/vc-di-eddsa/eddsa-jcs-2022-signedJCS.json");
/// vc-di-eddsa "Private and Public keys for Signature": multibase of multicodec ed25519-priv.
const SECRET_KEY_MULTIBASE: &str = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq";

fn spec_key() -> IssuerKey {
    let bytes = bs58::decode(&SECRET_KEY_MULTIBASE[1..]).into_vec().unwrap();
    assert_eq!(&bytes[..2], &[0x80, 0x26], "ed25519-priv multicodec");
    IssuerKey::from_secret_bytes("spec", bytes[2..].try_into().unwrap())
}

#[test]
fn signer_reproduces_the_official_jcs_vector() {
    let signed: Value = serde_json::from_str(VECTOR).unwrap();
    let mut unsecured = signed.clone();
    let expected = unsecured.as_object_mut().unwrap().remove("proof").unwrap();
    let key = spec_key();
    assert_eq!(
        attest::vc::multibase::ed25519_multikey(&key.public_key()),
        "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
    );
    let options = ProofOptions {
        cryptosuite: Cryptosuite::EddsaJcs2022,
        verification_method: expected["verificationMethod"].as_str().unwrap().to_owned(),
        created: OffsetDateTime::parse(expected["created"].as_str().unwrap(), &Rfc3339).unwrap(),
    };
    let proof = create_proof(&unsecured, &options, |m| key.sign(m)).unwrap();
    assert_eq!(
        proof, expected,
        "proof reproduced exactly, proofValue included"
    );
}

#[test]
fn verifier_accepts_the_vector_and_refuses_any_change() {
    let signed: Value = serde_json::from_str(VECTOR).unwrap();
    let resolve = |vm: &str| resolve_did_key(vm).ok_or_else(|| "not a did:key".to_owned());
    let verdicts = verify_proofs(&signed, &resolve).unwrap();
    assert_eq!(verdicts.len(), 1);
    assert_eq!(verdicts[0].result, Ok(()));
    let mut changed = signed.clone();
    changed["credentialSubject"]["alumniOf"] = "Another School".into();
    assert!(
        verify_proofs(&changed, &resolve).unwrap()[0]
            .result
            .is_err()
    );
}
