//! Status checks (W3C Bitstring Status List v1.0 §3.2 "Validate Algorithm"): our own lists are
//! read locally from the current publication and never fetched; a trusted issuer's list is
//! fetched (only once the credential's proof verified), and counts only when that same issuer
//! signed it (§3.2 step 4, "validate the proof of the status list credential"). Anything that
//! cannot be established is `unknown`; a verdict never repeats what a fetched document said.

use super::Revisions;
use super::keys::{KeyOrigin, Resolver, check_embedded};
use super::{Check, CheckKind, Status, check};
use crate::cache::Bounded;
use crate::domain::ids::CredentialId;
use crate::domain::status::{Bitstring, StatusPurpose};
use crate::service::{Context, ServiceError, status};
use crate::vc::check::parse_datetime;
use crate::vc::jwt::issuer_id;
use crate::vc::status_list;
use serde_json::Value;
use std::sync::{Arc, LazyLock};

/// Decoded bitstrings of our own publications, keyed by ETag (which changes with every
/// re-signing), so a verification does not inflate 16 KiB each time.
static DECODED: LazyLock<Bounded<String, Arc<Bitstring>>> = LazyLock::new(|| Bounded::new(1024));

fn entry_for(credential: &Value, purpose: StatusPurpose) -> Option<&Value> {
    let entries: Vec<&Value> = match credential.get("credentialStatus")? {
        Value::Array(items) => items.iter().collect(),
        single => vec![single],
    };
    entries
        .into_iter()
        .find(|e| e["type"] == "BitstringStatusListEntry" && e["statusPurpose"] == purpose.as_str())
}

fn decoded_list(list: &Value, purpose: StatusPurpose) -> Result<Bitstring, String> {
    let subject = &list["credentialSubject"];
    if subject["type"] != "BitstringStatusList" {
        return Err("the status list credential is not a BitstringStatusList".into());
    }
    let purposes_match = match &subject["statusPurpose"] {
        Value::String(p) => p == purpose.as_str(),
        Value::Array(ps) => ps.iter().any(|p| p == purpose.as_str()),
        _ => false,
    };
    if !purposes_match {
        return Err(format!("the status list is not for {}", purpose.as_str()));
    }
    let encoded = subject["encodedList"]
        .as_str()
        .ok_or("the status list has no encodedList")?;
    status_list::decode(encoded)
}

async fn our_bits(
    ctx: &Context,
    list_id: &str,
    purpose: StatusPurpose,
    revisions: &mut Revisions,
) -> Result<Arc<Bitstring>, String> {
    let (_, number) = status::parse_list_id(list_id)
        .ok_or_else(|| ServiceError::not_found("status list").message)?;
    let revision = match revisions.get(&number) {
        Some(r) => *r,
        None => {
            let r = status::revision(ctx, number).await.map_err(|e| e.message)?;
            revisions.insert(number, r);
            r
        }
    };
    let publication = status::publication_at(ctx, list_id, revision)
        .await
        .map_err(|e| e.message)?;
    if let Some(bits) = DECODED.get(publication.etag.as_str()) {
        return Ok(bits);
    }
    let list: Value = serde_json::from_str(&publication.json).map_err(|e| e.to_string())?;
    let bits = Arc::new(decoded_list(&list, purpose)?);
    DECODED.put(publication.etag.clone(), bits.clone());
    Ok(bits)
}

async fn foreign_bits(
    ctx: &Context,
    resolver: &Resolver,
    url: &str,
    purpose: StatusPurpose,
    issuer: &str,
) -> Result<Bitstring, String> {
    let list = ctx
        .outbound
        .fetch_json(url)
        .await
        .map_err(|_| "the status list could not be fetched".to_owned())?;
    let invalid = || format!("{url} is not a valid status list credential");
    if issuer_id(&list).as_deref() != Some(issuer) {
        return Err(format!(
            "{url} is not a status list of the credential's issuer"
        ));
    }
    // The resolver only attributes to `issuer` keys it controls, so a list signed by anyone
    // else fails here.
    let proof = check_embedded(ctx, resolver, &list, &mut Revisions::new())
        .await
        .map_err(|e| e.message)?;
    if proof.status != Status::Passed {
        return Err(invalid());
    }
    if let Some(until) = list.get("validUntil") {
        let until = parse_datetime("validUntil", until).map_err(|_| invalid())?;
        if ctx.now() > until {
            return Err("the status list credential has expired".into());
        }
    }
    decoded_list(&list, purpose).map_err(|_| invalid())
}

