//! The token endpoint for the pre-authorized code grant (OID4VCI 1.0 §6.1, §6.2; errors §6.3
//! and RFC 6749 §5.2) and the nonce endpoint (§7). A code is redeemed once, before its expiry,
//! with its PIN when it has one; the access token it yields is bound to that offer, lives
//! [`TOKEN_TTL_SECONDS`] and is stored hashed. c_nonces are stored hashed and used once.

use super::offer::{refusal, tx_code_hash};
use super::{
    MAX_TX_CODE_FAILURES, NONCE_TTL_SECONDS, Oid4vciError, Oid4vciResult, PRE_AUTHORIZED_GRANT,
    TOKEN_TTL_SECONDS, hash, secret,
};
use crate::service::{Context, ServiceError};
use subtle::ConstantTimeEq;

/// The form fields of a token request (§6.1) this grant uses.
#[derive(Debug, Default, Clone)]
pub struct TokenRequest {
    pub grant_type: Option<String>,
    pub pre_authorized_code: Option<String>,
    pub tx_code: Option<String>,
}

#[derive(Debug, Clone)]
pub struct AccessToken {
    pub access_token: String,
    pub expires_in: i64,
}

pub async fn redeem(ctx: &Context, request: &TokenRequest) -> Oid4vciResult<AccessToken> {
    match request.grant_type.as_deref() {
        Some(PRE_AUTHORIZED_GRANT) => {}
        Some(_) => {
            return Err(Oid4vciError::protocol(
                400,
                "unsupported_grant_type",
                "only the pre-authorized code grant is supported",
            ));
        }
        None => return Err(Oid4vciError::invalid_request("`grant_type` is missing")),
    }
    let code = request
        .pre_authorized_code
        .as_deref()
        .filter(|c| !c.is_empty())
        .ok_or_else(|| Oid4vciError::invalid_request("`pre-authorized_code` is missing"))?;
    let now = ctx.now().unix_timestamp();
    let mut tx = ctx.store.begin().await?;
    let Some(mut offer) = tx.offer_by_code(&hash(code)).await? else {
        return Err(Oid4vciError::invalid_grant(
            "the pre-authorized code is unknown or expired",
        ));
    };
    if offer.redeemed_at.is_some() {
        return Err(Oid4vciError::invalid_grant(
            "the pre-authorized code was already used",
        ));
    }
    if offer.expires_at <= now {
        return Err(Oid4vciError::invalid_grant(
            "the pre-authorized code has expired",
        ));
    }
    match (&offer.tx_code_hash, request.tx_code.as_deref()) {
        (None, None) => {}
        (None, Some(_)) => {
            return Err(Oid4vciError::invalid_request(
                "this offer has no `tx_code`; do not send one",
            ));
        }
        (Some(_), None) => {
            return Err(Oid4vciError::invalid_request(
                "this offer needs its `tx_code` (PIN)",
            ));
        }
        (Some(expected), Some(given)) => {
            let given = tx_code_hash(&offer.code_hash, given);
            if !bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
                offer.tx_code_failures += 1;
                let dead = offer.tx_code_failures >= MAX_TX_CODE_FAILURES;
                if dead {
                    offer.redeemed_at = Some(now);
                }
                tx.save_offer(&offer).await?;
                tx.commit().await?;
                return Err(Oid4vciError::invalid_grant(if dead {
                    "wrong `tx_code`; too many wrong tries, the offer is void"
                } else {
                    "wrong `tx_code`"
                }));
            }
        }
    }
    let id = offer.credential_id;
    let record = tx
        .credential(&id)
        .await?
        .ok_or_else(|| ServiceError::internal("an offer names a missing credential"))?;
    if let Some(why) = refusal(&record, now) {
        return Err(Oid4vciError::invalid_grant(why));
    }
    let access_token = secret();
    offer.redeemed_at = Some(now);
    offer.token_hash = Some(hash(&access_token));
    offer.token_expires_at = Some(now + TOKEN_TTL_SECONDS);
    tx.save_offer(&offer).await?;
    tx.commit().await?;
    Ok(AccessToken {
        access_token,
        expires_in: TOKEN_TTL_SECONDS,
    })
}

/// A fresh c_nonce (§7.2) and its lifetime in seconds.
pub async fn nonce(ctx: &Context) -> Result<(String, i64), ServiceError> {
    let now = ctx.now().unix_timestamp();
    let nonce = secret();
    let mut tx = ctx.store.begin().await?;
    tx.insert_nonce(&hash(&nonce), now, now + NONCE_TTL_SECONDS)
        .await?;
    tx.commit().await?;
    Ok((nonce, NONCE_TTL_SECONDS))
}
