//! Verifiable Presentations: the shape VC Data Model 2.0 §4.13 (and 1.1 §4.10) requires, and
//! their Data Integrity proofs (VC Data Integrity 1.0 §4.4 "Verify Proof" with an expected
//! `proofPurpose`, normally `authentication`, and the `challenge`/`domain` the verifier asked
//! for, §2.1 "Proofs"; VC API "Verify Presentation").

use super::contexts::{self, VC_V1, VC_V2};
use super::proof::{ProofVerdict, check_signed, production_loader, proof_list};
use ed25519_dalek::VerifyingKey;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// At most this many credentials in one presentation (each costs a full verification).
pub const MAX_CREDENTIALS: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PresentationError {
    #[error("{0}")]
    Malformed(String),
    #[error("context `{0}` is not one this verifier holds; contexts are never fetched")]
    UnknownContext(String),
}

fn malformed(m: impl Into<String>) -> PresentationError {
    PresentationError::Malformed(m.into())
}

fn has_type(v: &Value, name: &str) -> bool {
    match v.get("type") {
        Some(Value::String(t)) => t == name,
        Some(Value::Array(ts)) => ts.iter().any(|t| t == name),
        _ => false,
    }
}

/// Checks the presentation's shape and returns its `verifiableCredential` entries: each a
/// credential object, an `EnvelopedVerifiableCredential`, or (VC 1.1) a compact JWT.
pub fn check_structure(vp: &Value) -> Result<Vec<&Value>, PresentationError> {
    let map = vp
        .as_object()
        .ok_or_else(|| malformed("the presentation must be a JSON object"))?;
    let contexts: Vec<&Value> = match map.get("@context") {
        Some(Value::Array(items)) if !items.is_empty() => items.iter().collect(),
        Some(Value::String(one)) if one == VC_V1 => vec![&map["@context"]],
        Some(_) => return Err(malformed("`@context` must be a non-empty list")),
        None => return Err(malformed("`@context` is missing")),
    };
    let first = contexts[0].as_str();
    if first != Some(VC_V2) && first != Some(VC_V1) {
        return Err(malformed(format!(
            "the first `@context` must be `{VC_V2}` (or `{VC_V1}`)"
        )));
    }
    for ctx in &contexts[1..] {
        match ctx {
            Value::String(url) if contexts::lookup(url).is_some() => {}
            Value::String(url) => return Err(PresentationError::UnknownContext(url.clone())),
            Value::Object(_) => {}
            _ => {
                return Err(malformed(
                    "each `@context` entry must be a URL or an object",
                ));
            }
        }
    }
    if !has_type(vp, "VerifiablePresentation") {
        return Err(malformed("`type` must include `VerifiablePresentation`"));
    }
    if let Some(holder) = map.get("holder") {
        let id = holder
            .as_str()
            .or_else(|| holder.get("id").and_then(Value::as_str));
        if !id.is_some_and(super::related::is_url) {
            return Err(malformed(
                "`holder` must be a URL or an object with an `id` URL",
            ));
        }
    }
    let entries: Vec<&Value> = match map.get("verifiableCredential") {
        None => Vec::new(),
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one) => vec![one],
    };
    if entries.len() > MAX_CREDENTIALS {
        return Err(malformed(format!(
            "at most {MAX_CREDENTIALS} credentials per presentation"
        )));
    }
    for (i, entry) in entries.iter().enumerate() {
        let ok = match entry {
            Value::Object(_) => {
                (has_type(entry, "VerifiableCredential") && entry.get("@context").is_some())
                    || has_type(entry, "EnvelopedVerifiableCredential")
            }
            Value::String(s) => s.split('.').count() == 3,
            _ => false,
        };
        if !ok {
            return Err(malformed(format!(
                "verifiableCredential[{i}] is neither a credential (with `@context` and type \
                 `VerifiableCredential`), an EnvelopedVerifiableCredential nor a compact JWT"
            )));
        }
    }
    Ok(entries)
}

/// The holder named by the presentation, if any.
pub fn holder(vp: &Value) -> Option<&str> {
    let h = vp.get("holder")?;
    h.as_str().or_else(|| h.get("id").and_then(Value::as_str))
}

