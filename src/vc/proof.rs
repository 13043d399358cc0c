//! Data Integrity proofs (W3C VC Data Integrity 1.0 §4.2 "Add Proof", §4.4 "Verify Proof",
//! §2.1.2 proof sets and chains) with the EdDSA cryptosuites of W3C Data Integrity EdDSA
//! Cryptosuites v1.0: `eddsa-rdfc-2022` (§3.2: JSON-LD to RDF, RDFC-1.0; the interoperable
//! default, see [`super::rdfc`]) and `eddsa-jcs-2022` (§3.3: RFC 8785 JSON canonicalization).

use super::multibase::{base58btc, decode_base58btc};
use super::rdfc::ContextLoader;
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub const EDDSA_JCS_2022: &str = "eddsa-jcs-2022";
pub const EDDSA_RDFC_2022: &str = "eddsa-rdfc-2022";
/// The purpose of an issuer's proof on a credential (VC Data Integrity §2.1).
pub const ASSERTION_METHOD: &str = "assertionMethod";
pub const SUPPORTED_CRYPTOSUITES: &[&str] = &[EDDSA_RDFC_2022, EDDSA_JCS_2022];

/// The production contexts, parsed once.
static LOADER: std::sync::LazyLock<ContextLoader> = std::sync::LazyLock::new(ContextLoader::new);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("unsupported cryptosuite `{0}`")]
    UnsupportedCryptosuite(String),
    #[error("the document is not a JSON object")]
    NotAnObject,
    #[error("malformed proof: {0}")]
    Malformed(String),
    #[error("cannot canonicalize: {0}")]
    Canonicalization(String),
    /// A poison graph (RDFC-1.0 "Dataset Poisoning"): more work than `canonicalization_limit`.
    #[error("cannot canonicalize: {0}")]
    CanonicalizationLimit(String),
    /// Counted before any other work: each proof costs a canonicalization.
    #[error("more than {0} proofs")]
    TooManyProofs(usize),
}

/// Proofs per document unless the caller sets its own cap: a proof set or chain of a handful.
pub const DEFAULT_MAX_PROOFS: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq, utoipa::ToSchema)]
pub enum Cryptosuite {
    #[schema(rename = "eddsa-rdfc-2022")]
    EddsaRdfc2022,
    #[schema(rename = "eddsa-jcs-2022")]
    EddsaJcs2022,
}

impl Cryptosuite {
    pub fn parse(name: &str) -> Result<Self, ProofError> {
        match name {
            EDDSA_JCS_2022 => Ok(Self::EddsaJcs2022),
            EDDSA_RDFC_2022 => Ok(Self::EddsaRdfc2022),
            other => Err(ProofError::UnsupportedCryptosuite(other.to_owned())),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::EddsaJcs2022 => EDDSA_JCS_2022,
            Self::EddsaRdfc2022 => EDDSA_RDFC_2022,
        }
    }

    /// hashData = SHA-256(canonical proof configuration) ‖ SHA-256(canonical document).
    /// `safe` refuses documents from which JSON-LD would drop terms (rdfc only: JCS signs
    /// every byte anyway); signers of documents they built themselves can skip it.
    fn hash_data(
        self,
        unsecured: &Value,
        proof_config: &Value,
        safe: bool,
        loader: &ContextLoader,
    ) -> Result<[u8; 64], ProofError> {
        let (config, document) = match self {
            Self::EddsaJcs2022 => (jcs(proof_config)?, jcs(unsecured)?),
            Self::EddsaRdfc2022 => {
                // Issuance (the unchecked caller) remembers what it signs; verification finds it.
                let hash = if safe {
                    super::rdfc::rdfc_hash_data_cached(unsecured, proof_config, loader, true)
                } else {
                    super::rdfc::rdfc_hash_data_issued(unsecured, proof_config, loader)
                };
                return hash.map_err(|e| match e {
                    super::rdfc::CanonError::Limit(_) => {
                        ProofError::CanonicalizationLimit(e.to_string())
                    }
                    other => ProofError::Canonicalization(other.to_string()),
                });
            }
        };
        let mut out = [0u8; 64];
        out[..32].copy_from_slice(&Sha256::digest(config.as_bytes()));
        out[32..].copy_from_slice(&Sha256::digest(document.as_bytes()));
        Ok(out)
    }
}

