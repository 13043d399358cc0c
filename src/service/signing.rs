//! Securing a credential both ways we publish it: an embedded Data Integrity proof and a
//! `vc+jwt`. [`SignedCredential`] can only be made here, so nothing unsigned reaches storage.

use super::{Context, ServiceError, ServiceResult};
use crate::crypto::{IssuerKey, KeyRecord};
use crate::vc::{jwt, proof};
use serde_json::Value;
use time::OffsetDateTime;

#[derive(Debug, Clone)]
pub struct SignedCredential {
    json: String,
    jwt: String,
}

impl SignedCredential {
    /// The JSON with its proof, exactly as served (digests are taken over these bytes).
    pub fn json(&self) -> &str {
        &self.json
    }

    pub fn jwt(&self) -> &str {
        &self.jwt
    }

    pub fn into_parts(self) -> (String, String) {
        (self.json, self.jwt)
    }
}

/// Signs with the configured cryptosuite (or `suite` when the caller chose one).
pub fn sign(
    ctx: &Context,
    record: &KeyRecord,
    key: &IssuerKey,
    unsecured: Value,
    created: OffsetDateTime,
    suite: Option<proof::Cryptosuite>,
) -> ServiceResult<SignedCredential> {
    let suite = match suite {
        Some(s) => s,
        None => proof::Cryptosuite::parse(&ctx.config.cryptosuite)
            .map_err(|e| ServiceError::internal(e.to_string()))?,
    };
    let verification_method = ctx.identity.verification_method(record);
    let options = proof::ProofOptions {
        cryptosuite: suite,
        verification_method: verification_method.clone(),
        created,
    };
    let jwt = jwt::encode(&unsecured, key, &verification_method)
        .map_err(|e| ServiceError::internal(e.to_string()))?;
    let proof_value =
        proof::create_proof(&unsecured, &options, |bytes| key.sign(bytes)).map_err(|e| {
            ServiceError::invalid(
                "cannot_sign",
                format!("the credential cannot be secured: {e}"),
            )
        })?;
    let mut secured = unsecured;
    if let Some(map) = secured.as_object_mut() {
        map.insert("proof".into(), proof_value);
    }
    let json = serde_json::to_string_pretty(&secured)
        .map_err(|e| ServiceError::internal(e.to_string()))?;
    Ok(SignedCredential { json, jwt })
}

/// What the database records beside a signed credential.
pub struct Record<'a> {
    pub id: crate::domain::ids::CredentialId,
    pub attempt_id: Option<String>,
    pub candidate_id: Option<String>,
    pub achievement: Option<String>,
    pub holder_name: String,
    pub issued_at: OffsetDateTime,
    pub valid_until: Option<i64>,
    pub status: crate::vc::credential::StatusRef,
    pub key_id: &'a str,
}

/// Stores a signed credential and its audit entry in the caller's transaction. It takes a
/// [`SignedCredential`], so nothing unsigned can be stored.
pub async fn store(
    tx: &mut dyn crate::store::Tx,
    actor: &super::Actor,
    record: Record<'_>,
    signed: SignedCredential,
    detail: Value,
) -> ServiceResult<()> {
    let (json, jwt) = signed.into_parts();
    tx.insert_credential(&crate::store::CredentialRow {
        credential_id: record.id,
        attempt_id: record.attempt_id,
        candidate_id: record.candidate_id,
        achievement: record.achievement,
        holder_name: record.holder_name,
        issued_at: record.issued_at.unix_timestamp(),
        valid_until: record.valid_until,
        list_number: record.status.list_number,
        list_index: i64::from(record.status.index),
        key_id: record.key_id.to_owned(),
        state: "active".into(),
        state_reason: None,
        state_changed_at: None,
        json,
        jwt,
    })
    .await?;
    super::audit::append(
        tx,
        record.issued_at.unix_timestamp(),
        super::audit::Entry {
            actor,
            action: "credential.issue",
            credential_id: Some(record.id.to_string()),
            reason: None,
            detail,
        },
    )
    .await
}
