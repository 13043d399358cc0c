//! `POST /presentations/verify` (VC API "Verify Presentation"; VC Data Model 2.0 §4.13 and
//! 1.1 §4.10): the presentation's own proof — Data Integrity with `proofPurpose:
//! authentication` and the `challenge`/`domain` the verifier asked for, or a `vp+jwt`
//! (VC-JOSE-COSE §3.2; a VC 1.1 JWT with a `vp` claim, `nonce` and `aud`, is read too) — by a
//! key the holder controls; then every credential it carries, with the same checks as
//! `POST /credentials/verify`, each reported on its own. A malformed presentation is an
//! error (400), an unverified one a verdict.

use super::keys::Resolver;
use super::{Check, CheckKind, Presented, Status, Verdict, check, parse_input, verify};
use crate::problem::ProblemCode;
use crate::service::{Context, ServiceError, ServiceResult};
use crate::vc::jwt;
use crate::vc::presentation::{
    Expected, PresentationError, check_structure, holder, verify_proofs,
};
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub const VP_JWT_TYP: &str = "vp+jwt";
const ENVELOPED_PREFIX: &str = "data:application/vp+jwt,";

/// What was presented: a presentation with an embedded proof (or none), or a compact JWT.
pub enum PresentedVp {
    Json(Value),
    Jwt(String),
}

/// The verdict on a presentation: `200` when verified, `422` with the same shape when not.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PresentationVerdict {
    pub verified: bool,
    /// The presentation's own checks: its proof.
    pub checks: Vec<Check>,
    pub holder: Option<String>,
    /// `data-integrity` or `vp+jwt`.
    pub format: &'static str,
    /// One verdict per `verifiableCredential` entry, in order.
    pub credentials: Vec<Verdict>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub checked_at: OffsetDateTime,
}

fn bad(e: PresentationError) -> ServiceError {
    match e {
        PresentationError::UnknownContext(_) => {
            ServiceError::invalid(ProblemCode::UnknownContext, e.to_string())
        }
        PresentationError::Malformed(m) => {
            ServiceError::invalid(ProblemCode::InvalidPresentation, m)
        }
    }
}

/// Reads `{verifiablePresentation, options: {challenge, domain}}`, a bare presentation, an
/// `EnvelopedVerifiablePresentation` or a compact JWT string.
pub fn parse_vp_input(value: Value) -> ServiceResult<(PresentedVp, Expected)> {
    let invalid = |m: &str| ServiceError::invalid(ProblemCode::InvalidPresentation, m);
    let mut expected = Expected {
        purpose: "authentication".into(),
        ..Expected::default()
    };
    let inner = match value.get("verifiablePresentation") {
        Some(vp) => {
            for (key, slot) in [
                ("challenge", &mut expected.challenge),
                ("domain", &mut expected.domain),
            ] {
                match value.pointer(&format!("/options/{key}")) {
                    None => {}
                    Some(Value::String(s)) => *slot = Some(s.clone()),
                    Some(_) => {
                        return Err(invalid(
                            "`options.challenge`/`options.domain` must be strings",
                        ));
                    }
                }
            }
            vp.clone()
        }
        None => value,
    };
    let presented = match inner {
        Value::String(token) => PresentedVp::Jwt(token.trim().to_owned()),
        Value::Object(map) => {
            let vp = Value::Object(map);
            let enveloped = match vp.get("type") {
                Some(Value::String(t)) => t == "EnvelopedVerifiablePresentation",
                Some(Value::Array(ts)) => ts.iter().any(|t| t == "EnvelopedVerifiablePresentation"),
                _ => false,
            };
            if enveloped {
                let token = vp["id"]
                    .as_str()
                    .and_then(|id| id.strip_prefix(ENVELOPED_PREFIX))
                    .ok_or_else(|| invalid("an EnvelopedVerifiablePresentation must carry `data:application/vp+jwt,…`"))?;
                PresentedVp::Jwt(token.to_owned())
            } else {
                PresentedVp::Json(vp)
            }
        }
        _ => {
            return Err(invalid(
                "expected a presentation (JSON object) or a compact vp+jwt",
            ));
        }
    };
    if let PresentedVp::Jwt(token) = &presented {
        jwt::parse(token)
            .map_err(|e| ServiceError::invalid(ProblemCode::InvalidJwt, e.to_string()))?;
    }
    Ok((presented, expected))
}