/// RFC 8785 JSON Canonicalization Scheme.
pub fn jcs(value: &Value) -> Result<String, ProofError> {
    serde_json_canonicalizer::to_string(value)
        .map_err(|e| ProofError::Canonicalization(e.to_string()))
}

pub fn timestamp(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

/// What the signer needs to know to add a proof.
#[derive(Debug, Clone)]
pub struct ProofOptions {
    pub cryptosuite: Cryptosuite,
    pub verification_method: String,
    pub created: OffsetDateTime,
}

/// Creates a `DataIntegrityProof` over `unsecured` (which must not carry a `proof`) and
/// returns the proof object; `sign` is the issuer key's Ed25519 signature.
pub fn create_proof(
    unsecured: &Value,
    options: &ProofOptions,
    sign: impl FnOnce(&[u8]) -> [u8; 64],
) -> Result<Value, ProofError> {
    let doc = unsecured.as_object().ok_or(ProofError::NotAnObject)?;
    let mut config = Map::new();
    config.insert("type".into(), "DataIntegrityProof".into());
    config.insert("cryptosuite".into(), options.cryptosuite.name().into());
    config.insert("created".into(), timestamp(options.created).into());
    config.insert(
        "verificationMethod".into(),
        options.verification_method.clone().into(),
    );
    config.insert("proofPurpose".into(), "assertionMethod".into());
    // §3.3.5 (jcs): the proof carries the document's context; rdfc adds it only while hashing.
    if let (Cryptosuite::EddsaJcs2022, Some(context)) = (options.cryptosuite, doc.get("@context")) {
        config.insert("@context".into(), context.clone());
    }
    let config = Value::Object(config);
    let hash = options
        .cryptosuite
        .hash_data(unsecured, &config, false, &LOADER)?;
    let mut proof = config;
    if let Some(map) = proof.as_object_mut() {
        map.insert("proofValue".into(), base58btc(&sign(&hash)).into());
    }
    Ok(proof)
}

/// The verdict on one proof; `Err` carries a human reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofVerdict {
    pub cryptosuite: String,
    pub verification_method: String,
    pub created: Option<OffsetDateTime>,
    pub result: Result<(), String>,
}

/// Verifies every proof on a secured document (a proof set, some of which may be chained
/// through `previousProof`). `resolve` maps a verification method id to the key that may
/// assert with it, or says why not. An empty list means the document carries no proof.
pub fn verify_proofs(
    secured: &Value,
    resolve: &dyn Fn(&str) -> Result<VerifyingKey, String>,
) -> Result<Vec<ProofVerdict>, ProofError> {
    verify_proofs_limited(secured, resolve, &LOADER, DEFAULT_MAX_PROOFS)
}

/// [`verify_proofs`] with another set of JSON-LD contexts (the W3C vectors need the
/// examples context, which production never offers).
pub fn verify_proofs_with(
    secured: &Value,
    resolve: &dyn Fn(&str) -> Result<VerifyingKey, String>,
    loader: &ContextLoader,
) -> Result<Vec<ProofVerdict>, ProofError> {
    verify_proofs_limited(secured, resolve, loader, DEFAULT_MAX_PROOFS)
}

/// The production contexts, for callers that pass `max_proofs` themselves.
pub fn production_loader() -> &'static ContextLoader {
    &LOADER
}

