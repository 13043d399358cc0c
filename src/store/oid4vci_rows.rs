//! Rows of the OID4VCI tables (migration 0004, issue 18). Codes, tokens, PINs and nonces are
//! stored as SHA-256 hex hashes only.

use super::decode::{Columns, corrupt, credential_id};
use super::{StoreError, StoreResult};
use crate::domain::ids::{CredentialId, WalletCopyId};
use serde::Serialize;

/// Who an offer was made for (the `origin` column's CHECK allows exactly these).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OfferOrigin {
    /// Made through the API for the exam platform (audited).
    Api,
    /// Made for the holder's share page (one per view, not audited).
    Share,
}

impl OfferOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::Share => "share",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "api" => Some(Self::Api),
            "share" => Some(Self::Share),
            _ => None,
        }
    }
}

/// A credential offer (OID4VCI 1.0 §4.1) and, once redeemed, its access token (§6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferRow {
    pub code_hash: String,
    pub credential_id: CredentialId,
    pub origin: OfferOrigin,
    pub tx_code_hash: Option<String>,
    pub tx_code_failures: i64,
    pub created_at: i64,
    pub expires_at: i64,
    pub redeemed_at: Option<i64>,
    pub token_hash: Option<String>,
    pub token_expires_at: Option<i64>,
}

/// A holder-bound copy given to a wallet (§8), linked to the record it copies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalletCopyRow {
    pub copy_id: WalletCopyId,
    pub credential_id: CredentialId,
    pub offer_hash: String,
    pub configuration_id: String,
    pub holder_did: String,
    pub issued_at: i64,
    pub credential: String,
}

/// Decoded here, once for both engines, like the rows of `decode.rs`.
pub(crate) fn offer(row: &impl Columns) -> StoreResult<OfferRow> {
    let origin = row.text("origin")?;
    Ok(OfferRow {
        code_hash: row.text("code_hash")?,
        credential_id: credential_id(&row.text("credential_id")?)?,
        origin: OfferOrigin::parse(&origin).ok_or_else(|| corrupt("origin", &origin))?,
        tx_code_hash: row.opt_text("tx_code_hash")?,
        tx_code_failures: row.int("tx_code_failures")?,
        created_at: row.int("created_at")?,
        expires_at: row.int("expires_at")?,
        redeemed_at: row.opt_int("redeemed_at")?,
        token_hash: row.opt_text("token_hash")?,
        token_expires_at: row.opt_int("token_expires_at")?,
    })
}

pub(crate) fn wallet_copy(row: &impl Columns) -> StoreResult<WalletCopyRow> {
    Ok(WalletCopyRow {
        copy_id: WalletCopyId::parse(&row.text("copy_id")?)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        credential_id: credential_id(&row.text("credential_id")?)?,
        offer_hash: row.text("offer_hash")?,
        configuration_id: row.text("configuration_id")?,
        holder_did: row.text("holder_did")?,
        issued_at: row.int("issued_at")?,
        credential: row.text("credential")?,
    })
}
