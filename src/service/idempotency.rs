//! Whether a retried exam result means the same as the one stored under its `attempt_id`
//! (DESIGN.md "Exam result", issue 15 §4): compared on the parsed, normalized result
//! ([`ExamResult::normalized`]), not on bytes, so `.000Z`, an explicit default or a trailing
//! space in a name is the same request. What is stored is the normalized result without the
//! candidate's email (issue 15 §3) and a hash of the whole normalized result, email included.

use super::{ServiceError, ServiceResult};
use crate::domain::exam::ExamResult;
use crate::problem::ProblemCode;
use crate::store::AttemptRow;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Marks `body_hash` values computed on the normalized result; older rows hash the request's
/// RFC 8785 form as sent.
const NORMALIZED: &str = "n1:";
/// `body_hash` of an attempt whose candidate was erased: nothing left to compare with.
pub const ERASED: &str = "erased";

/// What is kept of a request, and how a retry is recognized.
#[derive(Debug, Clone)]
pub struct Fingerprint {
    /// `n1:` + SHA-256 of the RFC 8785 form of the normalized result.
    pub hash: String,
    /// SHA-256 of the RFC 8785 form of the body as sent (rows stored before `n1:`).
    pub legacy_hash: String,
    /// The normalized result without `candidate.email`: what `exam_attempts.body` keeps.
    pub redacted: Value,
}

fn sha256_jcs(value: &Value) -> ServiceResult<String> {
    let canonical = serde_json_canonicalizer::to_string(value)
        .map_err(|e| ServiceError::internal(e.to_string()))?;
    Ok(Sha256::digest(canonical.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

fn normal_form(result: &ExamResult) -> ServiceResult<Value> {
    serde_json::to_value(result.normalized()).map_err(|e| ServiceError::internal(e.to_string()))
}

fn without_email(mut value: Value) -> Value {
    if let Some(candidate) = value.get_mut("candidate").and_then(Value::as_object_mut) {
        candidate.remove("email");
    }
    value
}

pub fn fingerprint(result: &ExamResult, body: &Value) -> ServiceResult<Fingerprint> {
    let normal = normal_form(result)?;
    Ok(Fingerprint {
        hash: format!("{NORMALIZED}{}", sha256_jcs(&normal)?),
        legacy_hash: sha256_jcs(body)?,
        redacted: without_email(normal),
    })
}

/// `Ok` when `existing` was stored from a request that means the same as `new`; otherwise the
/// 409 that names the first field that differs.
pub fn same_request(existing: &AttemptRow, new: &Fingerprint) -> ServiceResult<()> {
    if existing.body_hash == ERASED {
        return Err(ServiceError::conflict(
            ProblemCode::AttemptErased,
            format!(
                "attempt `{}` belonged to a candidate whose data was erased",
                existing.attempt_id
            ),
        ));
    }
    let same = match existing.body_hash.strip_prefix(NORMALIZED) {
        Some(_) => existing.body_hash == new.hash,
        None => existing.body_hash == new.legacy_hash || legacy_means_same(existing, new),
    };
    if same {
        return Ok(());
    }
    let stored: Value = serde_json::from_str(&existing.body).unwrap_or_default();
    let stored = match serde_json::from_value::<ExamResult>(stored.clone()) {
        // A row from before redaction holds the request as sent, email included.
        Ok(full) => without_email(normal_form(&full)?),
        Err(_) => stored,
    };
    let field = first_difference(&stored, &new.redacted, String::new())
        .unwrap_or_else(|| "candidate.email".to_owned());
    Err(ServiceError::conflict(
        ProblemCode::AttemptConflict,
        format!(
            "attempt `{}` was already submitted with a different `{field}`",
            existing.attempt_id
        ),
    )
    .with_details(json!({"field": field})))
}

/// A row stored before `n1:` hashes: same meaning when its full body normalizes to the same.
fn legacy_means_same(existing: &AttemptRow, new: &Fingerprint) -> bool {
    serde_json::from_str::<ExamResult>(&existing.body)
        .ok()
        .and_then(|full| normal_form(&full).ok())
        .and_then(|normal| sha256_jcs(&normal).ok())
        .is_some_and(|hash| format!("{NORMALIZED}{hash}") == new.hash)
}

/// The dotted path of the first place `a` and `b` differ (`exam.sections[0].score`).
fn first_difference(a: &Value, b: &Value, path: String) -> Option<String> {
    let at = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter().find_map(|k| match (x.get(k), y.get(k)) {
                (Some(p), Some(q)) => first_difference(p, q, at(k)),
                _ => Some(at(k)),
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| first_difference(p, q, format!("{path}[{i}]"))),
        _ if a == b => None,
        _ => Some(if path.is_empty() { "body".into() } else { path }),
    }
}

/// The stored body of a pending attempt with its email put back, ready to issue.
pub fn pending_result(row: &AttemptRow) -> ServiceResult<ExamResult> {
    let mut body: Value =
        serde_json::from_str(&row.body).map_err(|e| ServiceError::internal(e.to_string()))?;
    if let (Some(candidate), Some(email)) = (
        body.get_mut("candidate").and_then(Value::as_object_mut),
        &row.candidate_email,
    ) {
        candidate
            .entry("email")
            .or_insert_with(|| Value::String(email.clone()));
    }
    serde_json::from_value(body).map_err(|e| ServiceError::internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_difference_is_named_by_its_path() {
        let a = json!({"exam": {"score": 1, "sections": [{"name": "x"}]}, "b": 1});
        let b = json!({"exam": {"score": 1, "sections": [{"name": "y"}]}, "b": 1});
        assert_eq!(
            first_difference(&a, &b, String::new()).as_deref(),
            Some("exam.sections[0].name")
        );
        assert_eq!(first_difference(&a, &a, String::new()), None);
    }
}
