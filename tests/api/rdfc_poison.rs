//! Poison graphs (RDFC-1.0 "Dataset Poisoning", issue 14 §2): a small credential whose subject
//! is a clique of blank nodes makes RDFC-1.0's Hash N-Degree Quads explore n! permutations. Past the
//! canonicalization limit it is refused — on verify (`proof: failed`, 422) and on issue (400,
//! `canonicalization_limit`) — quickly, instead of holding a CPU for minutes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use attest::service::Role;
use common::{TestApp, check};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// `n` subjects, each pointing at every other (through `evidence`, a term of the VC 2.0 context,
/// so safe mode has nothing to object to): all share one first-degree hash.
fn clique_subject(n: usize) -> Value {
    (0..n)
        .map(|i| {
            let others: Vec<Value> = (0..n)
                .filter(|&j| j != i)
                .map(|j| json!({"id": format!("_:n{j}")}))
                .collect();
            json!({"id": format!("_:n{i}"), "type": "VerifiableCredential", "evidence": others})
        })
        .collect()
}

fn unsigned(n: usize, issuer: Option<&str>) -> Value {
    let mut vc = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": clique_subject(n),
    });
    if let Some(issuer) = issuer {
        vc["issuer"] = json!(issuer);
    }
    vc
}

/// A clique credential with a well-formed eddsa-rdfc-2022 proof by a resolvable did:key (the
/// signature bytes are arbitrary: the limit is hit before they are checked).
fn poisoned(n: usize) -> Value {
    let signer = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let did = attest::vc::did::did_key(&signer.verifying_key());
    let mk = did.trim_start_matches("did:key:").to_owned();
    let mut vc = unsigned(n, Some(&did));
    vc["proof"] = json!({
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2026-01-01T00:00:00Z",
        "verificationMethod": format!("{did}#{mk}"),
        "proofPurpose": "assertionMethod",
        "proofValue": attest::vc::rdfc::encode_multibase(&[1; 64]),
    });
    vc
}

#[tokio::test]
async fn verify_refuses_a_clique_credential_with_the_limit_named() {
    let app = TestApp::spawn().await;
    for n in [8, 10] {
        let start = Instant::now();
        let (status, verdict) = app.post("/credentials/verify", None, &poisoned(n)).await;
        let took = start.elapsed();
        assert_eq!(status, 422, "{verdict}");
        assert_eq!(verdict["verified"], false);
        let proof = check(&verdict, "proof");
        assert_eq!(proof["status"], "failed", "{verdict}");
        assert!(
            proof["detail"]
                .as_str()
                .unwrap()
                .contains("canonicalization limit"),
            "{verdict}"
        );
        // Unbounded, n = 8 took ~6 s in release and n = 10 over a minute; generous for debug.
        assert!(took < Duration::from_secs(5), "{n} nodes: {took:?}");
    }
    // The server is still answering.
    let (status, _) = app.get_json("/healthz").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn issue_refuses_a_clique_credential_with_a_stable_code() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Issuer).await;
    let body =
        json!({"credential": unsigned(10, None), "options": {"cryptosuite": "eddsa-rdfc-2022"}});
    let start = Instant::now();
    let (status, problem) = app.post("/credentials/issue", Some(&token), &body).await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(problem["code"], "canonicalization_limit", "{problem}");
    assert!(
        problem.to_string().contains("canonicalization limit"),
        "{problem}"
    );
    assert!(start.elapsed() < Duration::from_secs(5));
    // A small symmetric graph is fine: the limit is far above what real structure needs.
    let body = json!({"credential": unsigned(3, None)});
    let (status, answer) = app.post("/credentials/issue", Some(&token), &body).await;
    assert_eq!(status, 201, "{answer}");
    let (status, verdict) = app
        .post("/credentials/verify", None, &answer["verifiableCredential"])
        .await;
    assert_eq!(status, 200, "{verdict}");
}
