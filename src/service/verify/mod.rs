//! Verification: an honest verdict on a presented credential (VC Data Model 2.0 §7.1
//! "Verification", VC API "Verify Credential"). A verdict is not an error: a revoked,
//! tampered or expired credential yields `verified: false` with the failed check and why.
//! Anything that could not be checked is `unknown`, and `unknown` never counts as valid.

mod headline;
mod issued;
mod keys;
mod lineage;
pub mod presentation;
mod related;
mod status;
mod status_size;

pub use headline::Headline;
pub use issued::IssuedCache;

use super::{Context, ServiceError, ServiceResult};
use crate::vc::check::parse_datetime;
use crate::vc::{jwt, proof};
use serde::Serialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

pub use keys::KeyOrigin;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Passed,
    Failed,
    Unknown,
    Skipped,
}

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub check: &'static str,
    pub status: Status,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

fn check(name: &'static str, status: Status, detail: impl Into<String>) -> Check {
    Check {
        check: name,
        status,
        detail: detail.into(),
    }
}

/// One link of a lineage chain, for pages that draw it.
#[derive(Debug, Clone, Serialize)]
pub struct LineageLink {
    pub depth: usize,
    pub credential: String,
    pub achievement: String,
    pub status: Status,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub verified: bool,
    pub checks: Vec<Check>,
    pub credential: Option<Value>,
    pub format: &'static str,
    #[serde(with = "time::serde::rfc3339")]
    pub checked_at: OffsetDateTime,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lineage: Vec<LineageLink>,
}

impl Verdict {
    pub fn status_of(&self, name: &str) -> Option<Status> {
        self.checks
            .iter()
            .find(|c| c.check == name)
            .map(|c| c.status)
    }
}

/// What was presented.
pub enum Presented {
    Json(Value),
    Jwt(String),
}

pub const ALL_CHECKS: [&str; 6] = [
    "proof",
    "validity",
    "revocation",
    "suspension",
    "schema",
    "lineage",
];

/// Reads the accepted input shapes: a credential with an embedded proof, a compact vc+jwt,
/// an `EnvelopedVerifiableCredential`, or the VC API `{verifiableCredential, options}`.
pub fn parse_input(value: Value) -> ServiceResult<(Presented, Option<Vec<String>>)> {
    let invalid = |m: &str| ServiceError::invalid("invalid_credential", m);
    let (inner, checks) = match value.get("verifiableCredential") {
        Some(vc) => {
            let checks = match value.pointer("/options/checks") {
                None => None,
                Some(Value::Array(items)) => Some(
                    items
                        .iter()
                        .map(|c| {
                            c.as_str()
                                .filter(|c| ALL_CHECKS.contains(c))
                                .map(String::from)
                        })
                        .collect::<Option<Vec<_>>>()
                        .ok_or_else(|| invalid("`options.checks` names an unknown check"))?,
                ),
                Some(_) => return Err(invalid("`options.checks` must be a list")),
            };
            (vc.clone(), checks)
        }
        None => (value, None),
    };
    let presented = match inner {
        Value::String(token) => Presented::Jwt(token),
        Value::Object(map) => {
            let enveloped = match map.get("type") {
                Some(Value::String(t)) => t == "EnvelopedVerifiableCredential",
                Some(Value::Array(ts)) => ts.iter().any(|t| t == "EnvelopedVerifiableCredential"),
                _ => false,
            };
            if enveloped {
                let id = map.get("id").and_then(Value::as_str).unwrap_or_default();
                let token = id.strip_prefix("data:application/vc+jwt,").ok_or_else(|| {
                    invalid(
                        "an EnvelopedVerifiableCredential must carry `data:application/vc+jwt,…`",
                    )
                })?;
                Presented::Jwt(token.to_owned())
            } else {
                Presented::Json(Value::Object(map))
            }
        }
        _ => {
            return Err(invalid(
                "expected a credential (JSON object) or a compact vc+jwt",
            ));
        }
    };
    if let Presented::Jwt(token) = &presented {
        jwt::parse(token).map_err(|e| ServiceError::invalid("invalid_jwt", e.to_string()))?;
    }
    Ok((presented, checks))
}

