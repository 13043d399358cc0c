//! The credential endpoint (OID4VCI 1.0 §8.2 request, §8.3 response, §8.3.1 errors): with the
//! access token of a redeemed offer and a key proof over a fresh c_nonce, the wallet receives a
//! new credential signed now, bound to its key (`credentialSubject.id` = the holder's DID) and
//! otherwise the record's: same subject, achievement, evidence, validity and the same status
//! entries, so revoking or suspending the record does the same to every wallet copy. The
//! copy has its own `urn:uuid:` id (the record's URL keeps naming exactly what the record
//! serves), is stored beside the record and is written to the audit trail. One copy per
//! offer and configuration.

use super::metadata::{Format, configuration_id, parse_configuration_id};
use super::offer::refusal;
use super::proof::{self, CheckedProof};
use super::wire::{CredentialResponse, IssuedCredential};
use super::{Oid4vciError, Oid4vciResult, hash};
use crate::domain::ids::WalletCopyId;
use crate::service::{Actor, Context, Role, ServiceError, audit, keys, signing};
use crate::store::{StoreError, WalletCopyRow};
use serde_json::{Value, json};

/// What the request asks for, read leniently across the 1.0 and late-draft shapes.
struct Request {
    configuration_id: String,
    proof: String,
}

fn parse(body: &Value, achievement: &str) -> Oid4vciResult<Request> {
    let bad = Oid4vciError::invalid_credential_request;
    let body = body
        .as_object()
        .ok_or_else(|| bad("the request must be a JSON object"))?;
    if body.contains_key("credential_identifier") {
        return Err(bad(
            "`credential_identifier` is not used here: send `credential_configuration_id`",
        ));
    }
    let configuration_id = match (body.get("credential_configuration_id"), body.get("format")) {
        (Some(Value::String(id)), _) => id.clone(),
        // Drafts before 1.0 named the format instead of the configuration.
        (None, Some(Value::String(format))) => Format::ALL
            .into_iter()
            .find(|f| f.as_str() == format)
            .map(|f| configuration_id(achievement, f))
            .ok_or_else(|| {
                Oid4vciError::protocol(
                    400,
                    "unsupported_credential_format",
                    "formats: ldp_vc, jwt_vc_json",
                )
            })?,
        _ => return Err(bad("`credential_configuration_id` is missing")),
    };
    let proof = match (body.get("proofs"), body.get("proof")) {
        (Some(proofs), None) => {
            let jwts = proofs
                .get("jwt")
                .and_then(Value::as_array)
                .ok_or_else(|| Oid4vciError::invalid_proof("`proofs` must hold `jwt` proofs"))?;
            match jwts.as_slice() {
                [Value::String(one)] => one.clone(),
                _ => {
                    return Err(Oid4vciError::invalid_proof(
                        "exactly one `jwt` proof is accepted (no batch issuance)",
                    ));
                }
            }
        }
        // The single `proof` object of drafts before 1.0.
        (None, Some(p)) if p["proof_type"] == "jwt" && p["jwt"].is_string() => {
            p["jwt"].as_str().unwrap_or_default().to_owned()
        }
        (None, None) => {
            return Err(Oid4vciError::invalid_proof(
                "a key proof is required (`proofs.jwt`)",
            ));
        }
        _ => return Err(Oid4vciError::invalid_proof("one `jwt` proof in `proofs`")),
    };
    Ok(Request {
        configuration_id,
        proof,
    })
}

/// The record's credential, re-bound: new id, holder DID, issuer of the signing key.
fn bound_copy(record_json: &str, copy_id: &str, holder_did: &str, issuer: &str) -> Option<Value> {
    let mut c: Value = serde_json::from_str(record_json).ok()?;
    let map = c.as_object_mut()?;
    map.remove("proof");
    map.insert("id".into(), Value::String(copy_id.to_owned()));
    match map.get_mut("issuer")? {
        Value::Object(i) => {
            i.insert("id".into(), Value::String(issuer.to_owned()));
        }
        other => *other = Value::String(issuer.to_owned()),
    }
    let subject = map.get_mut("credentialSubject")?.as_object_mut()?;
    subject.insert("id".into(), Value::String(holder_did.to_owned()));
    Some(c)
}