/// What the verifier asked for: the proof must carry exactly these (VC API options).
#[derive(Debug, Clone, Default)]
pub struct Expected {
    pub purpose: String,
    pub challenge: Option<String>,
    pub domain: Option<String>,
    /// The verifier's time: a proof whose `expires` (Data Integrity §2.1) is past fails.
    pub now: Option<OffsetDateTime>,
}

/// Verifies every proof of a presentation (a proof set; chains are not used on
/// presentations and are refused). An empty list means there is no proof.
pub fn verify_proofs(
    secured: &Value,
    expected: &Expected,
    resolve: &dyn Fn(&str) -> Result<VerifyingKey, String>,
) -> Result<Vec<ProofVerdict>, PresentationError> {
    // The caller has capped the proofs already (`max_proofs`).
    let all = proof_list(secured, usize::MAX).map_err(|e| malformed(e.to_string()))?;
    let mut unsecured = secured
        .as_object()
        .ok_or_else(|| malformed("not an object"))?
        .clone();
    unsecured.remove("proof");
    let unsecured = Value::Object(unsecured);
    Ok(all
        .into_iter()
        .map(|proof| {
            let text = |k: &str| proof[k].as_str().unwrap_or_default().to_owned();
            ProofVerdict {
                cryptosuite: text("cryptosuite"),
                verification_method: text("verificationMethod"),
                created: proof["created"]
                    .as_str()
                    .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok()),
                result: check_one(&unsecured, proof, expected, resolve),
            }
        })
        .collect())
}

/// The presentation's own rules (no chains, the challenge and domain asked for, `expires`),
/// then the proof as any Data Integrity proof made for `expected.purpose`.
fn check_one(
    unsecured: &Value,
    proof: &Value,
    expected: &Expected,
    resolve: &dyn Fn(&str) -> Result<VerifyingKey, String>,
) -> Result<(), String> {
    let map = proof.as_object().ok_or("the proof is not an object")?;
    if map.contains_key("previousProof") {
        return Err("chained proofs are not accepted on presentations".into());
    }
    if let Some(want) = &expected.challenge
        && map.get("challenge").and_then(Value::as_str) != Some(want.as_str())
    {
        return Err("the proof's challenge is not the one requested".into());
    }
    if let Some(want) = &expected.domain {
        let matches = match map.get("domain") {
            Some(Value::String(d)) => d == want,
            Some(Value::Array(ds)) => ds.iter().any(|d| d == want.as_str()),
            _ => false,
        };
        if !matches {
            return Err("the proof's domain is not the one requested".into());
        }
    }
    if let (Some(expires), Some(now)) = (map.get("expires"), expected.now) {
        let at = expires
            .as_str()
            .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
            .ok_or("the proof's `expires` is not a dateTimeStamp")?;
        if now > at {
            return Err(format!("the proof expired at {expires}"));
        }
    }
    check_signed(
        unsecured,
        proof,
        &expected.purpose,
        resolve,
        production_loader(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vp() -> Value {
        json!({"@context": [VC_V2], "type": ["VerifiablePresentation"],
               "verifiableCredential": [{"@context": [VC_V2], "type": ["VerifiableCredential"]}]})
    }

    #[test]
    fn refuses_malformed_presentations() {
        let mut cases = Vec::new();
        for (field, value) in [
            ("@context", json!(null)),
            ("@context", json!([contexts::DATA_INTEGRITY_V2, VC_V2])),
            ("@context", json!([VC_V2, "https://example.org/unknown"])),
            ("type", json!(["VerifiableCredential"])),
            ("verifiableCredential", json!([42])),
            (
                "verifiableCredential",
                json!([{"type": ["VerifiableCredential"]}]),
            ),
            ("holder", json!("not a url")),
        ] {
            let mut p = vp();
            p[field] = value;
            cases.push(p);
        }
        let mut no_type = vp();
        no_type.as_object_mut().unwrap().remove("type");
        cases.push(no_type);
        for case in cases {
            assert!(check_structure(&case).is_err(), "{case}");
        }
        assert_eq!(check_structure(&vp()).unwrap().len(), 1);
    }
}
