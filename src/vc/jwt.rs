//! `application/vc+jwt` (W3C VC-JOSE-COSE §3.1.1, "Securing JSON-LD Verifiable Credentials with
//! JOSE"): a compact JWS whose payload is the unsecured credential, `alg: EdDSA` (RFC 8037),
//! `typ: vc+jwt`, `kid` = the verification method id. The registered claims `iss`, `jti`,
//! `iat`, `nbf` and `exp` mirror `issuer`, `id`, `validFrom` and `validUntil`.

use crate::crypto::IssuerKey;
use base64::Engine;
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use jsonwebtoken::crypto::JwtSigner;
use jsonwebtoken::{Algorithm, Header};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub const MEDIA_TYPE: &str = "application/vc+jwt";
pub const TYP: &str = "vc+jwt";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    #[error("not a compact JWS (three base64url parts)")]
    NotCompact,
    #[error("the JOSE header is not valid JSON: {0}")]
    Header(String),
    #[error("the payload is not a JSON object")]
    Payload,
    #[error("cannot sign: {0}")]
    Sign(String),
}

/// Signs `credential` (without an embedded proof) as a vc+jwt.
pub fn encode(credential: &Value, key: &IssuerKey, kid: &str) -> Result<String, JwtError> {
    let mut claims: Map<String, Value> =
        credential.as_object().cloned().ok_or(JwtError::Payload)?;
    claims.remove("proof");
    let epoch = |field: &str| {
        credential
            .get(field)
            .and_then(Value::as_str)
            .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
            .map(|t| Value::from(t.unix_timestamp()))
    };
    if let Some(issuer) = issuer_id(credential) {
        claims.insert("iss".into(), issuer.into());
    }
    if let Some(id) = credential.get("id").cloned() {
        claims.insert("jti".into(), id);
    }
    if let Some(from) = epoch("validFrom") {
        claims.insert("iat".into(), from.clone());
        claims.insert("nbf".into(), from);
    }
    if let Some(until) = epoch("validUntil") {
        claims.insert("exp".into(), until);
    }
    let mut header = Header::new(Algorithm::EdDSA);
    header.typ = Some(TYP.into());
    header.cty = Some("vc".into());
    header.kid = Some(kid.into());
    compact_jws(&header, &claims, key)
}

/// The JWS Compact Serialization (RFC 7515 §7.1) of `claims`, signed by `signer` itself.
/// `jsonwebtoken::encode` only signs through a process-wide provider fed the private key's
/// PKCS#8 bytes; this builds the same signing input (the header and claims as serde_json
/// writes them, base64url without padding) and hands it to the key's own signer.
fn compact_jws(
    header: &Header,
    claims: &Map<String, Value>,
    signer: &dyn JwtSigner,
) -> Result<String, JwtError> {
    if signer.algorithm() != header.alg {
        return Err(JwtError::Sign(
            "the key does not sign with the header's alg".into(),
        ));
    }
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = serde_json::to_vec(header).map_err(|e| JwtError::Sign(e.to_string()))?;
    let claims = serde_json::to_vec(claims).map_err(|e| JwtError::Sign(e.to_string()))?;
    let (header, claims) = (b64.encode(header), b64.encode(claims));
    let signing_input = format!("{header}.{claims}");
    let signature = signer
        .try_sign(signing_input.as_bytes())
        .map_err(|e| JwtError::Sign(e.to_string()))?;
    Ok(format!("{signing_input}.{}", b64.encode(signature)))
}

pub fn issuer_id(credential: &Value) -> Option<String> {
    match credential.get("issuer")? {
        Value::String(id) => Some(id.clone()),
        Value::Object(map) => map.get("id").and_then(Value::as_str).map(String::from),
        _ => None,
    }
}

/// The parts of a compact JWS, decoded but not yet verified.
#[derive(Debug, Clone)]
pub struct UnverifiedJwt {
    pub header: Map<String, Value>,
    pub payload: Map<String, Value>,
}

pub fn parse(token: &str) -> Result<UnverifiedJwt, JwtError> {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut parts = token.trim().split('.');
    let (Some(h), Some(p), Some(_s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::NotCompact);
    };
    let header_bytes = b64.decode(h).map_err(|_| JwtError::NotCompact)?;
    let payload_bytes = b64.decode(p).map_err(|_| JwtError::NotCompact)?;
    let header: Map<String, Value> =
        serde_json::from_slice(&header_bytes).map_err(|e| JwtError::Header(e.to_string()))?;
    let payload: Map<String, Value> =
        serde_json::from_slice(&payload_bytes).map_err(|_| JwtError::Payload)?;
    Ok(UnverifiedJwt { header, payload })
}