/// The DID whose key may sign for the presentation: its holder, or else the key's own DID.
fn controller(holder: Option<&str>, vm: &str) -> String {
    holder
        .map(String::from)
        .unwrap_or_else(|| vm.split('#').next().unwrap_or(vm).to_owned())
}

async fn di_proof(ctx: &Context, vp: &Value, expected: &Expected) -> Check {
    let max = ctx.config.limits.max_proofs();
    let proofs = match crate::vc::proof::proof_list(vp, max) {
        Ok(p) if p.is_empty() => {
            return check(
                CheckKind::Proof,
                Status::Failed,
                "the presentation carries no proof",
            );
        }
        Ok(p) => p,
        Err(e) => return check(CheckKind::Proof, Status::Failed, e.to_string()),
    };
    let resolver = match Resolver::load(ctx, &Resolver::named_by(vp, max)).await {
        Ok(r) => r,
        Err(e) => return check(CheckKind::Proof, Status::Unknown, e.message),
    };
    let mut keys = std::collections::HashMap::new();
    for p in proofs {
        let vm = p["verificationMethod"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let owner = controller(holder(vp), &vm);
        let created = p["created"]
            .as_str()
            .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok());
        let resolved = resolver.resolve(&vm, &owner, created).await;
        if let Err(why) = &resolved {
            // Refused before canonicalization: no key could vouch for it whatever it hashes to.
            return check(
                CheckKind::Proof,
                Status::Failed,
                format!("proof by {vm}: {why}"),
            );
        }
        keys.insert(vm, resolved);
    }
    // Canonicalizing a whole presentation is CPU work: on the bounded pool.
    let (doc, wanted) = (vp.clone(), expected.clone());
    let outcome = ctx
        .cpu
        .run(move || {
            let resolve = |vm: &str| {
                keys.get(vm)
                    .cloned()
                    .unwrap_or_else(|| Err(format!("{vm} was not resolved")))
                    .map(|(k, _)| k)
            };
            verify_proofs(&doc, &wanted, &resolve)
        })
        .await;
    let verdicts = match outcome {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => return check(CheckKind::Proof, Status::Failed, e.to_string()),
        Err(e) => return check(CheckKind::Proof, Status::Unknown, e.message),
    };
    let mut details = Vec::new();
    for v in &verdicts {
        if let Err(why) = &v.result {
            return check(
                CheckKind::Proof,
                Status::Failed,
                format!(
                    "{} proof by {}: {why}",
                    v.cryptosuite, v.verification_method
                ),
            );
        }
        details.push(format!(
            "{} {}, key {}",
            v.cryptosuite, expected.purpose, v.verification_method
        ));
    }
    check(CheckKind::Proof, Status::Passed, details.join("; "))
}