/// Why our own credential is in that state, for the verdict's detail.
async fn our_reason(ctx: &Context, credential: &Value) -> Option<String> {
    let id = credential.get("id")?.as_str()?;
    let uuid = id.strip_prefix(&format!("{}/credentials/", ctx.base_url()))?;
    let row = ctx
        .store
        .credential(&CredentialId::parse(uuid).ok()?)
        .await
        .ok()??;
    let at = row
        .state_changed_at
        .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())?;
    Some(format!(
        "{} {}: {}",
        row.state.as_str(),
        at.date(),
        row.state_reason.unwrap_or_default()
    ))
}

/// `origin`: whose credential this is (see [`Resolver::issuer_origin`]); `proof_ok`: whether
/// its proof verified. An unproven credential causes no fetch, not even of our own lists.
pub async fn check_status(
    ctx: &Context,
    resolver: &Resolver,
    credential: &Value,
    purpose: StatusPurpose,
    origin: Option<KeyOrigin>,
    proof_ok: bool,
    revisions: &mut Revisions,
) -> Check {
    let name = CheckKind::of_status(purpose);
    let Some(entry) = entry_for(credential, purpose) else {
        return check(
            name,
            Status::Skipped,
            format!("the credential has no {name} status entry"),
        );
    };
    let Some(index) = entry["statusListIndex"]
        .as_str()
        .and_then(|i| i.parse::<u64>().ok())
    else {
        return check(
            name,
            Status::Failed,
            "statusListIndex is not a base-10 number",
        );
    };
    let Some(url) = entry["statusListCredential"].as_str() else {
        return check(
            name,
            Status::Failed,
            "the status entry has no statusListCredential",
        );
    };
    if !proof_ok {
        return check(
            name,
            Status::Unknown,
            "not checked: the credential's proof did not verify",
        );
    }
    let ours_prefix = format!("{}/status/", ctx.base_url());
    let our_list = url.strip_prefix(&ours_prefix);
    let bits = if let (Some(KeyOrigin::Ours), Some(list_id)) = (origin, our_list) {
        our_bits(ctx, list_id, purpose, revisions).await
    } else if origin == Some(KeyOrigin::Ours) {
        return check(
            name,
            Status::Failed,
            format!("{url} is not a status list of this issuer"),
        );
    } else if our_list.is_some() {
        return check(
            name,
            Status::Failed,
            format!("{url} is this issuer's status list, not the credential's issuer's"),
        );
    } else if origin == Some(KeyOrigin::Trusted) {
        let issuer = issuer_id(credential).unwrap_or_default();
        foreign_bits(ctx, resolver, url, purpose, &issuer)
            .await
            .map(Arc::new)
    } else {
        Err(format!(
            "{url} belongs to an issuer that is not trusted here, so it was not fetched"
        ))
    };
    let size = match super::status_size::check_shape(entry) {
        Ok(size) => size,
        Err(why) => return check(name, Status::Failed, why),
    };
    match bits.map(|b| super::status_size::value(&b, index, size)) {
        Err(why) => check(name, Status::Unknown, format!("could not check: {why}")),
        Ok(None) => check(
            name,
            Status::Failed,
            format!("index {index} lies outside the status list"),
        ),
        Ok(Some(0)) => check(name, Status::Passed, format!("not {}", past(purpose))),
        Ok(Some(v)) if size > 1 => {
            let said = super::status_size::message(entry, v);
            check(
                name,
                Status::Failed,
                said.unwrap_or_else(|| format!("status 0x{v:x}")),
            )
        }
        Ok(Some(_)) => {
            let detail = our_reason(ctx, credential)
                .await
                .unwrap_or_else(|| past(purpose).to_owned());
            check(name, Status::Failed, detail)
        }
    }
}

fn past(purpose: StatusPurpose) -> &'static str {
    match purpose {
        StatusPurpose::Revocation => "revoked",
        StatusPurpose::Suspension => "suspended",
    }
}