/// Checks the EdDSA signature (RFC 8037 §3.1) over the JWS signing input (RFC 7515 §5.2),
/// accepting only `alg: EdDSA` and leaving claims and time checks to the caller (an expired
/// credential is a verdict, not an unreadable token).
///
/// Verified with the caller's already parsed key: going through jsonwebtoken re-decoded the
/// key point and parsed the payload again on every call, a third of the cost.
pub fn verify_signature(token: &str, key: &VerifyingKey) -> Result<(), String> {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let bad = |why: &str| format!("the JWT does not verify: {why}");
    let (signing_input, signature) = token
        .trim()
        .rsplit_once('.')
        .ok_or_else(|| bad("not a compact JWS"))?;
    let header = signing_input
        .split_once('.')
        .map(|(h, _)| h)
        .ok_or_else(|| bad("not a compact JWS"))?;
    let header: Map<String, Value> = b64
        .decode(header)
        .ok()
        .and_then(|h| serde_json::from_slice(&h).ok())
        .ok_or_else(|| bad("the header is not base64url JSON"))?;
    if header.get("alg").and_then(Value::as_str) != Some("EdDSA") {
        return Err("the JWT algorithm is not EdDSA".to_owned());
    }
    let signature: [u8; 64] = b64
        .decode(signature)
        .ok()
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| bad("the signature is not a base64url Ed25519 signature"))?;
    key.verify(signing_input.as_bytes(), &Signature::from_bytes(&signature))
        .map_err(|_| "the JWT signature does not match".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn token(key: &IssuerKey) -> String {
        let credential = json!({"@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": "urn:uuid:1", "issuer": "did:example:1", "validFrom": "2026-11-20T15:00:00Z"});
        encode(&credential, key, "did:example:1#key-1").unwrap()
    }

    /// The same bytes as jsonwebtoken's own encoder with its stock provider (Ed25519 is
    /// deterministic), so signing through the key changed nothing a verifier can see.
    #[test]
    fn tokens_are_byte_identical_to_the_stock_encoder() {
        use ed25519_dalek::pkcs8::EncodePrivateKey;
        let key = IssuerKey::from_secret_bytes("key-1", &[7; 32]);
        let der = ed25519_dalek::SigningKey::from_bytes(&[7; 32])
            .to_pkcs8_der()
            .unwrap();
        let ours = token(&key);
        let parts = parse(&ours).unwrap();
        let header: Header = serde_json::from_value(Value::Object(parts.header.clone())).unwrap();
        let stock = jsonwebtoken::encode(
            &header,
            &parts.payload,
            &jsonwebtoken::EncodingKey::from_ed_der(der.as_bytes()),
        )
        .unwrap();
        assert_eq!(ours, stock);
        assert_eq!(parts.header["alg"], "EdDSA");
        assert_eq!(parts.header["kid"], "did:example:1#key-1");
    }

    #[test]
    fn signatures_verify_only_unaltered_and_only_as_eddsa() {
        let key = IssuerKey::from_secret_bytes("key-1", &[7; 32]);
        let good = token(&key);
        assert_eq!(verify_signature(&good, &key.public_key()), Ok(()));
        let other = IssuerKey::from_secret_bytes("key-2", &[8; 32]);
        assert!(verify_signature(&good, &other.public_key()).is_err());
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let parts: Vec<&str> = good.split('.').collect();
        let payload = b64.encode(br#"{"issuer":"did:example:mallory"}"#);
        let tampered = format!("{}.{payload}.{}", parts[0], parts[2]);
        assert_eq!(
            verify_signature(&tampered, &key.public_key()),
            Err("the JWT signature does not match".into())
        );
        let hs = b64.encode(br#"{"alg":"HS256","typ":"vc+jwt"}"#);
        let wrong_alg = format!("{hs}.{}.{}", parts[1], parts[2]);
        assert_eq!(
            verify_signature(&wrong_alg, &key.public_key()),
            Err("the JWT algorithm is not EdDSA".into())
        );
        assert!(verify_signature("a.b", &key.public_key()).is_err());
        assert!(
            verify_signature(&format!("{}.{}.x", parts[0], parts[1]), &key.public_key()).is_err()
        );
    }
}