pub async fn verify(
    ctx: &Context,
    presented: Presented,
    only: Option<&[String]>,
) -> ServiceResult<Verdict> {
    let now = ctx.now();
    // List revisions read during this verification, shared by its checks.
    let mut revisions = status::Revisions::new();
    let (resolver, credential, format, proof_check, jwt_times) = match presented {
        Presented::Json(doc) => {
            let resolver = keys::Resolver::load(ctx, &keys::Resolver::named_by(&doc)).await?;
            let c = keys::check_embedded(ctx, &resolver, &doc, &mut revisions).await;
            (resolver, doc, "data-integrity", c, None)
        }
        Presented::Jwt(token) => {
            let parsed = jwt::parse(&token)
                .map_err(|e| ServiceError::invalid("invalid_jwt", e.to_string()))?;
            let kid = parsed.header.get("kid").and_then(Value::as_str);
            let resolver = keys::Resolver::load(ctx, &Vec::from_iter(kid)).await?;
            let c = keys::check_jwt(ctx, &resolver, &token, &parsed, &mut revisions).await;
            let times = (
                parsed.payload.get("nbf").cloned(),
                parsed.payload.get("exp").cloned(),
                parsed.payload.get("iat").cloned(),
            );
            let mut doc = Value::Object(parsed.payload);
            if let Some(map) = doc.as_object_mut() {
                for claim in ["iss", "jti", "iat", "nbf", "exp", "sub", "aud"] {
                    map.remove(claim);
                }
            }
            (resolver, doc, "vc+jwt", c, Some(times))
        }
    };
    let wanted = |name: &str| only.is_none_or(|list| list.iter().any(|c| c == name));
    let mut checks = Vec::new();
    checks.push(if wanted("proof") {
        proof_check
    } else {
        check("proof", Status::Skipped, "not requested")
    });
    checks.push(if wanted("validity") {
        validity(&credential, jwt_times.as_ref(), now)
    } else {
        check("validity", Status::Skipped, "not requested")
    });
    let trusted = resolver.issuer_origin(&credential).is_some();
    for purpose in crate::domain::status::StatusPurpose::ALL {
        let name = purpose.as_str();
        checks.push(if wanted(name) {
            status::check_status(
                ctx,
                &resolver,
                &credential,
                purpose,
                trusted,
                &mut revisions,
            )
            .await
        } else {
            check(name, Status::Skipped, "not requested")
        });
    }
    checks.push(if wanted("schema") {
        related::with_related(ctx, &credential, schema(ctx, &credential)).await
    } else {
        check("schema", Status::Skipped, "not requested")
    });
    let (lineage_check, links) = if wanted("lineage") {
        lineage::check_lineage(ctx, &credential).await
    } else {
        (
            check("lineage", Status::Skipped, "not requested"),
            Vec::new(),
        )
    };
    checks.push(lineage_check);
    let verified = checks
        .iter()
        .all(|c| matches!(c.status, Status::Passed | Status::Skipped))
        && checks
            .iter()
            .any(|c| c.check == "proof" && c.status == Status::Passed);
    crate::metrics::verification(if verified {
        "verified"
    } else if checks.iter().any(|c| c.status == Status::Failed) {
        "failed"
    } else {
        "unknown"
    });
    Ok(Verdict {
        verified,
        checks,
        credential: Some(summary(&credential, &resolver)),
        format,
        checked_at: now,
        lineage: links,
    })
}

fn summary(credential: &Value, resolver: &keys::Resolver) -> Value {
    let subject = &credential["credentialSubject"];
    json!({
        "id": credential.get("id"),
        "name": credential.get("name"),
        "holder": subject.get("name"),
        "achievement": subject.pointer("/achievement/name").or_else(|| credential.get("name")),
        "achievementId": subject.pointer("/achievement/id"),
        "level": subject.pointer("/achievement/alignment/0/targetName"),
        "issuer": jwt::issuer_id(credential),
        "issuerName": credential.pointer("/issuer/name"),
        "issuerTrust": resolver.issuer_origin(credential).map(|o| o.as_str()),
        "validFrom": credential.get("validFrom"),
        "validUntil": credential.get("validUntil"),
    })
}