/// Answers a credential request made with `access_token`; the §8.3 response body.
pub async fn issue(
    ctx: &Context,
    access_token: &str,
    body: &Value,
) -> Oid4vciResult<CredentialResponse> {
    let now = ctx.now();
    let at = now.unix_timestamp();
    let mut tx = ctx.store.begin().await?;
    let offer = match tx.offer_by_token(&hash(access_token)).await? {
        Some(o) if o.token_expires_at.is_some_and(|t| t > at) => o,
        Some(_) => return Err(Oid4vciError::invalid_token("the access token has expired")),
        None => return Err(Oid4vciError::invalid_token("unknown access token")),
    };
    let id = offer.credential_id;
    let record = tx
        .credential(&id)
        .await?
        .ok_or_else(|| ServiceError::internal("an offer names a missing credential"))?;
    let achievement = record
        .achievement
        .as_ref()
        .map(|c| c.as_str().to_owned())
        .unwrap_or_default();
    let request = parse(body, &achievement)?;
    let format = match parse_configuration_id(&request.configuration_id) {
        Some((code, format)) if code == achievement => format,
        _ => {
            return Err(Oid4vciError::protocol(
                400,
                "unknown_credential_configuration",
                "this offer is for the configurations it lists only",
            ));
        }
    };
    if let Some(why) = refusal(&record, at) {
        return Err(Oid4vciError::denied(why));
    }
    let CheckedProof { holder, nonce } = proof::check(&request.proof, ctx.base_url(), at)?;
    if !tx.take_nonce(&hash(&nonce), at).await? {
        return Err(Oid4vciError::invalid_nonce(
            "the proof's nonce is unknown, used or expired: fetch a fresh one",
        ));
    }
    let (key_record, key) = keys::active_signer(ctx, tx.as_mut()).await?;
    let copy_id = WalletCopyId::random();
    let issuer = ctx.identity.issuer_for(&key_record);
    let unsecured = bound_copy(&record.json, &copy_id.to_string(), &holder.did, &issuer)
        .ok_or_else(|| ServiceError::internal("a stored credential is not a credential"))?;
    let signed = signing::SigningJob::new(ctx, &key_record, &key, unsecured, now, None)?
        .run_pooled(ctx)
        .await?;
    // The answer carries the credential as signed: the JSON text itself, or the JWT as a
    // JSON string; nothing is parsed again to be serialized again.
    let (credential, stored) = match format {
        Format::LdpVc => (signed.json().to_owned(), signed.json().to_owned()),
        Format::JwtVcJson => (
            serde_json::to_string(signed.jwt())
                .map_err(|e| ServiceError::internal(e.to_string()))?,
            signed.jwt().to_owned(),
        ),
    };
    let credential = serde_json::value::RawValue::from_string(credential)
        .map_err(|e| ServiceError::internal(e.to_string()))?;
    let inserted = tx
        .insert_wallet_copy(&WalletCopyRow {
            copy_id,
            credential_id: id,
            offer_hash: offer.code_hash.clone(),
            configuration_id: request.configuration_id.clone(),
            holder_did: holder.did.clone(),
            issued_at: at,
            credential: stored,
        })
        .await;
    match inserted {
        Err(StoreError::Conflict(_)) => {
            return Err(Oid4vciError::denied(
                "this offer already gave a credential of this configuration",
            ));
        }
        other => other?,
    }
    let actor = Actor {
        name: "oid4vci-wallet".into(),
        role: Role::Issuer,
    };
    audit::append(
        tx.as_mut(),
        at,
        audit::Entry {
            actor: &actor,
            action: "credential.wallet_copy",
            credential_id: Some(id),
            reason: None,
            detail: json!({"copy_id": copy_id, "holder": holder.did,
                           "configuration": request.configuration_id, "origin": offer.origin,
                           "key_id": key_record.key_id}),
        },
    )
    .await?;
    match tx.commit().await {
        Err(StoreError::Conflict(_)) => {
            return Err(Oid4vciError::denied(
                "this offer already gave a credential of this configuration",
            ));
        }
        other => other?,
    }
    Ok(CredentialResponse {
        credentials: vec![IssuedCredential { credential }],
    })
}
