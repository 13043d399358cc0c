//! Verification: an honest verdict on a presented credential (VC Data Model 2.0 §7.1
//! "Verification", VC API "Verify Credential"). A verdict is not an error: a revoked,
//! tampered or expired credential yields `verified: false` with the failed check and why.
//! Anything that could not be checked is `unknown`, and `unknown` never counts as valid —
//! except the `issuer` check: `verified` keeps the VC API meaning (the proof and the
//! credential's state check out, whoever signed it), and the human surfaces read the `issuer`
//! check to say VALID only for credentials of this service or of a trusted issuer.

mod checks;
mod headline;
mod issued;
mod keys;
mod kind;
mod lineage;
pub mod presentation;
mod related;
mod status;
mod status_size;

pub use headline::Headline;
pub use issued::IssuedCache;
pub use kind::CheckKind;

use super::{Context, ServiceError, ServiceResult};
use crate::problem::ProblemCode;
use crate::vc::{jwt, proof};
use checks::{issuer_check, schema, validity};
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use utoipa::ToSchema;

pub use keys::KeyOrigin;

// The verdict types are the VC API wire format itself, so they also derive the schemas the
// OpenAPI document gives for them (under the names the document has always used).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = CheckStatus)]
pub enum Status {
    Passed,
    Failed,
    Unknown,
    Skipped,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = CheckResult)]
pub struct Check {
    pub check: CheckKind,
    pub status: Status,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
    /// A failed `validity` check because `validUntil` has passed (the headline says EXPIRED,
    /// not INVALID); the detail text is for people and is not read back.
    #[serde(skip)]
    pub expired: bool,
}

fn check(kind: CheckKind, status: Status, detail: impl Into<String>) -> Check {
    Check {
        check: kind,
        status,
        detail: detail.into(),
        expired: false,
    }
}

/// One link of a lineage chain, for pages that draw it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LineageLink {
    pub depth: usize,
    pub credential: String,
    pub achievement: String,
    pub status: Status,
    pub detail: String,
}

/// A verdict: `200` when verified, `422` with the same shape when not.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Verdict {
    pub verified: bool,
    pub checks: Vec<Check>,
    /// What the credential says (holder, achievement, validity).
    pub credential: Facts,
    /// `data-integrity` or `vc+jwt`.
    pub format: &'static str,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub checked_at: OffsetDateTime,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lineage: Vec<LineageLink>,
}

/// What a presented credential says about itself, copied as written (a credential may give a
/// name as a language map, so values are not narrowed to strings); `null` where it is silent.
/// These are claims, not facts checked: pages show them under the verdict's headline.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = CredentialFacts)]
pub struct Facts {
    pub id: Option<Value>,
    pub name: Option<Value>,
    /// `credentialSubject.name`.
    pub holder: Option<Value>,
    /// The achievement's name, else the credential's.
    pub achievement: Option<Value>,
    pub achievement_id: Option<Value>,
    /// The achievement's first alignment `targetName` (the program level).
    pub level: Option<Value>,
    pub issuer: Option<String>,
    pub issuer_name: Option<Value>,
    /// How the signing key is known, when it is (`this issuer`, `trusted issuer`, …).
    pub issuer_trust: Option<&'static str>,
    pub valid_from: Option<Value>,
    pub valid_until: Option<Value>,
}

impl Facts {
    /// The value as text, or empty when it is absent or not a string.
    pub fn text(value: &Option<Value>) -> &str {
        value.as_ref().and_then(Value::as_str).unwrap_or_default()
    }
}

impl Verdict {
    pub fn status_of(&self, kind: CheckKind) -> Option<Status> {
        self.checks
            .iter()
            .find(|c| c.check == kind)
            .map(|c| c.status)
    }
}

/// List revisions read during one verification, by list number: the checks of one verdict
/// (the record's proof, then its status) see the same revision of a list.
pub type Revisions = std::collections::HashMap<i64, i64>;

/// What was presented.
pub enum Presented {
    Json(Value),
    Jwt(String),
}

