//! W3C Bitstring Status List v1.0: the `encodedList` encoding (§2.1: GZIP, then multibase
//! base64url without padding) and the `BitstringStatusListCredential` (§2.2) we publish.

use super::contexts::VC_V2;
use super::credential::status_list_url;
use super::multibase::{base64url, decode_base64url};
use super::proof::timestamp;
use crate::domain::status::{Bitstring, StatusPurpose};
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use serde_json::{Value, json};
use std::io::{Read, Write};
use time::OffsetDateTime;

/// Refuse to inflate lists beyond this: a hostile list must not exhaust memory (a 16 MiB
/// bitstring is 134 million entries, far beyond any real list).
pub const MAX_DECODED_BYTES: u64 = 16 * 1024 * 1024;

pub fn encode(bits: &Bitstring) -> String {
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    // Writing to a Vec cannot fail.
    let _ = gz.write_all(bits.as_bytes());
    base64url(&gz.finish().unwrap_or_default())
}

pub fn decode(encoded: &str) -> Result<Bitstring, String> {
    let compressed =
        decode_base64url(encoded).ok_or("encodedList is not multibase base64url (`u…`)")?;
    let mut out = Vec::new();
    GzDecoder::new(compressed.as_slice())
        .take(MAX_DECODED_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|_| "encodedList is not GZIP data")?;
    if out.len() as u64 > MAX_DECODED_BYTES {
        return Err("encodedList is too large".into());
    }
    Ok(Bitstring::from_bytes(out))
}

pub struct ListDraft<'a> {
    pub base_url: &'a str,
    pub issuer_id: &'a str,
    pub purpose: StatusPurpose,
    pub list_number: i64,
    pub bits: &'a Bitstring,
    pub valid_from: OffsetDateTime,
    pub valid_until: OffsetDateTime,
    /// §2.2 `ttl`: milliseconds a verifier may cache the list.
    pub ttl_ms: u64,
}

pub fn build(d: &ListDraft<'_>) -> Value {
    let url = status_list_url(d.base_url, d.purpose, d.list_number);
    json!({
        "@context": [VC_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": d.issuer_id,
        "validFrom": timestamp(d.valid_from),
        "validUntil": timestamp(d.valid_until),
        "credentialSubject": {
            "id": format!("{url}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": d.purpose.as_str(),
            "encodedList": encode(d.bits),
            "ttl": d.ttl_ms,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_round_trips_and_is_multibase_base64url() {
        let mut bits = Bitstring::zeroed(131_072);
        bits.set(0, true);
        bits.set(131_071, true);
        let encoded = encode(&bits);
        assert!(encoded.starts_with('u'));
        assert!(!encoded.contains(['=', '+', '/']));
        let back = decode(&encoded).unwrap();
        assert_eq!(back, bits);
        assert!(decode("zabc").is_err());
    }

    #[test]
    fn decompression_bombs_are_refused() {
        let huge = Bitstring::zeroed(((MAX_DECODED_BYTES + 8) * 8) as u32);
        assert!(decode(&encode(&huge)).unwrap_err().contains("too large"));
    }
}
