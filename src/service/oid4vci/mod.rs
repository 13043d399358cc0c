//! Into the graduate's wallet: OpenID for Verifiable Credential Issuance 1.0 (final), the
//! pre-authorized code flow (issue 18). Metadata (§12.2 issuer, RFC 8414 authorization server),
//! credential offers (§4.1), the token endpoint (§6), the nonce endpoint (§7), key proofs
//! (Appendix F.1) and the credential endpoint (§8), for the formats `ldp_vc` and `jwt_vc_json`
//! (Appendix A.1).
//!
//! The protocol types are written here rather than taken from a crate: what the flow needs is
//! a dozen JSON members checked against the final text, with our store, clock, signer and
//! error shapes. `affinidi-openid4vci` (0.2, 1.0 final) is young, one vendor's, and brings its
//! own JOSE and key types beside ours; no crate named `oid4vci` could be examined here.

pub mod credential;
pub mod metadata;
pub mod offer;
pub mod proof;
pub mod qr;
pub mod token;
pub mod wire;

use super::ServiceError;
use crate::store::StoreError;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// The grant type of the pre-authorized code flow (§3.5, §6.1).
pub const PRE_AUTHORIZED_GRANT: &str = "urn:ietf:params:oauth:grant-type:pre-authorized_code";
/// Where the endpoints live, under the public base URL.
pub const TOKEN_PATH: &str = "/oid4vci/token";
pub const NONCE_PATH: &str = "/oid4vci/nonce";
pub const CREDENTIAL_PATH: &str = "/oid4vci/credential";
/// Seconds an access token (§6.2 `expires_in`) and a c_nonce stay usable.
pub const TOKEN_TTL_SECONDS: i64 = 300;
pub const NONCE_TTL_SECONDS: i64 = 300;
/// Wrong PINs after which an offer is dead: a 6-digit PIN must not be guessable by retrying.
pub const MAX_TX_CODE_FAILURES: i64 = 5;

/// A failure of the flow: an OAuth 2.0 / OID4VCI error response (RFC 6749 §5.2, §6.3 and
/// §8.3.1 of OID4VCI), or a failure of ours (the database), which stays problem+json.
#[derive(Debug, thiserror::Error)]
pub enum Oid4vciError {
    #[error("{error}: {description}")]
    Protocol {
        status: u16,
        error: &'static str,
        description: String,
    },
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<StoreError> for Oid4vciError {
    fn from(e: StoreError) -> Self {
        Self::Service(e.into())
    }
}

impl Oid4vciError {
    pub fn protocol(status: u16, error: &'static str, description: impl Into<String>) -> Self {
        Self::Protocol {
            status,
            error,
            description: description.into(),
        }
    }
    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::protocol(400, "invalid_request", description)
    }
    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self::protocol(400, "invalid_grant", description)
    }
    pub fn invalid_token(description: impl Into<String>) -> Self {
        Self::protocol(401, "invalid_token", description)
    }
    pub fn invalid_proof(description: impl Into<String>) -> Self {
        Self::protocol(400, "invalid_proof", description)
    }
    pub fn invalid_nonce(description: impl Into<String>) -> Self {
        Self::protocol(400, "invalid_nonce", description)
    }
    pub fn invalid_credential_request(description: impl Into<String>) -> Self {
        Self::protocol(400, "invalid_credential_request", description)
    }
    pub fn denied(description: impl Into<String>) -> Self {
        Self::protocol(400, "credential_request_denied", description)
    }
}

pub type Oid4vciResult<T> = Result<T, Oid4vciError>;

/// A fresh secret (pre-authorized code, access token, c_nonce): 256 random bits, base64url.
pub(crate) fn secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// How a secret is stored: SHA-256, hex. The secrets are 256 random bits, so no salt or
/// stretching is needed; a PIN is hashed with its offer's code as salt (see `offer.rs`).
pub(crate) fn hash(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
