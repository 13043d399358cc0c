//! `POST /credentials/issue` (W3C VC API §3.2.1 "Issue Credential"): sign a credential the
//! caller wrote, after the checks of `vc::check`. We give it an id under our base URL when it
//! has none and our status entries (a `credentialStatus` of the caller's is refused), and keep it
//! so it can be fetched and revoked like any other.
//!
//! A caller's own `id` is kept: one of ours (`{base}/credentials/{uuid}`, e.g. reserved by the
//! caller) becomes the record's id, unless it is taken; any other (`urn:uuid:…`) is signed as
//! given and the record gets a new UUID, which the answer's `Location` names.

use super::{Actor, Context, ServiceError, ServiceResult, keys, signing, status};
use crate::domain::ids::CredentialId;
use crate::domain::status::StatusPurpose;
use crate::vc::check::{CredentialCheckError, check_unsigned, parse_datetime};
use crate::vc::credential::{credential_url, status_list_url};
use crate::vc::jwt::issuer_id;
use crate::vc::proof::{Cryptosuite, TermProblem, check_terms};
use crate::vc::rdfc::LIMIT_MESSAGE;
use serde_json::{Value, json};

/// A signed and stored credential: where we keep it, and its JSON as served.
pub struct Issued {
    pub id: CredentialId,
    pub json: String,
}

pub async fn issue(ctx: &Context, actor: &Actor, body: &Value) -> ServiceResult<Issued> {
    let mut credential = body
        .get("credential")
        .filter(|c| c.is_object())
        .cloned()
        .ok_or_else(|| {
            ServiceError::invalid(
                "invalid_request",
                "expected {\"credential\": {...}, \"options\": {...}}",
            )
        })?;
    let suite = match body.pointer("/options/cryptosuite") {
        None => None,
        Some(Value::String(name)) => Some(
            Cryptosuite::parse(name)
                .map_err(|e| ServiceError::invalid("unsupported_cryptosuite", e.to_string()))?,
        ),
        Some(_) => {
            return Err(ServiceError::invalid(
                "invalid_request",
                "`options.cryptosuite` must be a string",
            ));
        }
    };
    check_unsigned(&credential).map_err(|e| match e {
        CredentialCheckError::UnknownContext(_) => {
            ServiceError::invalid("unknown_context", e.to_string())
        }
        CredentialCheckError::Invalid(m) => ServiceError::invalid("invalid_credential", m),
    })?;
    check_terms(&credential).map_err(|e| match e {
        TermProblem::UnknownContext(url) => ServiceError::invalid(
            "unknown_context",
            format!("context `{url}` is not one this issuer holds"),
        ),
        TermProblem::Dropped(why) => ServiceError::invalid("undefined_term", why),
    })?;
    // Our status entries only: a caller's own could name another credential's index (sharing
    // its fate) or one nobody revokes, so a revocation through our API would not be seen.
    if credential.get("credentialStatus").is_some() {
        return Err(ServiceError::invalid(
            "status_assigned_by_issuer",
            "`credentialStatus` is assigned by the issuer; leave it out",
        ));
    }
    let now = ctx.now();
    let mut tx = ctx.store.begin().await?;
    let (record, key) = keys::active_signer(ctx, tx.as_mut()).await?;
    let ours = ctx.identity.issuer_for(&record);
    let map = credential
        .as_object_mut()
        .ok_or_else(|| ServiceError::internal("not an object"))?;
    match issuer_id(&Value::Object(map.clone())) {
        None if !map.contains_key("issuer") => {
            map.insert("issuer".into(), Value::String(ours.clone()));
        }
        Some(id) if id == ours => {}
        _ => {
            return Err(ServiceError::invalid(
                "issuer_mismatch",
                format!("`issuer` must be this issuer (`{ours}`) or absent"),
            ));
        }
    }
    let id = match map.get("id") {
        None => {
            let id = CredentialId::random();
            map.insert("id".into(), credential_url(ctx.base_url(), &id).into());
            id
        }
        Some(given) => record_id(ctx, tx.as_mut(), given).await?,
    };
    let status_ref = status::allocate(ctx, tx.as_mut(), now).await?;
    let entries: Vec<Value> = StatusPurpose::ALL
        .iter()
        .map(|&p| {
            let list = status_list_url(ctx.base_url(), p, status_ref.list_number);
            json!({"id": format!("{list}#{}", status_ref.index), "type": "BitstringStatusListEntry",
                   "statusPurpose": p.as_str(), "statusListIndex": status_ref.index.to_string(),
                   "statusListCredential": list})
        })
        .collect();
    map.insert("credentialStatus".into(), entries.into());
    let holder = map
        .get("credentialSubject")
        .and_then(|s| s.get("name"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let valid_until = map
        .get("validUntil")
        .map(|v| parse_datetime("validUntil", v).map(|t| t.unix_timestamp()))
        .transpose()
        .map_err(|e| ServiceError::invalid("invalid_credential", e.to_string()))?;
    let signed = signing::SigningJob::new(ctx, &record, &key, credential, now, suite)?
        .run()
        .map_err(poison_refusal)?;
    let json = signed.json().to_owned();
    signing::store(
        tx.as_mut(),
        actor,
        signing::Record {
            id,
            attempt_id: None,
            candidate_id: None,
            achievement: None,
            holder_name: holder,
            issued_at: now,
            valid_until,
            status: status_ref,
            key_id: &record.key_id,
        },
        signed,
        json!({"via": "vc-api", "key_id": record.key_id}),
    )
    .await?;
    tx.commit().await?;
    crate::metrics::credentials_issued(1);
    Ok(Issued { id, json })
}

/// A document whose RDFC-1.0 canonicalization needs more work than `canonicalization_limit`
/// (a poison graph) gets a code of its own, so a caller can tell it from other signing failures.
fn poison_refusal(e: ServiceError) -> ServiceError {
    if e.code == "cannot_sign" && e.message.contains(LIMIT_MESSAGE) {
        ServiceError {
            code: "canonicalization_limit",
            ..e
        }
    } else {
        e
    }
}

/// The record id for a credential that brings its own `id` (see the module notes).
async fn record_id(
    ctx: &Context,
    tx: &mut dyn crate::store::Tx,
    given: &Value,
) -> ServiceResult<CredentialId> {
    let given = given
        .as_str()
        .ok_or_else(|| ServiceError::invalid("invalid_credential", "`id` must be a URL string"))?;
    let ours = format!("{}/credentials/", ctx.base_url());
    let Some(uuid) = given.strip_prefix(&ours) else {
        return Ok(CredentialId::random());
    };
    let id = CredentialId::parse(uuid).map_err(|_| {
        ServiceError::invalid(
            "invalid_credential",
            format!("an `id` under {ours} must end in a UUID"),
        )
    })?;
    if tx.credential(&id).await?.is_some() {
        return Err(ServiceError::conflict(
            "credential_id_taken",
            format!("a credential with id `{given}` already exists"),
        ));
    }
    Ok(id)
}
