//! Multibase (base58btc `z`, base64url `u`) and multicodec prefixes used by Multikey,
//! did:key (W3C did:key v0.7 §3.1.2) and Data Integrity `proofValue`.

use ed25519_dalek::VerifyingKey;

/// Multicodec `ed25519-pub` (0xed) as an unsigned varint.
const ED25519_PUB: [u8; 2] = [0xed, 0x01];

pub fn base58btc(bytes: &[u8]) -> String {
    format!("z{}", bs58::encode(bytes).into_string())
}

pub fn decode_base58btc(text: &str) -> Option<Vec<u8>> {
    bs58::decode(text.strip_prefix('z')?).into_vec().ok()
}

pub fn base64url(bytes: &[u8]) -> String {
    use base64::Engine;
    format!(
        "u{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

pub fn decode_base64url(text: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text.strip_prefix('u')?)
        .ok()
}

/// `publicKeyMultibase` of an Ed25519 key: `z6Mk…`.
pub fn ed25519_multikey(key: &VerifyingKey) -> String {
    let mut bytes = Vec::with_capacity(34);
    bytes.extend_from_slice(&ED25519_PUB);
    bytes.extend_from_slice(key.as_bytes());
    base58btc(&bytes)
}

pub fn parse_ed25519_multikey(text: &str) -> Option<VerifyingKey> {
    let bytes = decode_base58btc(text)?;
    let raw: [u8; 32] = bytes.strip_prefix(&ED25519_PUB)?.try_into().ok()?;
    VerifyingKey::from_bytes(&raw).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multikey_round_trips_and_has_the_z6mk_prefix() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key();
        let mk = ed25519_multikey(&key);
        assert!(mk.starts_with("z6Mk"), "{mk}");
        assert_eq!(parse_ed25519_multikey(&mk), Some(key));
        assert_eq!(parse_ed25519_multikey("zabc"), None);
        assert_eq!(decode_base64url(&base64url(b"hi")).unwrap(), b"hi");
    }
}
