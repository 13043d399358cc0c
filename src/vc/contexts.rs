//! JSON-LD contexts, embedded byte-for-byte (sources and SHA-256 sums in
//! `assets/contexts/SOURCES.md`). VC Data Model 2.0 §4.3: `@context` must start with the VC v2
//! context; every other term we use is defined by the Open Badges 3.0 context.

pub const VC_V2: &str = "https://www.w3.org/ns/credentials/v2";
pub const OB_V3: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
pub const DATA_INTEGRITY_V2: &str = "https://w3id.org/security/data-integrity/v2";
pub const MULTIKEY_V1: &str = "https://w3id.org/security/multikey/v1";
pub const UNDEFINED_TERMS_V2: &str = "https://www.w3.org/ns/credentials/undefined-terms/v2";
pub const DID_V1: &str = "https://www.w3.org/ns/did/v1";
/// VC Data Model 1.1 (§3 of issue 16: many credentials in circulation still use it).
pub const VC_V1: &str = "https://www.w3.org/2018/credentials/v1";
pub const CREDENTIALS_EXAMPLES_V2: &str = "https://www.w3.org/ns/credentials/examples/v2";

/// (URL, document) for every context we hold.
pub const EMBEDDED: &[(&str, &str)] = &[
    (
        VC_V2,
        include_str!("../../assets/contexts/credentials-v2.jsonld"),
    ),
    (
        OB_V3,
        include_str!("../../assets/contexts/ob-v3p0-context-3.0.3.json"),
    ),
    (
        DATA_INTEGRITY_V2,
        include_str!("../../assets/contexts/data-integrity-v2.jsonld"),
    ),
    (
        MULTIKEY_V1,
        include_str!("../../assets/contexts/multikey-v1.jsonld"),
    ),
    (
        UNDEFINED_TERMS_V2,
        include_str!("../../assets/contexts/credentials-undefined-terms-v2.jsonld"),
    ),
    (
        VC_V1,
        include_str!("../../assets/contexts/credentials-v1.jsonld"),
    ),
    // The W3C suites and the specification's examples use it. Its `@vocab` gives every
    // otherwise undefined term an IRI, so such terms are signed rather than dropped.
    (
        CREDENTIALS_EXAMPLES_V2,
        include_str!("../../assets/contexts/credentials-examples-v2.jsonld"),
    ),
];

pub const CITIZENSHIP_V4RC1: &str = "https://w3id.org/citizenship/v4rc1";

/// Contexts only the W3C test vectors use.
pub const TEST_VECTORS: &[(&str, &str)] = &[(
    CITIZENSHIP_V4RC1,
    include_str!("../../assets/contexts/citizenship-v4rc1.jsonld"),
)];

pub fn lookup(url: &str) -> Option<&'static str> {
    EMBEDDED
        .iter()
        .find(|(u, _)| *u == url)
        .map(|(_, doc)| *doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    /// The embedded files are the recorded ones, byte for byte.
    #[test]
    fn embedded_contexts_match_recorded_checksums() {
        let sources = include_str!("../../assets/contexts/SOURCES.md");
        for (url, doc) in EMBEDDED.iter().chain(TEST_VECTORS) {
            let sum = hex(&Sha256::digest(doc.as_bytes()));
            assert!(
                sources.contains(&sum),
                "{url}: checksum {sum} not recorded in SOURCES.md"
            );
            serde_json::from_str::<serde_json::Value>(doc).expect("context is JSON");
        }
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}
