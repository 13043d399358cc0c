//! Standard Webhooks signatures ("Signature scheme"): HMAC-SHA256 over
//! `{webhook-id}.{webhook-timestamp}.{body}` with the subscription's secret, sent as
//! `v1,<base64>`. Secrets are `whsec_` and the base64 of 32 random bytes.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

const PREFIX: &str = "whsec_";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the stored webhook secret is not `whsec_` and base64")]
pub struct BadSecret;

/// A new secret, shown once to the admin who adds the subscription.
pub fn new_secret() -> String {
    let mut key = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    format!("{PREFIX}{}", STANDARD.encode(key))
}

/// The `webhook-signature` header value for one delivery attempt.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> Result<String, BadSecret> {
    let key = STANDARD
        .decode(secret.strip_prefix(PREFIX).ok_or(BadSecret)?)
        .map_err(|_| BadSecret)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|_| BadSecret)?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Ok(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification's test suite (shared by its
    /// libraries): secret, id, timestamp and payload with the signature they must give.
    #[test]
    fn matches_the_reference_vector() {
        let sig = sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        )
        .unwrap();
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn secrets_are_prefixed_and_decode_to_32_bytes() {
        let s = new_secret();
        let key = STANDARD.decode(s.strip_prefix(PREFIX).unwrap()).unwrap();
        assert_eq!(key.len(), 32);
        assert_eq!(sign("nope", "a", 1, "b"), Err(BadSecret));
    }
}
