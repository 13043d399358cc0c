//! `relatedResource` integrity (VC Data Model 2.0 §5.3 "Integrity of Related Resources"):
//! each entry is an object with an `id` URL, unique among the entries, carrying at least one
//! of `digestSRI` (W3C Subresource Integrity, `sha256-`/`sha384-`/`sha512-` + base64) or
//! `digestMultibase` (a multibase-encoded multihash, or a bare SHA-2 digest as some
//! implementations publish it). The digest is of the resource's bytes as served.

use super::multibase::{decode_base58btc, decode_base64url};
use serde_json::Value;
use sha2::{Digest, Sha256, Sha384, Sha512};

/// The SHA-2 functions a digest may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Algorithm {
    Sha256,
    Sha384,
    Sha512,
}

impl Algorithm {
    fn hash(self, bytes: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha256 => Sha256::digest(bytes).to_vec(),
            Self::Sha384 => Sha384::digest(bytes).to_vec(),
            Self::Sha512 => Sha512::digest(bytes).to_vec(),
        }
    }

    fn by_length(len: usize) -> Option<Self> {
        match len {
            32 => Some(Self::Sha256),
            48 => Some(Self::Sha384),
            64 => Some(Self::Sha512),
            _ => None,
        }
    }
}

/// One digest an entry claims: the function and the expected value.
type Claimed = (Algorithm, Vec<u8>);

fn parse_sri(text: &str) -> Option<Claimed> {
    use base64::Engine;
    // SRI allows several space-separated hashes and `?options`; one hash is what VC DM shows.
    let (alg, b64) = text.split_once('-')?;
    let alg = match alg {
        "sha256" => Algorithm::Sha256,
        "sha384" => Algorithm::Sha384,
        "sha512" => Algorithm::Sha512,
        _ => return None,
    };
    let b64 = b64.split('?').next().unwrap_or_default();
    let bytes = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    (Algorithm::by_length(bytes.len()) == Some(alg)).then_some((alg, bytes))
}

/// Multihash codes (sha2-256 0x12, sha2-512 0x13, sha2-384 0x20) with their lengths.
fn parse_multibase(text: &str) -> Option<Claimed> {
    let bytes = match text.chars().next()? {
        'u' => decode_base64url(text)?,
        'z' => decode_base58btc(text)?,
        _ => return None,
    };
    let multihash = match bytes.as_slice() {
        [0x12, 32, rest @ ..] if rest.len() == 32 => Some((Algorithm::Sha256, rest.to_vec())),
        [0x20, 48, rest @ ..] if rest.len() == 48 => Some((Algorithm::Sha384, rest.to_vec())),
        [0x13, 64, rest @ ..] if rest.len() == 64 => Some((Algorithm::Sha512, rest.to_vec())),
        _ => None,
    };
    multihash.or_else(|| Algorithm::by_length(bytes.len()).map(|a| (a, bytes)))
}

fn claimed(entry: &Value) -> Result<Vec<Claimed>, String> {
    let mut out = Vec::new();
    if let Some(sri) = entry.get("digestSRI") {
        let parsed = sri.as_str().and_then(parse_sri).ok_or_else(|| {
            format!(
                "`digestSRI` of `{}` is not a sha256/384/512 SRI digest",
                id(entry)
            )
        })?;
        out.push(parsed);
    }
    if let Some(mb) = entry.get("digestMultibase") {
        let parsed = mb.as_str().and_then(parse_multibase).ok_or_else(|| {
            format!(
                "`digestMultibase` of `{}` is not a multibase SHA-2 multihash",
                id(entry)
            )
        })?;
        out.push(parsed);
    }
    if out.is_empty() {
        return Err(format!(
            "relatedResource `{}` needs `digestSRI` or `digestMultibase`",
            id(entry)
        ));
    }
    Ok(out)
}

fn id(entry: &Value) -> &str {
    entry.get("id").and_then(Value::as_str).unwrap_or_default()
}

/// A URL as VC DM uses the word: an absolute IRI (a scheme, then no whitespace).
pub fn is_url(text: &str) -> bool {
    text.split_once(':').is_some_and(|(scheme, rest)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && !rest.is_empty()
    }) && !text.contains(char::is_whitespace)
}

/// The entries of `relatedResource` (absent: none), or why they break §5.3.
pub fn entries(credential: &Value) -> Result<Vec<&Value>, String> {
    let entries: Vec<&Value> = match credential.get("relatedResource") {
        None => return Ok(Vec::new()),
        Some(Value::Array(items)) => items.iter().collect(),
        Some(other) => vec![other],
    };
    let mut seen = std::collections::HashSet::new();
    for entry in &entries {
        if !entry.is_object() {
            return Err("each `relatedResource` entry must be an object".into());
        }
        let url = entry.get("id").and_then(Value::as_str).unwrap_or_default();
        if !is_url(url) {
            return Err("each `relatedResource` entry needs an `id` URL".into());
        }
        if !seen.insert(url) {
            return Err(format!("relatedResource `{url}` is listed twice"));
        }
        claimed(entry)?;
    }
    Ok(entries)
}

/// Whether every digest `entry` claims matches `bytes` (entries are assumed to have passed
/// [`entries`]; a malformed one does not match).
pub fn digests_match(entry: &Value, bytes: &[u8]) -> bool {
    claimed(entry).is_ok_and(|all| all.iter().all(|(alg, want)| alg.hash(bytes) == *want))
}

/// The bytes of a context we embed, when `url` names one: the resource we hold.
pub fn held_context(url: &str) -> Option<&'static str> {
    super::contexts::lookup(url).or_else(|| {
        super::contexts::TEST_VECTORS
            .iter()
            .find(|(u, _)| *u == url)
            .map(|(_, d)| *d)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sri384(bytes: &[u8]) -> String {
        crate::vc::credential::digest_sri(bytes)
    }

    #[test]
    fn well_formed_entries_pass_and_digests_compare() {
        let mb = {
            let mut m = vec![0x12, 32];
            m.extend_from_slice(&Sha256::digest(b"abc"));
            crate::vc::multibase::base64url(&m)
        };
        let c = json!({"relatedResource": [
            {"id": "https://a.example/x", "digestSRI": sri384(b"abc")},
            {"id": "https://a.example/y", "digestMultibase": mb},
        ]});
        let e = entries(&c).unwrap();
        assert!(digests_match(e[0], b"abc"));
        assert!(!digests_match(e[0], b"abd"));
        assert!(digests_match(e[1], b"abc"));
        assert!(!digests_match(e[1], b"xyz"));
    }

    #[test]
    fn malformed_entries_are_refused() {
        let good = sri384(b"abc");
        for bad in [
            json!(["https://a.example/x"]),
            json!([{"digestSRI": good}]),
            json!([{"id": "not a url", "digestSRI": good}]),
            json!([{"id": "https://a.example/x"}]),
            json!([{"id": "https://a.example/x", "digestSRI": "sha384-notbase64!"}]),
            json!([{"id": "https://a.example/x", "digestSRI": "md5-AAAA"}]),
            json!([{"id": "https://a.example/x", "digestMultibase": "xnope"}]),
            json!([{"id": "https://a.example/x", "digestSRI": good},
                   {"id": "https://a.example/x", "digestSRI": good}]),
        ] {
            assert!(entries(&json!({"relatedResource": bad})).is_err(), "{bad}");
        }
    }
}
