//! `application/vc+jwt` (W3C VC-JOSE-COSE §3.1.1, "Securing JSON-LD Verifiable Credentials with
//! JOSE"): a compact JWS whose payload is the unsecured credential, `alg: EdDSA` (RFC 8037),
//! `typ: vc+jwt`, `kid` = the verification method id. The registered claims `iss`, `jti`,
//! `iat`, `nbf` and `exp` mirror `issuer`, `id`, `validFrom` and `validUntil`.

use crate::crypto::IssuerKey;
use base64::Engine;
use ed25519_dalek::VerifyingKey;
use jsonwebtoken::{Algorithm, DecodingKey, Header, Validation};
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
    jsonwebtoken::encode(&header, &claims, key.jwt_encoding_key())
        .map_err(|e| JwtError::Sign(e.to_string()))
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

/// Checks the signature with jsonwebtoken, accepting only EdDSA and leaving time checks to
/// the caller (an expired credential is a verdict, not an unreadable token).
pub fn verify_signature(token: &str, key: &VerifyingKey) -> Result<(), String> {
    let x = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key.as_bytes());
    let decoding = DecodingKey::from_ed_components(&x).map_err(|e| e.to_string())?;
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    jsonwebtoken::decode::<Value>(token.trim(), &decoding, &validation)
        .map(|_| ())
        .map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidSignature => {
                "the JWT signature does not match".to_owned()
            }
            jsonwebtoken::errors::ErrorKind::InvalidAlgorithm => {
                "the JWT algorithm is not EdDSA".to_owned()
            }
            _ => format!("the JWT does not verify: {e}"),
        })
}
