//! Rows of the OID4VCI tables (migration 0004, issue 18). Codes, tokens, PINs and nonces are
//! stored as SHA-256 hex hashes only.

/// A credential offer (OID4VCI 1.0 §4.1) and, once redeemed, its access token (§6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferRow {
    pub code_hash: String,
    pub credential_id: String,
    /// `api` (made for the exam platform) or `share` (made for the share page).
    pub origin: String,
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
    pub copy_id: String,
    pub credential_id: String,
    pub offer_hash: String,
    pub configuration_id: String,
    pub holder_did: String,
    pub issued_at: i64,
    pub credential: String,
}