/// The proofs of a secured document, refused unread when there are more than `max_proofs`.
pub fn proof_list(secured: &Value, max_proofs: usize) -> Result<Vec<&Value>, ProofError> {
    let doc = secured.as_object().ok_or(ProofError::NotAnObject)?;
    let all: Vec<&Value> = match doc.get("proof") {
        None => Vec::new(),
        Some(Value::Array(items)) => items.iter().collect(),
        Some(single @ Value::Object(_)) => vec![single],
        Some(_) => {
            return Err(ProofError::Malformed(
                "`proof` must be an object or a list".into(),
            ));
        }
    };
    if all.len() > max_proofs {
        return Err(ProofError::TooManyProofs(max_proofs));
    }
    Ok(all)
}

/// [`verify_proofs_with`] with a cap on the number of proofs.
pub fn verify_proofs_limited(
    secured: &Value,
    resolve: &dyn Fn(&str) -> Result<VerifyingKey, String>,
    loader: &ContextLoader,
    max_proofs: usize,
) -> Result<Vec<ProofVerdict>, ProofError> {
    let all = proof_list(secured, max_proofs)?;
    let mut unsecured = secured.as_object().ok_or(ProofError::NotAnObject)?.clone();
    unsecured.remove("proof");
    all.iter()
        .map(|proof| {
            let previous = previous_proofs(proof, &all)?;
            let mut input = unsecured.clone();
            if let Some(previous) = previous {
                input.insert("proof".into(), previous);
            }
            Ok(verify_one(&Value::Object(input), proof, resolve, loader))
        })
        .collect()
}

/// VC Data Integrity §4.5: a chained proof signs the document with `proof` set to the list of
/// the proofs it names (`previousProof`), `proofValue` included.
fn previous_proofs(proof: &Value, all: &[&Value]) -> Result<Option<Value>, ProofError> {
    let ids: Vec<&str> = match proof.get("previousProof") {
        None => return Ok(None),
        Some(Value::String(id)) => vec![id.as_str()],
        Some(Value::Array(ids)) => ids.iter().filter_map(Value::as_str).collect(),
        Some(_) => {
            return Err(ProofError::Malformed(
                "`previousProof` must be a string or list".into(),
            ));
        }
    };
    let mut found = Vec::new();
    for id in ids {
        let matched = all
            .iter()
            .find(|p| p.get("id").and_then(Value::as_str) == Some(id))
            .ok_or_else(|| {
                ProofError::Malformed(format!("previousProof `{id}` is not in the proof set"))
            })?;
        found.push((*matched).clone());
    }
    Ok(Some(Value::Array(found)))
}

fn verify_one(
    unsecured: &Value,
    proof: &Value,
    resolve: &dyn Fn(&str) -> Result<VerifyingKey, String>,
    loader: &ContextLoader,
) -> ProofVerdict {
    let text = |k: &str| {
        proof
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let mut verdict = ProofVerdict {
        cryptosuite: text("cryptosuite"),
        verification_method: text("verificationMethod"),
        created: proof
            .get("created")
            .and_then(Value::as_str)
            .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok()),
        result: Ok(()),
    };
    verdict.result = check_one(unsecured, proof, resolve, loader);
    verdict
}

/// What a proof says about itself, read without canonicalizing anything.
pub struct CheapProof<'a> {
    pub cryptosuite: Cryptosuite,
    pub verification_method: &'a str,
    signature: [u8; 64],
}

/// The checks that cost nothing (VC Data Integrity §4.4 steps that need no hashing): type,
/// cryptosuite, purpose, verification method present, proofValue an Ed25519 signature. A
/// verifier runs them, and resolves the key, before the expensive canonicalization.
pub fn cheap_checks(proof: &Value) -> Result<CheapProof<'_>, String> {
    cheap_checks_for(proof, ASSERTION_METHOD)
}

