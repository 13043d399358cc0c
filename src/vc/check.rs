//! Checks a caller-supplied credential before we sign it (`POST /credentials/issue`, VC API):
//! the VC Data Model 2.0 rules a signer must not paper over (§4.3 contexts, §4.5 types,
//! §4.9 validity period with XML Schema dateTimeStamp values, §4.11 status entries need `type`
//! and at most one URL `id`, §4.12 schema entries need an `id` URL and `type`, §5.3 related
//! resources, see [`super::related`]). VC Data Model 1.1 credentials (first context
//! `https://www.w3.org/2018/credentials/v1`) follow VC DM 1.1 §4.6/§4.7 instead of §4.9:
//! `issuanceDate` is required, `expirationDate` optional.

use super::contexts::{self, VC_V1, VC_V2};
use super::related::{self, is_url};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialCheckError {
    #[error("{0}")]
    Invalid(String),
    #[error("context `{0}` is not one this issuer holds; contexts are never fetched")]
    UnknownContext(String),
}

fn invalid(message: impl Into<String>) -> CredentialCheckError {
    CredentialCheckError::Invalid(message.into())
}

/// A dateTimeStamp: an RFC 3339 date-time with a mandatory offset.
pub fn parse_datetime(field: &str, value: &Value) -> Result<OffsetDateTime, CredentialCheckError> {
    let text = value
        .as_str()
        .ok_or_else(|| invalid(format!("`{field}` must be a string")))?;
    OffsetDateTime::parse(text, &Rfc3339).map_err(|_| {
        invalid(format!(
            "`{field}` is not an XML Schema dateTimeStamp: `{text}`"
        ))
    })
}

pub fn check_unsigned(credential: &Value) -> Result<(), CredentialCheckError> {
    let map = credential
        .as_object()
        .ok_or_else(|| invalid("the credential must be a JSON object"))?;
    let contexts: Vec<&Value> = match map.get("@context") {
        Some(Value::Array(items)) if !items.is_empty() => items.iter().collect(),
        Some(_) => return Err(invalid("`@context` must be a non-empty list")),
        None => return Err(invalid("`@context` is missing")),
    };
    let v1 = contexts[0].as_str() == Some(VC_V1);
    if contexts[0].as_str() != Some(VC_V2) && !v1 {
        return Err(invalid(format!(
            "the first `@context` must be `{VC_V2}` (or `{VC_V1}` for VC 1.1)"
        )));
    }
    for ctx in &contexts[1..] {
        match ctx {
            Value::String(url) if contexts::lookup(url).is_some() => {}
            Value::String(url) => return Err(CredentialCheckError::UnknownContext(url.clone())),
            Value::Object(_) => {}
            _ => return Err(invalid("each `@context` entry must be a URL or an object")),
        }
    }
    let types = as_strings(map.get("type")).ok_or_else(|| invalid("`type` is missing"))?;
    if !types.contains(&"VerifiableCredential") {
        return Err(invalid("`type` must include `VerifiableCredential`"));
    }
    if map.contains_key("proof") {
        return Err(invalid("the credential already has a `proof`"));
    }
    match map.get("credentialSubject") {
        Some(Value::Object(o)) if !o.is_empty() => {}
        Some(Value::Array(items))
            if !items.is_empty()
                && items
                    .iter()
                    .all(|i| i.as_object().is_some_and(|o| !o.is_empty())) => {}
        _ => {
            return Err(invalid(
                "`credentialSubject` must be a non-empty object or list of objects",
            ));
        }
    }
    if let Some(id) = map.get("id")
        && !id
            .as_str()
            .is_some_and(|s| s.contains(':') && !s.contains(char::is_whitespace))
    {
        return Err(invalid("`id` must be a URL"));
    }
    let (from_field, until_field) = validity_fields(credential);
    if v1 && !map.contains_key(from_field) {
        return Err(invalid("a VC 1.1 credential needs `issuanceDate`"));
    }
    let from = map
        .get(from_field)
        .map(|v| parse_datetime(from_field, v))
        .transpose()?;
    let until = map
        .get(until_field)
        .map(|v| parse_datetime(until_field, v))
        .transpose()?;
    if let (Some(from), Some(until)) = (from, until)
        && from > until
    {
        return Err(invalid(format!("`{from_field}` is after `{until_field}`")));
    }
    for field in [
        "credentialStatus",
        "credentialSchema",
        "evidence",
        "termsOfUse",
        "refreshService",
    ] {
        let entries: Vec<&Value> = match map.get(field) {
            None => continue,
            Some(Value::Array(items)) => items.iter().collect(),
            Some(other) => vec![other],
        };
        for entry in entries {
            if as_strings(entry.get("type")).is_none_or(|t| t.is_empty()) {
                return Err(invalid(format!("each `{field}` entry needs a `type`")));
            }
            let id = entry.get("id");
            let id_ok = id.is_none_or(|i| i.as_str().is_some_and(is_url));
            if (field == "credentialSchema" && id.is_none()) || !id_ok {
                return Err(invalid(format!(
                    "each `{field}` entry needs {} `id` URL",
                    if field == "credentialSchema" {
                        "an"
                    } else {
                        "at most one"
                    }
                )));
            }
        }
    }
    related::entries(credential).map_err(CredentialCheckError::Invalid)?;
    Ok(())
}

