//! Sample certificate views shared by the integration tests and the timing
//! example.

#![allow(dead_code)]

use attest::render::{Attachment, CertificateView, LineageLink};
use time::macros::{date, datetime};

pub const VERIFY_URL: &str = "https://attest.aiops.school/v/0b7f8d2e-4c1a-4e8b-9f3d-2a6c5e7b9d10";

pub const CREDENTIAL_JSON: &str = r#"{"@context":["https://www.w3.org/ns/credentials/v2","https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],"type":["VerifiableCredential","OpenBadgeCredential"],"id":"https://attest.aiops.school/credentials/0b7f8d2e-4c1a-4e8b-9f3d-2a6c5e7b9d10","issuer":{"id":"did:web:attest.aiops.school","name":"AIOps School"},"validFrom":"2025-11-20T09:30:00Z","credentialSubject":{"name":"Zoë Ångström","achievement":{"name":"Certified MLOps Engineer – Professional"}}}"#;

pub const VC_JWT: &str = "eyJhbGciOiJFZERTQSIsInR5cCI6InZjK2p3dCJ9.eyJpc3MiOiJkaWQ6d2ViOmF0dGVzdC5haW9wcy5zY2hvb2wifQ.c2lnbmF0dXJlLWJ5dGVzLWZvci10ZXN0cy1vbmx5";

/// A fully populated view for `holder_name`.
pub fn view(holder_name: &str) -> CertificateView {
    CertificateView {
        issuer_name: "AIOps School".into(),
        program_name: "Certified MLOps Engineer".into(),
        holder_name: holder_name.into(),
        achievement_name: "Certified MLOps Engineer – Professional".into(),
        track: "MLOps".into(),
        level: "Intermediate (level 2)".into(),
        score: Some((812, 1000)),
        issued_on: date!(2025 - 11 - 20),
        expires_on: date!(2028 - 11 - 20),
        lineage: vec![LineageLink {
            achievement_name: "Certified MLOps Engineer – Foundation".into(),
            issued_on: date!(2025 - 03 - 03),
        }],
        credential_id:
            "https://attest.aiops.school/credentials/0b7f8d2e-4c1a-4e8b-9f3d-2a6c5e7b9d10".into(),
        verification_code: "K7Q2-9XMF".into(),
        verify_url: VERIFY_URL.into(),
        attachments: vec![
            Attachment {
                file_name: "credential.json".into(),
                mime: "application/vc+ld+json".into(),
                description: "Signed W3C Verifiable Credential (JSON-LD)".into(),
                bytes: CREDENTIAL_JSON.as_bytes().to_vec(),
            },
            Attachment {
                file_name: "credential.jwt".into(),
                mime: "application/vc+jwt".into(),
                description: "Signed W3C Verifiable Credential (vc+jwt)".into(),
                bytes: VC_JWT.as_bytes().to_vec(),
            },
        ],
        created_at: datetime!(2025-11-20 10:30:00 +01:00),
    }
}

/// Runs an external tool (poppler, zbar) and returns its stdout; a missing tool is a loud
/// failure with the install hint, never a skip.
pub fn run(tool: &str, args: &[&str]) -> String {
    let output = match std::process::Command::new(tool).args(args).output() {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "required tool `{tool}` is not installed: run scripts/test (apt-get install poppler-utils zbar-tools)"
        ),
        Err(e) => panic!("could not run {tool}: {e}"),
    };
    assert!(
        output.status.success(),
        "{tool} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("tool output is UTF-8")
}

pub fn path_str(path: &std::path::Path) -> &str {
    path.to_str().expect("temp paths are UTF-8")
}
