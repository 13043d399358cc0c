//! Checks of signed output that share no code with the signer: JCS by `serde_jcs` (not the
//! canonicalizer the server uses), Ed25519 by ed25519-dalek directly, base58 and base64 by
//! hand, keys taken from the published DID document and JWK Set over HTTP.

use base64::Engine;
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use serde_json::Value;
use sha2::{Digest, Sha256};

pub fn b64url(text: &str) -> Vec<u8> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .expect("base64url")
}

/// The key a did:web verification method names, from the DID document as published.
pub fn key_from_did_document(doc: &Value, verification_method: &str) -> VerifyingKey {
    let assertion: Vec<&str> = doc["assertionMethod"]
        .as_array()
        .expect("assertionMethod")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        assertion.contains(&verification_method),
        "{verification_method} is not an assertion method"
    );
    let vm = doc["verificationMethod"]
        .as_array()
        .expect("verificationMethod")
        .iter()
        .find(|m| m["id"] == verification_method)
        .expect("verification method published");
    assert_eq!(vm["type"], "Multikey");
    let multibase = vm["publicKeyMultibase"]
        .as_str()
        .expect("publicKeyMultibase");
    let bytes = bs58::decode(&multibase[1..]).into_vec().expect("base58btc");
    assert_eq!(&multibase[..1], "z");
    assert_eq!(&bytes[..2], &[0xed, 0x01], "ed25519-pub multicodec");
    VerifyingKey::from_bytes(bytes[2..].try_into().expect("32 bytes")).expect("key")
}

/// eddsa-jcs-2022 verification (vc-di-eddsa §3.3.2), written out step by step.
pub fn verify_jcs_proof(credential: &Value, key: &VerifyingKey) -> Result<(), String> {
    let mut document = credential.clone();
    let proof = document
        .as_object_mut()
        .expect("object")
        .remove("proof")
        .expect("proof");
    assert_eq!(proof["cryptosuite"], "eddsa-jcs-2022");
    let mut config = proof.clone();
    let proof_value = config
        .as_object_mut()
        .expect("object")
        .remove("proofValue")
        .expect("proofValue");
    let proof_value = proof_value.as_str().expect("string");
    let signature = bs58::decode(proof_value.strip_prefix('z').expect("base58btc"))
        .into_vec()
        .expect("base58");
    let mut hash = Sha256::digest(serde_jcs::to_string(&config).expect("jcs").as_bytes()).to_vec();
    hash.extend_from_slice(&Sha256::digest(
        serde_jcs::to_string(&document).expect("jcs").as_bytes(),
    ));
    let signature = Signature::from_slice(&signature).map_err(|e| e.to_string())?;
    key.verify(&hash, &signature).map_err(|e| e.to_string())
}

/// A compact JWS checked by hand: header fields, then Ed25519 over `header.payload`.
pub fn verify_jwt(token: &str, jwks: &Value) -> Result<(Value, Value), String> {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3);
    let header: Value = serde_json::from_slice(&b64url(parts[0])).expect("header");
    let payload: Value = serde_json::from_slice(&b64url(parts[1])).expect("payload");
    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(header["typ"], "vc+jwt");
    let kid = header["kid"].as_str().expect("kid");
    let jwk = jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["kid"] == kid)
        .ok_or("kid not in JWKS")?;
    assert_eq!(jwk["kty"], "OKP");
    assert_eq!(jwk["crv"], "Ed25519");
    let key = VerifyingKey::from_bytes(
        b64url(jwk["x"].as_str().expect("x"))
            .as_slice()
            .try_into()
            .expect("32"),
    )
    .expect("key");
    let signature = Signature::from_slice(&b64url(parts[2])).map_err(|e| e.to_string())?;
    key.verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
        .map_err(|e| e.to_string())?;
    Ok((header, payload))
}

/// eddsa-rdfc-2022 (vc-di-eddsa §3.2): canonical forms from the RDFC module (validated against
/// W3C vectors and jsonld.js), signature checked here with dalek.
pub fn verify_rdfc_proof(credential: &Value, key: &VerifyingKey) -> Result<(), String> {
    let mut document = credential.clone();
    let mut proof = document
        .as_object_mut()
        .expect("object")
        .remove("proof")
        .expect("proof");
    let proof_value = proof
        .as_object_mut()
        .expect("object")
        .remove("proofValue")
        .expect("proofValue");
    let signature = bs58::decode(
        proof_value
            .as_str()
            .expect("string")
            .strip_prefix('z')
            .expect("z"),
    )
    .into_vec()
    .expect("base58");
    let loader = attest::vc::rdfc::ContextLoader::new();
    let hash = attest::vc::rdfc::rdfc_hash_data(&document, &proof, &loader, true)
        .map_err(|e| e.to_string())?;
    let signature = Signature::from_slice(&signature).map_err(|e| e.to_string())?;
    key.verify(&hash, &signature).map_err(|e| e.to_string())
}

/// Whichever of our two cryptosuites the proof names.
pub fn verify_proof(credential: &Value, key: &VerifyingKey) -> Result<(), String> {
    match credential["proof"]["cryptosuite"].as_str() {
        Some("eddsa-jcs-2022") => verify_jcs_proof(credential, key),
        Some("eddsa-rdfc-2022") => verify_rdfc_proof(credential, key),
        other => Err(format!("unexpected cryptosuite {other:?}")),
    }
}

/// The indexes set in a published `BitstringStatusListCredential`, decoded by hand (Bitstring
/// Status List §2.1): multibase `u` + base64url without padding, GZIP, then index `i` is bit
/// `7 - i % 8` of byte `i / 8` (index 0 is the most significant bit of the first byte).
pub fn status_list_bits(list: &Value) -> std::collections::BTreeSet<i64> {
    use std::io::Read;
    let encoded = list["credentialSubject"]["encodedList"]
        .as_str()
        .expect("encodedList");
    let compressed = b64url(encoded.strip_prefix('u').expect("multibase base64url"));
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(compressed.as_slice())
        .read_to_end(&mut bytes)
        .expect("gzip");
    let mut set = std::collections::BTreeSet::new();
    for (i, byte) in bytes.iter().enumerate() {
        for bit in 0..8 {
            if byte & (0x80 >> bit) != 0 {
                set.insert((i * 8 + bit) as i64);
            }
        }
    }
    set
}