/// [`cheap_checks`] for a proof that must have been made for `purpose` (a presentation's
/// `authentication`, a credential's `assertionMethod`).
pub fn cheap_checks_for<'a>(proof: &'a Value, purpose: &str) -> Result<CheapProof<'a>, String> {
    let map = proof.as_object().ok_or("the proof is not an object")?;
    if map.get("type").and_then(Value::as_str) != Some("DataIntegrityProof") {
        return Err("proof type is not DataIntegrityProof".into());
    }
    let suite_name = map
        .get("cryptosuite")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let cryptosuite = Cryptosuite::parse(suite_name).map_err(|e| e.to_string())?;
    if map.get("proofPurpose").and_then(Value::as_str) != Some(purpose) {
        return Err(format!("proofPurpose is not {purpose}"));
    }
    let verification_method = map
        .get("verificationMethod")
        .and_then(Value::as_str)
        .ok_or("proof has no verificationMethod")?;
    let proof_value = map
        .get("proofValue")
        .and_then(Value::as_str)
        .ok_or("proof has no proofValue")?;
    let signature: [u8; 64] = decode_base58btc(proof_value)
        .and_then(|b| b.try_into().ok())
        .ok_or("proofValue is not a base58btc Ed25519 signature")?;
    Ok(CheapProof {
        cryptosuite,
        verification_method,
        signature,
    })
}

fn check_one(
    unsecured: &Value,
    proof: &Value,
    resolve: &dyn Fn(&str) -> Result<VerifyingKey, String>,
    loader: &ContextLoader,
) -> Result<(), String> {
    check_signed(unsecured, proof, ASSERTION_METHOD, resolve, loader)
}

/// VC Data Integrity §4.4 "Verify Proof" for one proof made for `purpose`: the cheap checks,
/// then the key (a proof no key can vouch for is not worth canonicalizing), then the hash and
/// the signature. `unsecured` is the document without this proof (with the earlier proofs of a
/// chain where the caller handles chains).
pub fn check_signed(
    unsecured: &Value,
    proof: &Value,
    purpose: &str,
    resolve: &dyn Fn(&str) -> Result<VerifyingKey, String>,
    loader: &ContextLoader,
) -> Result<(), String> {
    let cheap = cheap_checks_for(proof, purpose)?;
    let key = resolve(cheap.verification_method)?;
    let mut config = proof.as_object().cloned().unwrap_or_default();
    config.remove("proofValue");
    let mut unsecured = unsecured.clone();
    if let Some(context) = config.get("@context") {
        // §3.3.2 step 2: the document's context must start with the proof's.
        let doc_ctx = as_list(unsecured.get("@context"));
        let proof_ctx = as_list(Some(context));
        if doc_ctx.len() < proof_ctx.len() || doc_ctx[..proof_ctx.len()] != proof_ctx[..] {
            return Err("the proof's @context does not match the document's".into());
        }
        if let Some(doc) = unsecured.as_object_mut() {
            doc.insert("@context".into(), context.clone());
        }
    }
    let hash = cheap
        .cryptosuite
        .hash_data(&unsecured, &Value::Object(config), true, loader)
        .map_err(|e| e.to_string())?;
    key.verify(&hash, &Signature::from_bytes(&cheap.signature))
        .map_err(|_| "the signature does not match the document".to_owned())
}

fn as_list(v: Option<&Value>) -> Vec<Value> {
    match v {
        Some(Value::Array(items)) => items.clone(),
        Some(other) => vec![other.clone()],
        None => Vec::new(),
    }
}

/// Why a document cannot be signed as JSON-LD without losing data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TermProblem {
    UnknownContext(String),
    Dropped(String),
}

/// JSON-LD "safe mode" for documents someone else wrote: every term must be defined by a
/// context we hold (VC Data Model 2.0 §5.2), whichever cryptosuite will sign it.
pub fn check_terms(doc: &Value) -> Result<(), TermProblem> {
    use super::rdfc::CanonError;
    super::rdfc::check_safe(doc, &LOADER).map_err(|e| match e {
        CanonError::UnknownContext(url) => TermProblem::UnknownContext(url),
        other => TermProblem::Dropped(other.to_string()),
    })
}
