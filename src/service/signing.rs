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
