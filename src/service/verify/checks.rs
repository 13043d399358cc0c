//! The checks that need no key and no fetch: who the issuer is (against this service's own
//! DIDs and `trusted_issuers`), the validity period (VC Data Model 2.0 §4.9) and the schema
//! (§4.11 `credentialSchema`, or the §4 rules for other issuers' credentials).

use super::keys::KeyOrigin;
use super::{Check, CheckKind, Status, check};
use crate::service::Context;
use crate::vc::check::parse_datetime;
use crate::vc::jwt;
use serde_json::Value;
use time::OffsetDateTime;

/// Passed only for a credential issued by this service (any of its keys, current or retired)
/// or by a configured trusted issuer, as its verified proof shows: a name in an unproven
/// document is only a claim.
pub(super) fn issuer_check(credential: &Value, origin: Option<KeyOrigin>, proof_ok: bool) -> Check {
    let did = jwt::issuer_id(credential).unwrap_or_else(|| "(no issuer)".into());
    if origin.is_some() && !proof_ok {
        return check(
            CheckKind::Issuer,
            Status::Unknown,
            format!("{did} is named as the issuer, but the proof does not confirm it"),
        );
    }
    match origin {
        Some(KeyOrigin::Ours) => check(
            CheckKind::Issuer,
            Status::Passed,
            format!("{did} (this issuer)"),
        ),
        Some(_) => check(
            CheckKind::Issuer,
            Status::Passed,
            format!("{did} (a trusted issuer)"),
        ),
        None => check(
            CheckKind::Issuer,
            Status::Unknown,
            format!("{did} is not an issuer this service knows"),
        ),
    }
}

/// VC 2.0 §4.9; for a JWT, `nbf`/`exp` must agree with `validFrom`/`validUntil` (VC-JOSE-COSE §3.1.2).
pub(super) fn validity(
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
        Err(e) => return check(CheckKind::Validity, Status::Failed, e.to_string()),
    };
    let until = match credential
        .get(until_field)
        .map(|v| parse_datetime(until_field, v))
        .transpose()
    {
        Ok(v) => v,
        Err(e) => return check(CheckKind::Validity, Status::Failed, e.to_string()),
    };
    if let Some((nbf, exp, _)) = jwt_times {
        let agrees = |claim: &Option<Value>, field: Option<OffsetDateTime>| match (claim, field) {
            (None, _) => true,
            (Some(v), Some(t)) => v.as_i64() == Some(t.unix_timestamp()),
            (Some(_), None) => false,
        };
        if !agrees(nbf, from) {
            return check(
                CheckKind::Validity,
                Status::Failed,
                "the JWT `nbf` disagrees with validFrom",
            );
        }
        if !agrees(exp, until) {
            return check(
                CheckKind::Validity,
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
            CheckKind::Validity,
            Status::Failed,
            format!("not valid until {}", day(from)),
        );
    }
    if let Some(until) = until.filter(|u| now > *u) {
        return Check {
            expired: true,
            ..check(
                CheckKind::Validity,
                Status::Failed,
                format!("expired on {}", day(until)),
            )
        };
    }
    match until {
        Some(u) => check(
            CheckKind::Validity,
            Status::Passed,
            format!("valid until {}", day(u)),
        ),
        None => check(CheckKind::Validity, Status::Passed, "no expiry date"),
    }
}

/// Our credentials are checked against the JSON Schema they name; others against the VC 2.0
/// rules a signer must not break.
pub(super) fn schema(ctx: &Context, credential: &Value) -> Check {
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
                CheckKind::Schema,
                Status::Passed,
                "matches credential.schema.json (Open Badges 3.0)",
            ),
            Some(e) => check(
                CheckKind::Schema,
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
        Ok(()) => check(
            CheckKind::Schema,
            Status::Passed,
            "VC Data Model 2.0 structure",
        ),
        Err(e) => check(CheckKind::Schema, Status::Failed, e.to_string()),
    }
}
