//! Securing a credential both ways we publish it: an embedded Data Integrity proof and a
//! `vc+jwt`. [`SignedCredential`] can only be made here, so nothing unsigned reaches storage.

use super::{Context, ServiceError, ServiceResult};
use crate::crypto::{IssuerKey, KeyRecord};
use crate::problem::ProblemCode;
use crate::vc::{jwt, proof};
use serde_json::Value;
use std::sync::Arc;
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

/// Everything signing needs, owned, so that it can run now (`SigningJob::new(..)?.run()`) or
/// later on another thread (see [`store_later`]). The configured cryptosuite is used unless
/// the caller chose one.
pub struct SigningJob {
    key: Arc<IssuerKey>,
    options: proof::ProofOptions,
    unsecured: Value,
}

impl SigningJob {
    pub fn new(
        ctx: &Context,
        record: &KeyRecord,
        key: &Arc<IssuerKey>,
        unsecured: Value,
        created: OffsetDateTime,
        suite: Option<proof::Cryptosuite>,
    ) -> ServiceResult<Self> {
        let cryptosuite = suite.unwrap_or(ctx.config.cryptosuite);
        Ok(Self {
            key: key.clone(),
            options: proof::ProofOptions {
                cryptosuite,
                verification_method: ctx.identity.verification_method(record),
                created,
            },
            unsecured,
        })
    }

    /// [`Self::run`] on the CPU pool: signing an rdfc proof canonicalizes the caller's
    /// document, which may be costly, and must not hold up an async worker.
    pub async fn run_pooled(self, ctx: &Context) -> ServiceResult<SignedCredential> {
        ctx.cpu.run(move || self.run()).await?
    }

    pub fn run(self) -> ServiceResult<SignedCredential> {
        let Self {
            key,
            options,
            unsecured,
        } = self;
        let jwt = jwt::encode(&unsecured, &key, &options.verification_method)
            .map_err(|e| ServiceError::internal(e.to_string()))?;
        let proof_value = proof::create_proof(&unsecured, &options, |bytes| key.sign(bytes))
            .map_err(|e| {
                // A poison graph gets a code of its own, so a caller can tell it from other
                // documents that cannot be signed.
                let code = match e {
                    proof::ProofError::CanonicalizationLimit(_) => {
                        ProblemCode::CanonicalizationLimit
                    }
                    _ => ProblemCode::CannotSign,
                };
                ServiceError::invalid(code, format!("the credential cannot be secured: {e}"))
            })?;
        let mut secured = unsecured;
        if let Some(map) = secured.as_object_mut() {
            map.insert("proof".into(), proof_value);
        }
        let json = serde_json::to_string_pretty(&secured)
            .map_err(|e| ServiceError::internal(e.to_string()))?;
        Ok(SignedCredential { json, jwt })
    }
}

/// What the database records beside a signed credential.
pub struct Record<'a> {
    pub id: crate::domain::ids::CredentialId,
    pub attempt_id: Option<crate::domain::ids::AttemptId>,
    pub candidate_id: Option<crate::domain::ids::CandidateId>,
    pub achievement: Option<crate::domain::ids::AchievementCode>,
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
    let (row, audit) = rows(actor, record, detail);
    tx.insert_credential(&crate::store::CredentialRow { json, jwt, ..row })
        .await?;
    super::audit::append(tx, audit.0, audit.1).await
}

/// Like [`store`], but the credential is signed when the transaction sends its rows, so a
/// batch signs on all cores at once. Only for credentials this service built itself: a
/// signing failure then fails the whole transaction (it would be a bug, not bad input).
pub async fn store_later(
    tx: &mut dyn crate::store::Tx,
    actor: &super::Actor,
    record: Record<'_>,
    job: SigningJob,
    detail: Value,
) -> ServiceResult<()> {
    let (row, audit) = rows(actor, record, detail);
    let body = Box::new(move || {
        job.run()
            .map(|signed| {
                let (json, jwt) = signed.into_parts();
                crate::store::CredentialBody { json, jwt }
            })
            .map_err(|e| e.message)
    });
    tx.insert_credential_later(row, body).await?;
    super::audit::append(tx, audit.0, audit.1).await
}

/// The credential row (without its body) and the audit entry that goes with it.
fn rows<'a>(
    actor: &'a super::Actor,
    record: Record<'_>,
    detail: Value,
) -> (crate::store::CredentialRow, (i64, super::audit::Entry<'a>)) {
    let row = crate::store::CredentialRow {
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
        state: crate::domain::status::CredentialState::Active,
        state_reason: None,
        state_changed_at: None,
        json: String::new(),
        jwt: String::new(),
    };
    let entry = super::audit::Entry {
        actor,
        action: "credential.issue",
        credential_id: Some(record.id),
        reason: None,
        detail,
    };
    (row, (record.issued_at.unix_timestamp(), entry))
}
