//! What a wallet reads before it asks for anything: the Credential Issuer Metadata (OID4VCI
//! 1.0 §12.2, at `/.well-known/openid-credential-issuer`, §12.2.2) and the OAuth 2.0
//! Authorization Server Metadata (RFC 8414 §2, with `pre-authorized_grant_anonymous_access_supported`
//! from OID4VCI §12.3). One credential configuration per achievement and format (Appendix
//! A.1.1 `jwt_vc_json`, A.1.2 `ldp_vc`).

use super::wire::{
    AuthorizationServerMetadata, CredentialConfiguration, CredentialDefinition, CredentialMetadata,
    Display, IssuerMetadata, JwtProofType, Logo, ProofTypes,
};
use super::{CREDENTIAL_PATH, NONCE_PATH, PRE_AUTHORIZED_GRANT, TOKEN_PATH};
use crate::domain::catalog::Achievement;
use crate::service::Context;
use crate::vc::contexts::{OB_V3, VC_V2};
use std::collections::BTreeMap;

/// The two formats a record can be copied into a wallet as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The JSON credential with an embedded Data Integrity proof.
    LdpVc,
    /// The same credential as our `vc+jwt` (VC-JOSE-COSE), a compact JWS string.
    JwtVcJson,
}

impl Format {
    pub const ALL: [Format; 2] = [Format::LdpVc, Format::JwtVcJson];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::LdpVc => "ldp_vc",
            Format::JwtVcJson => "jwt_vc_json",
        }
    }
}

/// `{achievement}.{format}`, e.g. `mlops-foundation.ldp_vc`.
pub fn configuration_id(code: &str, format: Format) -> String {
    format!("{code}.{}", format.as_str())
}

/// The achievement code and format a configuration id names, if it is one of ours.
pub fn parse_configuration_id(id: &str) -> Option<(&str, Format)> {
    let (code, format) = id.rsplit_once('.')?;
    let format = Format::ALL.into_iter().find(|f| f.as_str() == format)?;
    Some((code, format))
}

/// Key proof algorithms we verify (Appendix F.1): Ed25519 and P-256, the holder keys of did:key
/// and did:jwk that we can decode without a resolver.
pub const PROOF_ALGORITHMS: [&str; 2] = ["EdDSA", "ES256"];
pub const BINDING_METHODS: [&str; 2] = ["did:key", "did:jwk"];

fn configuration(ctx: &Context, a: &Achievement, format: Format) -> CredentialConfiguration {
    // The badge image (Open Badges `image`) as the wallet's card logo; PNG because wallets
    // do not all draw SVG.
    let display = vec![Display {
        name: a.name.clone(),
        locale: "en",
        description: Some(a.description.clone()),
        logo: Some(Logo {
            uri: crate::vc::credential::achievement_png_url(ctx.base_url(), a.code.as_str()),
            alt_text: format!("{} badge", a.name),
        }),
    }];
    let r#type = vec!["VerifiableCredential", "OpenBadgeCredential"];
    let (context, signing) = match format {
        Format::LdpVc => (
            Some(vec![VC_V2, OB_V3]),
            vec![ctx.config.cryptosuite.name()],
        ),
        Format::JwtVcJson => (None, vec!["EdDSA"]),
    };
    CredentialConfiguration {
        format: format.as_str(),
        cryptographic_binding_methods_supported: BINDING_METHODS.to_vec(),
        credential_signing_alg_values_supported: signing,
        proof_types_supported: ProofTypes {
            jwt: JwtProofType {
                proof_signing_alg_values_supported: PROOF_ALGORITHMS.to_vec(),
            },
        },
        credential_definition: CredentialDefinition { context, r#type },
        // §12.2.4: display data lives in `credential_metadata`; drafts before 1.0 read it
        // at the configuration's top level, so both are given.
        credential_metadata: CredentialMetadata {
            display: display.clone(),
        },
        display,
    }
}

/// `/.well-known/openid-credential-issuer`.
pub fn issuer_metadata(ctx: &Context) -> IssuerMetadata {
    let base = ctx.base_url();
    let mut configurations = BTreeMap::new();
    for a in ctx.catalog.achievements() {
        for format in Format::ALL {
            configurations.insert(
                configuration_id(a.code.as_str(), format),
                configuration(ctx, a, format),
            );
        }
    }
    IssuerMetadata {
        credential_issuer: base.to_owned(),
        credential_endpoint: format!("{base}{CREDENTIAL_PATH}"),
        nonce_endpoint: format!("{base}{NONCE_PATH}"),
        token_endpoint: format!("{base}{TOKEN_PATH}"),
        display: vec![Display {
            name: ctx.config.issuer_name.clone(),
            locale: "en",
            description: None,
            logo: None,
        }],
        credential_configurations_supported: configurations,
    }
}

/// `/.well-known/oauth-authorization-server`.
pub fn authorization_server_metadata(ctx: &Context) -> AuthorizationServerMetadata {
    let base = ctx.base_url();
    AuthorizationServerMetadata {
        issuer: base.to_owned(),
        token_endpoint: format!("{base}{TOKEN_PATH}"),
        grant_types_supported: vec![PRE_AUTHORIZED_GRANT],
        response_types_supported: Vec::new(),
        token_endpoint_auth_methods_supported: vec!["none"],
        anonymous_access_supported: true,
    }
}
