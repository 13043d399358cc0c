//! API tokens: `att_<id>_<secret>`. Only SHA-256 of the secret is stored; the token is shown
//! once at creation. Lookup is by the public id, and the hash comparison is constant-time.

use super::audit::{self, Entry};
use super::{Actor, Context, ErrorClass, Role, ServiceError, ServiceResult};
use crate::problem::ProblemCode;
use crate::store::TokenRow;
use base64::Engine;
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

const PREFIX: &str = "att_";

fn hash_secret(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn random_b64(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

pub struct Created {
    pub token: String,
    pub row: TokenRow,
}

pub async fn create(
    ctx: &Context,
    actor: &Actor,
    name: &str,
    role: Role,
) -> ServiceResult<Created> {
    let name = name.trim();
    if name.is_empty() || name.len() > 64 || name.chars().any(char::is_control) {
        return Err(ServiceError::invalid(
            ProblemCode::InvalidName,
            "token name must be 1 to 64 printable characters",
        ));
    }
    // The id must not contain the separator.
    let token_id = random_b64(9).replace(['-', '_'], "x");
    let secret = random_b64(32);
    let now = ctx.now().unix_timestamp();
    let row = TokenRow {
        token_id: token_id.clone(),
        name: name.to_owned(),
        role,
        secret_hash: hash_secret(&secret),
        created_at: now,
        revoked_at: None,
    };
    let mut tx = ctx.store.begin().await?;
    tx.insert_token(&row).await.map_err(|e| match e {
        crate::store::StoreError::Conflict(_) => ServiceError::conflict(
            ProblemCode::TokenNameTaken,
            format!("a token named `{name}` exists"),
        ),
        other => other.into(),
    })?;
    audit::append(
        tx.as_mut(),
        now,
        Entry {
            actor,
            action: "token.create",
            credential_id: None,
            reason: None,
            detail: json!({"name": name, "role": role.as_str(), "token_id": token_id}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Created {
        token: format!("{PREFIX}{token_id}_{secret}"),
        row,
    })
}

pub async fn revoke(ctx: &Context, actor: &Actor, name: &str) -> ServiceResult<()> {
    let now = ctx.now().unix_timestamp();
    let mut tx = ctx.store.begin().await?;
    if !tx.revoke_token(name, now).await? {
        return Err(ServiceError::not_found(&format!("active token `{name}`")));
    }
    audit::append(
        tx.as_mut(),
        now,
        Entry {
            actor,
            action: "token.revoke",
            credential_id: None,
            reason: None,
            detail: json!({"name": name}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn list(ctx: &Context) -> ServiceResult<Vec<TokenRow>> {
    Ok(ctx.store.tokens().await?)
}

fn unauthenticated() -> ServiceError {
    ServiceError::new(
        ErrorClass::Unauthenticated,
        ProblemCode::Unauthenticated,
        "a valid bearer token is required",
    )
}

/// The actor a presented token stands for. Every failure looks the same to the caller.
pub async fn authenticate(ctx: &Context, presented: &str) -> ServiceResult<Actor> {
    let rest = presented.strip_prefix(PREFIX).ok_or_else(unauthenticated)?;
    let (token_id, secret) = rest.split_once('_').ok_or_else(unauthenticated)?;
    let row = ctx
        .store
        .token(token_id)
        .await?
        .ok_or_else(unauthenticated)?;
    let matches: bool = hash_secret(secret)
        .as_bytes()
        .ct_eq(row.secret_hash.as_bytes())
        .into();
    if !matches || row.revoked_at.is_some() {
        return Err(unauthenticated());
    }
    let role = row.role;
    Ok(Actor {
        name: row.name,
        role,
    })
}

pub fn require(actor: &Actor, role: Role) -> ServiceResult<()> {
    if actor.role == role {
        Ok(())
    } else {
        Err(ServiceError::new(
            ErrorClass::Forbidden,
            ProblemCode::Forbidden,
            format!("this needs a token with role `{}`", role.as_str()),
        ))
    }
}
