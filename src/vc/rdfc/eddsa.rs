//! eddsa-rdfc-2022 transformation, proof configuration and hashing —
//! W3C Data Integrity EdDSA Cryptosuites v1.0 §3.2 (§3.2.3 Transformation,
//! §3.2.4 Hashing, §3.2.5 Proof Configuration) — plus the multibase
//! encoding of §3.2.6 Proof Serialization.
//!
//! Signing itself stays out of this module: it produces the 64-byte
//! `hashData` and the caller's key store signs it with Ed25519, so private
//! keys never need to pass through canonicalization code.

use super::canon::{canonicalize, canonicalize_unchecked};
use super::error::CanonError;
use super::loader::ContextLoader;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The `type` every eddsa-rdfc-2022 proof carries.
pub const PROOF_TYPE: &str = "DataIntegrityProof";
/// The `cryptosuite` identifier implemented here.
pub const CRYPTOSUITE: &str = "eddsa-rdfc-2022";

/// The two canonical N-Quads strings that eddsa-rdfc-2022 hashes — what a
/// debugging session or an interoperability test wants to diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalForms {
    /// Canonical proof configuration (§3.2.5).
    pub proof_config: String,
    /// Canonical unsecured document (§3.2.3).
    pub document: String,
}

impl CanonicalForms {
    /// `hashData` of §3.2.4 for these canonical forms.
    pub fn hash_data(&self) -> [u8; 64] {
        hash(&self.proof_config, &self.document)
    }
}

/// `hashData` = SHA-256(canonical proof config) ‖ SHA-256(canonical document),
/// the exact 64 bytes an Ed25519 key signs (§3.2.4, §3.2.6).
///
/// `unsecured` is the document without the proof being created or verified
/// (for a proof chain it carries the earlier proofs it signs over, see
/// `vc::proof::verify_proofs`).
/// `proof_options` is the proof object without `proofValue`; its
/// `@context` is replaced by the document's, as §3.2.5 step 4 requires.
/// `safe` runs the safe-mode check on both inputs (see [`super::check_safe`]).
pub fn rdfc_hash_data(
    unsecured: &Value,
    proof_options: &Value,
    loader: &ContextLoader,
    safe: bool,
) -> Result<[u8; 64], CanonError> {
    Ok(rdfc_canonical_forms(unsecured, proof_options, loader, safe)?.hash_data())
}

/// Both canonical forms of [`rdfc_hash_data`], for inspection.
pub fn rdfc_canonical_forms(
    unsecured: &Value,
    proof_options: &Value,
    loader: &ContextLoader,
    safe: bool,
) -> Result<CanonicalForms, CanonError> {
    Ok(CanonicalForms {
        proof_config: proof_configuration(proof_options, unsecured, loader, safe)?,
        document: transform(unsecured, proof_options, loader, safe)?,
    })
}

/// §3.2.3 Transformation: checks that `options` names this cryptosuite and
/// returns the canonical N-Quads of `unsecured`.
pub fn transform(
    unsecured: &Value,
    options: &Value,
    loader: &ContextLoader,
    safe: bool,
) -> Result<String, CanonError> {
    check_suite(options)?;
    if !unsecured.is_object() {
        return Err(CanonError::InvalidInput(
            "the unsecured document must be a JSON object".into(),
        ));
    }
    run(unsecured, loader, safe)
}