/// Whether the credential is a VC Data Model 1.1 one (its first context says so).
pub fn is_v1(credential: &Value) -> bool {
    credential
        .get("@context")
        .and_then(|c| c.get(0))
        .and_then(Value::as_str)
        == Some(VC_V1)
}

/// The fields bounding the validity period: VC 2.0 `validFrom`/`validUntil`, VC 1.1
/// `issuanceDate`/`expirationDate`.
pub fn validity_fields(credential: &Value) -> (&'static str, &'static str) {
    if is_v1(credential) {
        ("issuanceDate", "expirationDate")
    } else {
        ("validFrom", "validUntil")
    }
}

fn as_strings(v: Option<&Value>) -> Option<Vec<&str>> {
    match v? {
        Value::String(s) => Some(vec![s.as_str()]),
        Value::Array(items) => items.iter().map(Value::as_str).collect(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ok() -> Value {
        json!({"@context": [VC_V2], "type": ["VerifiableCredential"], "issuer": "did:example:1",
               "validFrom": "2026-01-01T00:00:00Z", "credentialSubject": {"id": "did:example:2"}})
    }

    #[test]
    fn accepts_a_minimal_credential() {
        check_unsigned(&ok()).unwrap();
    }

    #[test]
    fn accepts_caller_status_schema_and_vc_1_1() {
        let mut c = ok();
        c["credentialStatus"] = json!({"type": "ExampleStatus", "id": "https://x.example/s#1"});
        c["credentialSchema"] = json!({"type": "JsonSchema", "id": "https://x.example/schema"});
        check_unsigned(&c).unwrap();
        let v1 = json!({"@context": [VC_V1], "type": ["VerifiableCredential"],
                        "issuer": "did:example:1", "issuanceDate": "2020-01-01T00:00:00Z",
                        "credentialSubject": {"id": "did:example:2"}});
        check_unsigned(&v1).unwrap();
        let mut no_date = v1.clone();
        no_date.as_object_mut().unwrap().remove("issuanceDate");
        assert!(check_unsigned(&no_date).is_err());
        let mut backwards = v1;
        backwards["expirationDate"] = json!("2019-01-01T00:00:00Z");
        assert!(check_unsigned(&backwards).is_err());
    }

    #[test]
    fn refuses_what_a_signer_must_not_sign() {
        let cases: Vec<(&str, Value)> = vec![
            ("@context", json!(null)),
            ("type", json!(["Foo"])),
            ("validFrom", json!("2026-01-01")),
            ("validUntil", json!("2025-01-01T00:00:00Z")),
            ("credentialSchema", json!({"id": "https://x"})),
            ("credentialSchema", json!({"type": "JsonSchema"})),
            (
                "credentialSchema",
                json!([{"type": "JsonSchema", "id": "no url"}]),
            ),
            ("credentialStatus", json!([{"id": "https://x"}])),
            (
                "credentialStatus",
                json!({"type": "X", "id": ["https://a", "https://b"]}),
            ),
            ("relatedResource", json!([{"id": "https://x"}])),
            ("credentialSubject", json!({})),
        ];
        for (field, value) in cases {
            let mut c = ok();
            c[field] = value;
            assert!(check_unsigned(&c).is_err(), "{field}");
        }
        let mut c = ok();
        c["@context"] = json!([VC_V2, "https://example.org/unknown"]);
        assert_eq!(
            check_unsigned(&c),
            Err(CredentialCheckError::UnknownContext(
                "https://example.org/unknown".into()
            ))
        );
    }
}
