//! Credential offers (OID4VCI 1.0 §4.1): a one-time pre-authorized code for one record,
//! passed by value (`credential_offer`, §4.1.1, §4.1.2) in an `openid-credential-offer://`
//! link. The code is stored hashed and expires quickly; an offer sent by mail can carry a
//! `tx_code` PIN (§4.1.1) that travels by another channel, and a PIN is dead after
//! [`MAX_TX_CODE_FAILURES`](super::MAX_TX_CODE_FAILURES) wrong tries.

use super::metadata::{Format, configuration_id};
use super::wire::{CredentialOffer, Grants, PreAuthorizedGrant, TxCode};
use super::{hash, secret};
use crate::domain::ids::CredentialId;
use crate::domain::status::CredentialState;
use crate::problem::ProblemCode;
use crate::service::{Actor, Context, ErrorClass, ServiceError, ServiceResult, audit};
use crate::store::{CredentialRow, OfferOrigin, OfferRow};
use rand::Rng;
use serde_json::json;
use time::OffsetDateTime;

/// Digits of a `tx_code`.
pub const TX_CODE_LENGTH: usize = 6;

/// Who asked for the offer, which decides its lifetime and whether it is audited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin<'a> {
    /// The exam platform, through `POST /api/v1/credentials/{id}/offer`.
    Api(&'a Actor),
    /// A view of the public share page: short-lived and without PIN (see `share_page_offer`).
    SharePage,
}

#[derive(Debug, Clone)]
pub struct Offer {
    /// The Credential Offer object (§4.1.1).
    pub offer: CredentialOffer,
    /// `openid-credential-offer://?credential_offer=…`.
    pub link: String,
    pub expires_at: OffsetDateTime,
    /// The PIN, shown once, when one was asked for.
    pub tx_code: Option<String>,
}

/// The PIN's stored form: salted with the offer's code hash, so equal PINs differ.
pub(crate) fn tx_code_hash(code_hash: &str, tx_code: &str) -> String {
    hash(&format!("{code_hash}:{tx_code}"))
}

/// Why a record cannot go to a wallet now, if it cannot.
pub(crate) fn refusal(row: &CredentialRow, now: i64) -> Option<&'static str> {
    if row.state != CredentialState::Active {
        return Some("the credential is not active (revoked or suspended)");
    }
    if row.valid_until.is_some_and(|until| until <= now) {
        return Some("the credential has expired");
    }
    if row.achievement.is_none() {
        return Some("the credential was not issued from an exam result");
    }
    None
}

pub async fn create(
    ctx: &Context,
    id: &CredentialId,
    origin: Origin<'_>,
    with_tx_code: bool,
) -> ServiceResult<Offer> {
    let now = ctx.now();
    let row = ctx
        .store
        .credential(id)
        .await?
        .ok_or_else(|| ServiceError::not_found("credential"))?;
    if let Some(why) = refusal(&row, now.unix_timestamp()) {
        return Err(ServiceError::conflict(ProblemCode::NotOfferable, why));
    }
    let code = row
        .achievement
        .as_ref()
        .map(|c| c.as_str().to_owned())
        .unwrap_or_default();
    let ttl = match origin {
        Origin::Api(_) => ctx.config.offer_ttl_seconds,
        Origin::SharePage => ctx.config.share_offer_ttl_seconds,
    };
    let expires_at = now + time::Duration::seconds(i64::from(ttl));
    let pre_authorized_code = secret();
    let code_hash = hash(&pre_authorized_code);
    let tx_code = with_tx_code.then(|| {
        let mut rng = rand::rngs::OsRng;
        (0..TX_CODE_LENGTH)
            .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
            .collect::<String>()
    });
    let mut tx = ctx.store.begin().await?;
    tx.insert_offer(&OfferRow {
        code_hash: code_hash.clone(),
        credential_id: *id,
        origin: match origin {
            Origin::Api(_) => OfferOrigin::Api,
            Origin::SharePage => OfferOrigin::Share,
        },
        tx_code_hash: tx_code.as_deref().map(|pin| tx_code_hash(&code_hash, pin)),
        tx_code_failures: 0,
        created_at: now.unix_timestamp(),
        expires_at: expires_at.unix_timestamp(),
        redeemed_at: None,
        token_hash: None,
        token_expires_at: None,
    })
    .await?;
    // Share page views are not audited (every visit makes one); offers to the platform are.
    if let Origin::Api(actor) = origin {
        audit::append(
            tx.as_mut(),
            now.unix_timestamp(),
            audit::Entry {
                actor,
                action: "credential.offer",
                credential_id: Some(*id),
                reason: None,
                detail: json!({"expires_at": expires_at.unix_timestamp(),
                               "tx_code": tx_code.is_some(), "offer": &code_hash[..16]}),
            },
        )
        .await?;
    }
    tx.commit().await?;
    let offer = CredentialOffer {
        credential_issuer: ctx.base_url().to_owned(),
        credential_configuration_ids: Format::ALL.map(|f| configuration_id(&code, f)).to_vec(),
        grants: Grants {
            pre_authorized_code: PreAuthorizedGrant {
                code: pre_authorized_code,
                tx_code: tx_code.is_some().then_some(TxCode {
                    input_mode: "numeric",
                    length: TX_CODE_LENGTH,
                    description: "The PIN sent to you with this offer",
                }),
            },
        },
    };
    let link = offer_link(&offer);
    Ok(Offer {
        offer,
        link,
        expires_at,
        tx_code,
    })
}

/// `openid-credential-offer://?credential_offer=<URL-encoded JSON>` (§4.1, §4.1.2).
pub fn offer_link(offer: &CredentialOffer) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    let json = serde_json::to_string(offer).unwrap_or_default();
    q.append_pair("credential_offer", &json);
    format!("openid-credential-offer://?{}", q.finish())
}

/// The offer a share page shows, or `None` when it shows none: turned off
/// (`share_offer_ttl_seconds = 0`) or the record cannot go to a wallet (revoked, suspended,
/// expired). A share page is public, so this offer is single-use and short-lived: whoever
/// redeems it first binds the copy to their key, and it cannot be redeemed after its minutes.
/// The page is a read: when the database cannot store the offer now, it shows none rather than
/// failing.
pub async fn share_page_offer(ctx: &Context, id: &CredentialId) -> ServiceResult<Option<Offer>> {
    if ctx.config.share_offer_ttl_seconds == 0 {
        return Ok(None);
    }
    match create(ctx, id, Origin::SharePage, false).await {
        Ok(offer) => Ok(Some(offer)),
        Err(e) if e.code == ProblemCode::NotOfferable => Ok(None),
        Err(e) if e.class == ErrorClass::Unavailable => {
            tracing::warn!(cause = %e.message, "share page shown without a wallet offer");
            Ok(None)
        }
        Err(e) => Err(e),
    }
}