/// §3.2.5 Proof Configuration: validates `options`, sets its `@context` to
/// the document's and returns its canonical N-Quads.
pub fn proof_configuration(
    options: &Value,
    unsecured: &Value,
    loader: &ContextLoader,
    safe: bool,
) -> Result<String, CanonError> {
    check_suite(options)?;
    let Value::Object(options) = options else {
        return Err(CanonError::InvalidInput(
            "proof options must be an object".into(),
        ));
    };
    if options.contains_key("proofValue") {
        return Err(CanonError::InvalidInput(
            "proof options must not contain proofValue".into(),
        ));
    }
    if let Some(created) = options.get("created") {
        match created.as_str() {
            Some(s) if is_xsd_date_time(s) => {}
            _ => {
                return Err(CanonError::InvalidInput(format!(
                    "proof `created` is not an XML Schema dateTime: {created}"
                )));
            }
        }
    }
    let context = unsecured
        .get("@context")
        .cloned()
        .ok_or_else(|| CanonError::InvalidInput("the document has no @context".into()))?;
    let mut config = options.clone();
    config.insert("@context".into(), context);
    let config = Value::Object(config);
    loader.canonical_proof_config(&config, safe, || run(&config, loader, safe))
}

/// SHA-256 of each canonical form, proof configuration first (§3.2.4).
pub fn hash(canonical_proof_config: &str, canonical_document: &str) -> [u8; 64] {
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&Sha256::digest(canonical_proof_config.as_bytes()));
    out[32..].copy_from_slice(&Sha256::digest(canonical_document.as_bytes()));
    out
}

/// Multibase base58-btc (`z…`), the `proofValue` encoding of §3.2.6.
pub fn encode_multibase(bytes: &[u8]) -> String {
    format!("z{}", bs58::encode(bytes).into_string())
}

/// Decodes a multibase base58-btc value (`z…`); other bases are refused.
pub fn decode_multibase(value: &str) -> Result<Vec<u8>, CanonError> {
    let rest = value.strip_prefix('z').ok_or_else(|| {
        CanonError::InvalidMultibase(format!("expected base58-btc ('z' prefix): {value}"))
    })?;
    bs58::decode(rest)
        .into_vec()
        .map_err(|e| CanonError::InvalidMultibase(format!("{e}: {value}")))
}

fn run(doc: &Value, loader: &ContextLoader, safe: bool) -> Result<String, CanonError> {
    if safe {
        canonicalize(doc, loader)
    } else {
        canonicalize_unchecked(doc, loader)
    }
}

fn check_suite(options: &Value) -> Result<(), CanonError> {
    let ty = options.get("type").and_then(Value::as_str);
    let suite = options.get("cryptosuite").and_then(Value::as_str);
    if ty == Some(PROOF_TYPE) && suite == Some(CRYPTOSUITE) {
        Ok(())
    } else {
        Err(CanonError::InvalidInput(format!(
            "proof must have type {PROOF_TYPE} and cryptosuite {CRYPTOSUITE} \
             (got type {ty:?}, cryptosuite {suite:?})"
        )))
    }
}

