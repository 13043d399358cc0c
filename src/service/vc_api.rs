//! `POST /credentials/issue` (W3C VC API §3.2.1 "Issue Credential"): sign a credential the
//! caller wrote, after the checks of `vc::check`. We give it an id under our base URL when it
//! has none and our status entries, and keep it so it can be fetched and revoked like any other.
//!
//! A caller's own `credentialStatus` entries (each with a `type` and at most one URL `id`) are
//! kept and signed as given, ours appended after them: VC DM 2.0 §4.11 allows several status
//! mechanisms, and revocation through our API acts on our entries only — a caller's entry is
//! theirs to maintain. VC Data Model 1.1 credentials are signed as they are, with the Data
//! Integrity context appended (the v1 context does not define the proof's terms) and without
//! our status entries: `BitstringStatusListEntry` is not defined by the v1 context.
//! `relatedResource` digests of resources we hold are checked (`service::related`).
//!
//! A caller's own `id` is kept: one of ours (`{base}/credentials/{uuid}`, e.g. reserved by the
//! caller) becomes the record's id, unless it is taken; any other (`urn:uuid:…`) is signed as
//! given and the record gets a new UUID, which the answer's `Location` names.

use super::{
    Actor, Context, ServiceError, ServiceResult, keys, related, signing, status, webhooks,
};
use crate::domain::ids::CredentialId;
use crate::domain::status::StatusPurpose;
use crate::problem::ProblemCode;
use crate::vc::check::{
    CredentialCheckError, check_unsigned, is_v1, parse_datetime, validity_fields,
};
use crate::vc::contexts::DATA_INTEGRITY_V2;
use crate::vc::credential::{credential_url, status_list_url};
use crate::vc::jwt::issuer_id;
use crate::vc::proof::{Cryptosuite, TermProblem, check_terms};
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
                ProblemCode::InvalidRequest,
                "expected {\"credential\": {...}, \"options\": {...}}",
            )
        })?;
    let suite = match body.pointer("/options/cryptosuite") {
        None => None,
        Some(Value::String(name)) => Some(Cryptosuite::parse(name).map_err(|e| {
            ServiceError::invalid(ProblemCode::UnsupportedCryptosuite, e.to_string())
        })?),
        Some(_) => {
            return Err(ServiceError::invalid(
                ProblemCode::InvalidRequest,
                "`options.cryptosuite` must be a string",
            ));
        }
    };
    check_unsigned(&credential).map_err(|e| match e {
        CredentialCheckError::UnknownContext(_) => {
            ServiceError::invalid(ProblemCode::UnknownContext, e.to_string())
        }
        CredentialCheckError::Invalid(m) => {
            ServiceError::invalid(ProblemCode::InvalidCredential, m)
        }
    })?;
    check_terms(&credential).map_err(|e| match e {
        TermProblem::UnknownContext(url) => ServiceError::invalid(
            ProblemCode::UnknownContext,
            format!("context `{url}` is not one this issuer holds"),
        ),
        TermProblem::Dropped(why) => ServiceError::invalid(ProblemCode::UndefinedTerm, why),
    })?;
    refuse_entries_in_our_lists(ctx, &credential)?;
    if let Some(url) = related::first_mismatch(
        &related::compare(ctx, &credential, &mut related::HeldRows::default()).await,
    ) {
        return Err(ServiceError::invalid(
            ProblemCode::RelatedResourceDigestMismatch,
            format!("the digest given for relatedResource `{url}` does not match the resource"),
        ));
    }
    // The holder's name is shown on our pages like the names we issue: the same rules (400,
    // the VC API's answer to a credential it will not sign).
    if let Some(name) = credential["credentialSubject"]
        .get("name")
        .and_then(Value::as_str)
    {
        crate::domain::exam::check_holder_name("credentialSubject.name", name)
            .map_err(|m| ServiceError::invalid(ProblemCode::InvalidName, m))?;
    }
    let v1 = is_v1(&credential);
    if v1 {
        add_data_integrity_context(&mut credential);
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
                ProblemCode::IssuerMismatch,
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
    if !v1 {
        let theirs: Vec<Value> = match map.remove("credentialStatus") {
            None => Vec::new(),
            Some(Value::Array(items)) => items,
            Some(single) => vec![single],
        };
        // Ours come first: a verifier reading one entry per purpose reads ours.
        let mut entries: Vec<Value> = StatusPurpose::ALL
            .iter()
            .map(|&p| {
                let list = status_list_url(ctx.base_url(), p, status_ref.list_number);
                json!({"id": format!("{list}#{}", status_ref.index), "type": "BitstringStatusListEntry",
                       "statusPurpose": p.as_str(), "statusListIndex": status_ref.index.to_string(),
                       "statusListCredential": list})
            })
            .collect();
        entries.extend(theirs);
        map.insert("credentialStatus".into(), entries.into());
    }
    let holder = map
        .get("credentialSubject")
        .and_then(|s| s.get("name"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let until_field = validity_fields(&credential).1;
    let valid_until = credential
        .get(until_field)
        .map(|v| parse_datetime(until_field, v).map(|t| t.unix_timestamp()))
        .transpose()
        .map_err(|e| ServiceError::invalid(ProblemCode::InvalidCredential, e.to_string()))?;
    let signed = signing::SigningJob::new(ctx, &record, &key, credential, now, suite)?
        .run_pooled(ctx)
        .await?;
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
    let issued = webhooks::Issued {
        id,
        attempt_id: None,
        candidate_id: None,
        achievement: None,
        issued_at: now.unix_timestamp(),
        valid_until,
        renews: None,
    };
    webhooks::issued(tx.as_mut(), ctx.base_url(), &issued).await?;
    tx.commit().await?;
    crate::metrics::credentials_issued(1);
    Ok(Issued { id, json })
}

/// A caller's status entry may not name our lists: it could name another credential's index
/// (sharing its fate), and the indexes there are ours to assign.
fn refuse_entries_in_our_lists(ctx: &Context, credential: &Value) -> ServiceResult<()> {
    let ours = format!("{}/status/", ctx.base_url());
    let entries: Vec<&Value> = match credential.get("credentialStatus") {
        None => return Ok(()),
        Some(Value::Array(items)) => items.iter().collect(),
        Some(single) => vec![single],
    };
    let names_ours = |v: &Value| v.as_str().is_some_and(|u| u.starts_with(&ours));
    if entries
        .iter()
        .any(|e| names_ours(&e["id"]) || names_ours(&e["statusListCredential"]))
    {
        return Err(ServiceError::invalid(
            ProblemCode::StatusAssignedByIssuer,
            "entries in this issuer's status lists are assigned by the issuer; leave them out",
        ));
    }
    Ok(())
}

/// A VC 1.1 document names the Data Integrity context itself (as other issuers do), so that
/// `DataIntegrityProof`, `cryptosuite` and `proofValue` are defined terms.
fn add_data_integrity_context(credential: &mut Value) {
    if let Some(Value::Array(contexts)) = credential.get_mut("@context")
        && !contexts.iter().any(|c| c == DATA_INTEGRITY_V2)
    {
        contexts.push(DATA_INTEGRITY_V2.into());
    }
}

/// The record id for a credential that brings its own `id` (see the module notes).
async fn record_id(
    ctx: &Context,
    tx: &mut dyn crate::store::Tx,
    given: &Value,
) -> ServiceResult<CredentialId> {
    let given = given.as_str().ok_or_else(|| {
        ServiceError::invalid(ProblemCode::InvalidCredential, "`id` must be a URL string")
    })?;
    let ours = format!("{}/credentials/", ctx.base_url());
    let Some(uuid) = given.strip_prefix(&ours) else {
        return Ok(CredentialId::random());
    };
    let id = CredentialId::parse(uuid).map_err(|_| {
        ServiceError::invalid(
            ProblemCode::InvalidCredential,
            format!("an `id` under {ours} must end in a UUID"),
        )
    })?;
    if tx.credential(&id).await?.is_some() {
        return Err(ServiceError::conflict(
            ProblemCode::CredentialIdTaken,
            format!("a credential with id `{given}` already exists"),
        ));
    }
    Ok(id)
}