/// A `vp+jwt`: returns the presentation it carries and the check of its signature.
async fn jwt_proof(
    ctx: &Context,
    token: &str,
    expected: &Expected,
) -> ServiceResult<(Value, Check)> {
    let parsed = jwt::parse(token)
        .map_err(|e| ServiceError::invalid(ProblemCode::InvalidJwt, e.to_string()))?;
    let claims = &parsed.payload;
    // VC 1.1 JWTs carry the presentation in `vp`; VC-JOSE-COSE makes the payload the presentation.
    let vp = match claims.get("vp") {
        Some(vp @ Value::Object(_)) => vp.clone(),
        _ => {
            let mut vp = claims.clone();
            for claim in ["iss", "jti", "iat", "nbf", "exp", "sub", "aud", "nonce"] {
                vp.remove(claim);
            }
            Value::Object(vp)
        }
    };
    let fail = |m: String| Ok((vp.clone(), check(CheckKind::Proof, Status::Failed, m)));
    if parsed.header.get("alg").and_then(Value::as_str) != Some("EdDSA") {
        return fail("JWT algorithm is not accepted (only EdDSA)".into());
    }
    if let Some(h) = ["jku", "x5u", "jwk", "x5c", "x5t", "crit"]
        .iter()
        .find(|h| parsed.header.contains_key(**h))
    {
        return fail(format!(
            "JWT header `{h}` is not accepted: keys come only from the holder's DID"
        ));
    }
    if parsed.header.get("typ").is_some_and(|t| t != VP_JWT_TYP) {
        return fail(format!("JWT `typ` must be `{VP_JWT_TYP}`"));
    }
    let Some(kid) = parsed.header.get("kid").and_then(Value::as_str) else {
        return fail("the JWT has no `kid`".into());
    };
    if let Some(want) = &expected.challenge
        && claims.get("nonce").and_then(Value::as_str) != Some(want.as_str())
    {
        return fail("the JWT `nonce` is not the challenge requested".into());
    }
    if let Some(want) = &expected.domain {
        let ok = match claims.get("aud") {
            Some(Value::String(a)) => a == want,
            Some(Value::Array(a)) => a.iter().any(|x| x == want.as_str()),
            _ => false,
        };
        if !ok {
            return fail("the JWT `aud` is not the domain requested".into());
        }
    }
    let now = ctx.now().unix_timestamp();
    if claims
        .get("exp")
        .and_then(Value::as_i64)
        .is_some_and(|exp| now > exp)
    {
        return fail("the vp+jwt has expired (`exp`)".into());
    }
    if claims
        .get("nbf")
        .and_then(Value::as_i64)
        .is_some_and(|nbf| now < nbf)
    {
        return fail("the vp+jwt is not valid yet (`nbf`)".into());
    }
    let iss = claims.get("iss").and_then(Value::as_str);
    let owner = controller(holder(&vp).or(iss), kid);
    if iss.is_some_and(|i| i != owner) {
        return fail("the JWT `iss` differs from the presentation's holder".into());
    }
    let resolver = Resolver::load(ctx, &[kid]).await?;
    let key = match resolver.resolve(kid, &owner, None).await {
        Ok((k, _)) => k,
        Err(why) => return fail(why),
    };
    if let Err(why) = jwt::verify_signature(token, &key) {
        return fail(why);
    }
    let detail = format!("vp+jwt EdDSA, key {kid}");
    Ok((vp, check(CheckKind::Proof, Status::Passed, detail)))
}

pub async fn verify_presentation(
    ctx: &Context,
    presented: PresentedVp,
    expected: &Expected,
) -> ServiceResult<PresentationVerdict> {
    let expected = &Expected {
        now: Some(ctx.now()),
        ..expected.clone()
    };
    let (vp, proof, format) = match presented {
        PresentedVp::Json(vp) => {
            check_structure(&vp).map_err(bad)?;
            let proof = di_proof(ctx, &vp, expected).await;
            (vp, proof, "data-integrity")
        }
        PresentedVp::Jwt(token) => {
            let (vp, proof) = jwt_proof(ctx, &token, expected).await?;
            (vp, proof, "vp+jwt")
        }
    };
    let entries: Vec<Value> = check_structure(&vp)
        .map_err(bad)?
        .into_iter()
        .cloned()
        .collect();
    let mut inputs: Vec<Presented> = Vec::with_capacity(entries.len());
    for (i, entry) in entries.into_iter().enumerate() {
        let (presented, _) = parse_input(entry).map_err(|e| {
            ServiceError::invalid(
                ProblemCode::InvalidPresentation,
                format!("verifiableCredential[{i}]: {}", e.message),
            )
        })?;
        inputs.push(presented);
    }
    let mut credentials = Vec::with_capacity(inputs.len());
    for presented in inputs {
        credentials.push(verify(ctx, presented, None).await?);
    }
    let verified = proof.status == Status::Passed && credentials.iter().all(|c| c.verified);
    Ok(PresentationVerdict {
        verified,
        checks: vec![proof],
        holder: holder(&vp).map(String::from),
        format,
        credentials,
        checked_at: ctx.now(),
    })
}