/// Lexical check for XML Schema 1.1 `dateTime`:
/// `-?YYYY-MM-DDThh:mm:ss(.s+)?(Z|(+|-)hh:mm)?` with field ranges.
fn is_xsd_date_time(s: &str) -> bool {
    let s = s.strip_prefix('-').unwrap_or(s);
    let Some((date, time)) = s.split_once('T') else {
        return false;
    };
    let mut d = date.rsplitn(3, '-');
    let (Some(day), Some(month), Some(year)) = (d.next(), d.next(), d.next()) else {
        return false;
    };
    let digits = |x: &str, n: usize| x.len() == n && x.bytes().all(|b| b.is_ascii_digit());
    let num = |x: &str| x.parse::<u32>().unwrap_or(u32::MAX);
    if year.len() < 4
        || !year.bytes().all(|b| b.is_ascii_digit())
        || (year.len() > 4 && year.starts_with('0'))
    {
        return false;
    }
    if !digits(month, 2)
        || !(1..=12).contains(&num(month))
        || !digits(day, 2)
        || !(1..=31).contains(&num(day))
    {
        return false;
    }
    let (clock, tz) = match time.find(['Z', '+', '-']) {
        Some(i) => time.split_at(i),
        None => (time, ""),
    };
    let tz_ok = tz.is_empty()
        || tz == "Z"
        || (tz.len() == 6
            && digits(&tz[1..3], 2)
            && &tz[3..4] == ":"
            && digits(&tz[4..6], 2)
            && ((num(&tz[1..3]) < 14 && num(&tz[4..6]) < 60) || &tz[1..] == "14:00"));
    let (hms, frac) = match clock.split_once('.') {
        Some((hms, frac)) => (hms, Some(frac)),
        None => (clock, None),
    };
    let frac_ok = frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()));
    let parts: Vec<&str> = hms.split(':').collect();
    let hms_ok = parts.len() == 3
        && parts.iter().all(|p| digits(p, 2))
        && ((num(parts[0]) < 24 && num(parts[1]) < 60 && num(parts[2]) < 60)
            || (hms == "24:00:00" && frac.is_none_or(|f| f.bytes().all(|b| b == b'0'))));
    tz_ok && frac_ok && hms_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_times() {
        for ok in [
            "2023-02-24T23:36:38Z",
            "2023-02-24T23:36:38.123+01:00",
            "2023-02-24T23:36:38",
            "-0044-03-15T12:00:00-05:00",
            "2024-01-01T24:00:00Z",
        ] {
            assert!(is_xsd_date_time(ok), "{ok}");
        }
        for bad in [
            "2023-02-24",
            "2023-2-24T23:36:38Z",
            "2023-02-24T23:36Z",
            "2023-13-24T23:36:38Z",
            "2023-02-24T23:36:38.Z",
            "2023-02-24T23:36:38+1:00",
            "2023-02-24 23:36:38Z",
        ] {
            assert!(!is_xsd_date_time(bad), "{bad}");
        }
    }

    #[test]
    fn multibase_round_trip_and_refusals() {
        let bytes = [0u8, 1, 2, 255];
        assert_eq!(
            decode_multibase(&encode_multibase(&bytes)).expect("decodes"),
            bytes
        );
        assert!(decode_multibase("mAAEC").is_err());
        assert!(decode_multibase("z0OIl").is_err());
    }

    #[test]
    fn remembered_proof_configurations_keep_safe_mode() {
        let loader = ContextLoader::new();
        let doc = serde_json::json!({"@context": ["https://www.w3.org/ns/credentials/v2"]});
        let good = serde_json::json!({"type": PROOF_TYPE, "cryptosuite": CRYPTOSUITE,
                                      "created": "2026-11-20T15:00:00Z"});
        let first = proof_configuration(&good, &doc, &loader, true).expect("canonical");
        assert_eq!(
            proof_configuration(&good, &doc, &loader, true).expect("remembered"),
            first
        );
        assert_eq!(
            proof_configuration(&good, &doc, &ContextLoader::new(), false).expect("fresh"),
            first
        );
        // An undefined term passes unchecked (and is remembered so), never in safe mode.
        let mut odd = good;
        odd["nickname"] = "x".into();
        assert!(proof_configuration(&odd, &doc, &loader, false).is_ok());
        assert!(proof_configuration(&odd, &doc, &loader, true).is_err());
    }

    #[test]
    fn proof_options_are_validated() {
        let loader = ContextLoader::new();
        let doc = serde_json::json!({"@context": ["https://www.w3.org/ns/credentials/v2"]});
        let good = serde_json::json!({"type": PROOF_TYPE, "cryptosuite": CRYPTOSUITE});
        assert!(proof_configuration(&good, &doc, &loader, true).is_ok());
        let mut wrong_suite = good.clone();
        wrong_suite["cryptosuite"] = "eddsa-jcs-2022".into();
        assert!(proof_configuration(&wrong_suite, &doc, &loader, true).is_err());
        let mut with_value = good.clone();
        with_value["proofValue"] = "z1".into();
        assert!(proof_configuration(&with_value, &doc, &loader, true).is_err());
        let mut bad_created = good;
        bad_created["created"] = "yesterday".into();
        assert!(proof_configuration(&bad_created, &doc, &loader, true).is_err());
    }
}
