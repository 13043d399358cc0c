-- OpenID for Verifiable Credential Issuance 1.0, pre-authorized code flow (issue 18).

-- One credential offer (OID4VCI §4.1): its pre-authorized code, and later the access token the
-- code was exchanged for (§6), are stored only as SHA-256 hashes. A code is redeemed once.
CREATE TABLE oid4vci_offers (
    code_hash        TEXT PRIMARY KEY,
    credential_id    TEXT NOT NULL REFERENCES credentials (credential_id),
    origin           TEXT NOT NULL CHECK (origin IN ('api', 'share')),
    tx_code_hash     TEXT,                  -- the PIN's hash, when the offer has one
    tx_code_failures BIGINT NOT NULL DEFAULT 0,
    created_at       BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    redeemed_at      BIGINT,
    token_hash       TEXT UNIQUE,
    token_expires_at BIGINT
);
CREATE INDEX oid4vci_offers_by_expiry ON oid4vci_offers (expires_at);

-- c_nonce values handed out by the Nonce Endpoint (§7); each is accepted in one proof only.
CREATE TABLE oid4vci_nonces (
    nonce_hash TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX oid4vci_nonces_by_expiry ON oid4vci_nonces (expires_at);

-- Holder-bound copies issued to wallets (§8), linked to the record they copy: they share its
-- status entries, so revoking the record revokes them. One per offer and configuration.
CREATE TABLE wallet_credentials (
    copy_id          TEXT PRIMARY KEY,       -- the copy's urn:uuid id
    credential_id    TEXT NOT NULL REFERENCES credentials (credential_id),
    offer_hash       TEXT NOT NULL,
    configuration_id TEXT NOT NULL,
    holder_did       TEXT NOT NULL,
    issued_at        BIGINT NOT NULL,
    credential       TEXT NOT NULL,          -- as the wallet received it (JSON or compact JWT)
    UNIQUE (offer_hash, configuration_id)
);
CREATE INDEX wallet_credentials_by_record ON wallet_credentials (credential_id);
