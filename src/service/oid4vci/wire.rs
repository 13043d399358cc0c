//! The documents the flow sends, as types: the Credential Offer (OID4VCI 1.0 §4.1.1), the
//! Credential Issuer Metadata (§12.2.4) with its configurations (Appendix A.1.1 `jwt_vc_json`,
//! A.1.2 `ldp_vc`), the Authorization Server Metadata (RFC 8414 §2, with §12.3's
//! `pre-authorized_grant_anonymous_access_supported`) and the Credential Response (§8.3). The
//! same types serialize the answers and derive the OpenAPI schemas, so the two agree.

use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// §4.1.1, passed by value in `openid-credential-offer://?credential_offer=…`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CredentialOffer {
    pub credential_issuer: String,
    /// Keys of the issuer metadata's `credential_configuration_ids_supported`.
    pub credential_configuration_ids: Vec<String>,
    pub grants: Grants,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Grants {
    #[serde(rename = "urn:ietf:params:oauth:grant-type:pre-authorized_code")]
    pub pre_authorized_code: PreAuthorizedGrant,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PreAuthorizedGrant {
    /// Single-use; the token endpoint exchanges it for an access token.
    #[serde(rename = "pre-authorized_code")]
    pub code: String,
    /// Present when the wallet must also send a PIN it got by another channel.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub tx_code: Option<TxCode>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TxCode {
    /// Always `numeric`.
    pub input_mode: &'static str,
    pub length: usize,
    pub description: &'static str,
}

/// §12.2.4 Credential Issuer Metadata.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuerMetadata {
    pub credential_issuer: String,
    pub credential_endpoint: String,
    pub nonce_endpoint: String,
    /// Pre-1.0 clients look for the token endpoint here; 1.0 reads the authorization server's
    /// metadata (this issuer is its own authorization server).
    pub token_endpoint: String,
    pub display: Vec<Display>,
    /// `{achievement}.ldp_vc` and `{achievement}.jwt_vc_json` for every achievement.
    pub credential_configurations_supported: BTreeMap<String, CredentialConfiguration>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Display {
    pub name: String,
    pub locale: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub logo: Option<Logo>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Logo {
    pub uri: String,
    pub alt_text: String,
}

/// One credential configuration (§12.2.4, Appendix A.1).
#[derive(Debug, Serialize, ToSchema)]
pub struct CredentialConfiguration {
    /// `ldp_vc` or `jwt_vc_json`.
    pub format: &'static str,
    pub cryptographic_binding_methods_supported: Vec<&'static str>,
    /// The cryptosuite (ldp_vc) or JWS algorithm (jwt_vc_json) the credential is signed with.
    pub credential_signing_alg_values_supported: Vec<&'static str>,
    pub proof_types_supported: ProofTypes,
    pub credential_definition: CredentialDefinition,
    /// Where 1.0 reads the display data.
    pub credential_metadata: CredentialMetadata,
    /// The same display data where drafts before 1.0 read it.
    pub display: Vec<Display>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProofTypes {
    pub jwt: JwtProofType,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JwtProofType {
    pub proof_signing_alg_values_supported: Vec<&'static str>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CredentialDefinition {
    /// `ldp_vc` only.
    #[serde(rename = "@context", skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub context: Option<Vec<&'static str>>,
    pub r#type: Vec<&'static str>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CredentialMetadata {
    pub display: Vec<Display>,
}

/// RFC 8414 §2 Authorization Server Metadata.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorizationServerMetadata {
    pub issuer: String,
    pub token_endpoint: String,
    pub grant_types_supported: Vec<&'static str>,
    /// Empty: there is no authorization endpoint.
    pub response_types_supported: Vec<&'static str>,
    pub token_endpoint_auth_methods_supported: Vec<&'static str>,
    /// OID4VCI §12.3: the pre-authorized code alone is enough (no client authentication).
    #[serde(rename = "pre-authorized_grant_anonymous_access_supported")]
    pub anonymous_access_supported: bool,
}

/// §8.3 Credential Response (immediate issuance).
#[derive(Debug, Serialize, ToSchema)]
pub struct CredentialResponse {
    pub credentials: Vec<IssuedCredential>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedCredential {
    /// An `ldp_vc` JSON credential, or a `jwt_vc_json` compact JWT string.
    #[schema(value_type = Object)]
    pub credential: Box<serde_json::value::RawValue>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grant_is_named_by_its_grant_type() {
        let grants = Grants {
            pre_authorized_code: PreAuthorizedGrant {
                code: "c".into(),
                tx_code: None,
            },
        };
        let json = serde_json::to_value(&grants).unwrap();
        assert_eq!(
            json[super::super::PRE_AUTHORIZED_GRANT]["pre-authorized_code"],
            "c"
        );
    }
}
