//! "Is this what we issued under that id?": a presented credential that carries one of our
//! credential URLs must be, value for value, the credential stored under it (the JWT form
//! without its embedded proof). A valid signature alone is not enough: it would let an old
//! key's holder, or a bug, pass off a credential we never recorded.
//!
//! Issued JSON never changes (a credential's state lives in other columns), so a parsed copy
//! never goes stale; [`IssuedCache`] keeps recent ones so that verifying the same credential
//! again costs no database read and no parse. It only bounds memory.

use crate::cache::Bounded;
use crate::domain::ids::CredentialId;
use crate::service::Context;
use serde_json::Value;
use std::sync::Arc;

/// About 20 KB each once parsed: 1,024 of them stay well inside the memory budget.
const CAPACITY: usize = 1024;

#[derive(Debug)]
pub struct IssuedCache(Bounded<CredentialId, Arc<Value>>);

impl Default for IssuedCache {
    fn default() -> Self {
        Self(Bounded::new(CAPACITY))
    }
}

/// The credential we issued under `id`, if it is ours and exists; when it had to be read, also
/// its list's current revision, which the status checks then need not read again.
async fn issued(ctx: &Context, id: CredentialId) -> Option<(Arc<Value>, Option<(i64, i64)>)> {
    if let Some(known) = ctx.issued.0.get(&id) {
        return Some((known, None));
    }
    let row = ctx.store.issued_json(&id).await.ok()??;
    let parsed = Arc::new(serde_json::from_str::<Value>(&row.json).ok()?);
    ctx.issued.0.put(id, parsed.clone());
    Some((parsed, Some((row.list_number, row.list_revision))))
}

/// `presented` equals `stored`, leaving out the stored `proof` when the presented form is a
/// JWT payload (which carries none).
fn same(stored: &Value, presented: &Value, jwt_payload: bool) -> bool {
    match (stored, presented) {
        (Value::Object(s), Value::Object(p)) if jwt_payload => {
            let stored_len = s.len() - usize::from(s.contains_key("proof"));
            stored_len == p.len()
                && p.iter()
                    .all(|(k, v)| k != "proof" && s.get(k).is_some_and(|sv| sv == v))
        }
        _ => stored == presented,
    }
}

/// Fails when `credential` names one of our credentials but differs from it. Credentials of
/// other issuers, and ids we never issued, are left to the other checks. A list revision read
/// on the way goes into `revisions` for the status checks of the same verification.
pub async fn record_check(
    ctx: &Context,
    credential: &Value,
    jwt_payload: bool,
    revisions: &mut super::Revisions,
) -> Result<(), String> {
    let Some(id) = credential.get("id").and_then(Value::as_str) else {
        return Ok(());
    };
    let Some(uuid) = id.strip_prefix(&format!("{}/credentials/", ctx.base_url())) else {
        return Ok(());
    };
    let Ok(cid) = CredentialId::parse(uuid) else {
        return Ok(());
    };
    let Some((stored, revision)) = issued(ctx, cid).await else {
        return Ok(());
    };
    if let Some((list, revision)) = revision {
        revisions.insert(list, revision);
    }
    if same(&stored, credential, jwt_payload) {
        Ok(())
    } else {
        Err("it differs from the credential this issuer issued under that id".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_jwt_payload_matches_the_stored_credential_without_its_proof() {
        let stored = json!({"id": "x", "name": "A", "proof": {"type": "DataIntegrityProof"}});
        assert!(same(&stored, &json!({"name": "A", "id": "x"}), true));
        assert!(!same(&stored, &json!({"name": "A", "id": "x"}), false));
        assert!(same(&stored, &stored.clone(), false));
        assert!(!same(&stored, &json!({"name": "B", "id": "x"}), true));
        assert!(!same(
            &stored,
            &json!({"name": "A", "id": "x", "extra": 1}),
            true
        ));
        assert!(
            !same(&stored, &json!({"name": "A", "proof": 1}), true),
            "a payload with a proof of its own is not what we signed"
        );
        let no_proof = json!({"id": "x", "name": "A"});
        assert!(same(&no_proof, &json!({"id": "x", "name": "A"}), true));
    }
}