/// Reads the accepted input shapes: a credential with an embedded proof, a compact vc+jwt,
/// an `EnvelopedVerifiableCredential`, or the VC API `{verifiableCredential, options}`.
pub fn parse_input(value: Value) -> ServiceResult<(Presented, Option<Vec<CheckKind>>)> {
    let invalid = |m: &str| ServiceError::invalid(ProblemCode::InvalidCredential, m);
    let (inner, checks) = match value.get("verifiableCredential") {
        Some(vc) => {
            let checks = match value.pointer("/options/checks") {
                None => None,
                Some(Value::Array(items)) => Some(
                    items
                        .iter()
                        .map(|c| c.as_str().and_then(CheckKind::parse))
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
        jwt::parse(token)
            .map_err(|e| ServiceError::invalid(ProblemCode::InvalidJwt, e.to_string()))?;
    }
    Ok((presented, checks))
}

pub async fn verify(
    ctx: &Context,
    presented: Presented,
    only: Option<&[CheckKind]>,
) -> ServiceResult<Verdict> {
    let now = ctx.now();
    // List revisions read during this verification, shared by its checks.
    let mut revisions = Revisions::new();
    let max_proofs = ctx.config.limits.max_proofs();
    let (resolver, credential, format, proof_check, jwt_times) = match presented {
        Presented::Json(doc) => {
            let resolver =
                keys::Resolver::load(ctx, &keys::Resolver::named_by(&doc, max_proofs)).await?;
            let c = keys::check_embedded(ctx, &resolver, &doc, &mut revisions).await?;
            (resolver, doc, "data-integrity", c, None)
        }
        Presented::Jwt(token) => {
            let parsed = jwt::parse(&token)
                .map_err(|e| ServiceError::invalid(ProblemCode::InvalidJwt, e.to_string()))?;
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
    // Whatever was requested, nothing is fetched for a credential whose proof failed.
    let proof_ok = proof_check.status == Status::Passed;
    let origin = resolver.issuer_origin(&credential);
    let wanted = |kind: CheckKind| only.is_none_or(|list| list.contains(&kind));
    let skipped = |kind: CheckKind| check(kind, Status::Skipped, "not requested");
    let mut checks = Vec::new();
    checks.push(if wanted(CheckKind::Proof) {
        proof_check
    } else {
        skipped(CheckKind::Proof)
    });
    checks.push(if wanted(CheckKind::Issuer) {
        issuer_check(&credential, origin, proof_ok)
    } else {
        skipped(CheckKind::Issuer)
    });
    checks.push(if wanted(CheckKind::Validity) {
        validity(&credential, jwt_times.as_ref(), now)
    } else {
        skipped(CheckKind::Validity)
    });
    for purpose in crate::domain::status::StatusPurpose::ALL {
        let kind = CheckKind::of_status(purpose);
        checks.push(if wanted(kind) {
            status::check_status(
                ctx,
                &resolver,
                &credential,
                purpose,
                origin,
                proof_ok,
                &mut revisions,
            )
            .await
        } else {
            skipped(kind)
        });
    }
    // Both the digests and the lineage read the prerequisites' rows: once each.
    let mut rows = crate::service::related::HeldRows::default();
    checks.push(if wanted(CheckKind::Schema) {
        related::with_related(ctx, &credential, schema(ctx, &credential), &mut rows).await
    } else {
        skipped(CheckKind::Schema)
    });
    let (lineage_check, links) = if wanted(CheckKind::Lineage) {
        lineage::check_lineage(ctx, &credential, origin, &mut rows).await
    } else {
        (skipped(CheckKind::Lineage), Vec::new())
    };
    checks.push(lineage_check);
    // VC API semantics: who the issuer is does not decide `verified` (see the module header).
    let verified = checks
        .iter()
        .filter(|c| c.check != CheckKind::Issuer)
        .all(|c| matches!(c.status, Status::Passed | Status::Skipped))
        && checks
            .iter()
            .any(|c| c.check == CheckKind::Proof && c.status == Status::Passed);
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
        credential: facts(&credential, &resolver),
        format,
        checked_at: now,
        lineage: links,
    })
}

fn facts(credential: &Value, resolver: &keys::Resolver) -> Facts {
    let subject = &credential["credentialSubject"];
    let at = |pointer: &str| credential.pointer(pointer).cloned();
    Facts {
        id: at("/id"),
        name: at("/name"),
        holder: subject.get("name").cloned(),
        achievement: subject
            .pointer("/achievement/name")
            .or_else(|| credential.get("name"))
            .cloned(),
        achievement_id: subject.pointer("/achievement/id").cloned(),
        level: subject
            .pointer("/achievement/alignment/0/targetName")
            .cloned(),
        issuer: jwt::issuer_id(credential),
        issuer_name: at("/issuer/name"),
        issuer_trust: resolver.issuer_origin(credential).map(|o| o.as_str()),
        valid_from: at("/validFrom"),
        valid_until: at("/validUntil"),
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

/// The CLI fetches what its operator names through the same module as every outbound fetch;
/// a URL typed at the console is not presenter-controlled, so any address may be named.
pub async fn fetch_for_cli(url: &str) -> Result<Vec<u8>, String> {
    crate::service::outbound::Outbound::operator()
        .fetch_bytes(
            url,
            "application/vc+ld+json, application/vc+jwt;q=0.9, application/json;q=0.8",
        )
        .await
        .map_err(|e| e.to_string())
}