/// VC 2.0 §4.9; for a JWT, `nbf`/`exp` must agree with `validFrom`/`validUntil` (VC-JOSE-COSE §3.1.2).
fn validity(
    credential: &Value,
    jwt_times: Option<&(Option<Value>, Option<Value>, Option<Value>)>,
    now: OffsetDateTime,
) -> Check {
    // VC 1.1 (first context `https://www.w3.org/2018/credentials/v1`): issuanceDate/expirationDate.
    let (from_field, until_field) = crate::vc::check::validity_fields(credential);
    let from = match credential
        .get(from_field)
        .map(|v| parse_datetime(from_field, v))
        .transpose()
    {
        Ok(v) => v,
        Err(e) => return check("validity", Status::Failed, e.to_string()),
    };
    let until = match credential
        .get(until_field)
        .map(|v| parse_datetime(until_field, v))
        .transpose()
    {
        Ok(v) => v,
        Err(e) => return check("validity", Status::Failed, e.to_string()),
    };
    if let Some((nbf, exp, _)) = jwt_times {
        let agrees = |claim: &Option<Value>, field: Option<OffsetDateTime>| match (claim, field) {
            (None, _) => true,
            (Some(v), Some(t)) => v.as_i64() == Some(t.unix_timestamp()),
            (Some(_), None) => false,
        };
        if !agrees(nbf, from) {
            return check(
                "validity",
                Status::Failed,
                "the JWT `nbf` disagrees with validFrom",
            );
        }
        if !agrees(exp, until) {
            return check(
                "validity",
                Status::Failed,
                "the JWT `exp` disagrees with validUntil",
            );
        }
    }
    let day = |t: OffsetDateTime| t.date().to_string();
    // A `validFrom` a little ahead of our clock is the issuer's clock running ahead, not a
    // credential dated into the future: allow the documented skew for "not yet valid" only.
    if let Some(from) = from.filter(|f| now + crate::domain::validity::CLOCK_SKEW < *f) {
        return check(
            "validity",
            Status::Failed,
            format!("not valid until {}", day(from)),
        );
    }
    if let Some(until) = until.filter(|u| now > *u) {
        return check(
            "validity",
            Status::Failed,
            format!("expired on {}", day(until)),
        );
    }
    match until {
        Some(u) => check(
            "validity",
            Status::Passed,
            format!("valid until {}", day(u)),
        ),
        None => check("validity", Status::Passed, "no expiry date"),
    }
}

/// Our credentials are checked against the JSON Schema they name; others against the VC 2.0
/// rules a signer must not break.
fn schema(ctx: &Context, credential: &Value) -> Check {
    let ours = format!(
        "{}{}",
        ctx.base_url(),
        crate::vc::credential::CREDENTIAL_SCHEMA_PATH
    );
    let names_ours = credential["credentialSchema"]
        .as_array()
        .is_some_and(|s| s.iter().any(|e| e["id"] == ours.as_str()));
    if names_ours {
        return match ctx.credential_schema.iter_errors(credential).next() {
            None => check(
                "schema",
                Status::Passed,
                "matches credential.schema.json (Open Badges 3.0)",
            ),
            Some(e) => check(
                "schema",
                Status::Failed,
                format!("{} {}", e.instance_path(), e),
            ),
        };
    }
    let mut unsigned = credential.clone();
    if let Some(map) = unsigned.as_object_mut() {
        map.remove("proof");
    }
    match crate::vc::check::check_unsigned(&unsigned) {
        Ok(()) => check("schema", Status::Passed, "VC Data Model 2.0 structure"),
        Err(e) => check("schema", Status::Failed, e.to_string()),
    }
}

pub(crate) fn proof_detail(v: &proof::ProofVerdict, origin: KeyOrigin) -> String {
    format!(
        "{}, key {} ({})",
        v.cryptosuite,
        v.verification_method,
        origin.as_str()
    )
}

/// The CLI may fetch what its operator names (a URL typed at the console is not
/// presenter-controlled input), with the same limits as every outbound fetch.
pub async fn fetch_for_cli(url: &str) -> Result<Vec<u8>, String> {
    keys::fetch_bytes(
        url,
        "application/vc+ld+json, application/vc+jwt;q=0.9, application/json;q=0.8",
    )
    .await
}
