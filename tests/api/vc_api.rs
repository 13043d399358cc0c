//! `POST /credentials/issue` (VC API): signs a caller's credential after checking it, refuses
//! what a signer must not sign, and keeps what it signed fetchable and revocable.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use attest::service::Role;
use common::independent::{key_from_did_document, verify_proof};
use common::{TestApp, check};
use serde_json::{Value, json};

pub(crate) fn credential() -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Workshop attendance",
        "validFrom": "2026-11-01T00:00:00Z",
        "validUntil": "2027-11-01T00:00:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": "Ada Lovelace",
            "achievement": {"id": "urn:uuid:3c8b6a9e-0f49-4c4e-a7c8-6a3b0e6f1d2a", "type": ["Achievement"],
                            "name": "MLOps workshop", "description": "Attended the workshop.",
                            "criteria": {"narrative": "Attend."}}
        }
    })
}

#[tokio::test]
async fn signs_a_checked_credential_in_either_suite_and_keeps_it() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Issuer).await;
    let (_, did) = app.get_json("/.well-known/did.json").await;
    for suite in [None, Some("eddsa-jcs-2022"), Some("eddsa-rdfc-2022")] {
        let mut body = json!({"credential": credential()});
        if let Some(s) = suite {
            body["options"] = json!({"cryptosuite": s});
        }
        let (status, answer) = app.post("/credentials/issue", Some(&token), &body).await;
        assert_eq!(status, 201, "{answer}");
        let vc = &answer["verifiableCredential"];
        assert_eq!(
            vc["proof"]["cryptosuite"],
            suite.unwrap_or("eddsa-rdfc-2022")
        );
        assert_eq!(vc["issuer"], did["id"], "issuer filled in");
        assert_eq!(
            vc["credentialStatus"].as_array().unwrap().len(),
            2,
            "status entries added"
        );
        let key = key_from_did_document(&did, vc["proof"]["verificationMethod"].as_str().unwrap());
        verify_proof(vc, &key).unwrap();
        let id = vc["id"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned();
        let (status, fetched) = app.get_json(&format!("/credentials/{id}")).await;
        assert_eq!((status, &fetched), (200, vc));
        let (status, verdict) = app.post("/credentials/verify", None, vc).await;
        assert_eq!(status, 200, "{verdict}");
    }
}

#[tokio::test]
async fn refuses_what_a_signer_must_not_sign() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Issuer).await;
    let with = |f: &dyn Fn(&mut Value)| {
        let mut c = credential();
        f(&mut c);
        json!({"credential": c})
    };
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "no @context",
            with(&|c| {
                c.as_object_mut().unwrap().remove("@context");
            }),
            "invalid_credential",
        ),
        (
            "no type",
            with(&|c| {
                c.as_object_mut().unwrap().remove("type");
            }),
            "invalid_credential",
        ),
        (
            "date without time",
            with(&|c| c["validFrom"] = json!("2026-11-01")),
            "invalid_credential",
        ),
        (
            "inverted period",
            with(&|c| c["validUntil"] = json!("2025-01-01T00:00:00Z")),
            "invalid_credential",
        ),
        (
            "typeless schema",
            with(&|c| c["credentialSchema"] = json!([{"id": "https://example.org/s.json"}])),
            "invalid_credential",
        ),
        (
            "typeless status",
            with(&|c| c["credentialStatus"] = json!({"id": "https://example.org/s#1"})),
            "invalid_credential",
        ),
        (
            "unknown context",
            with(&|c| c["@context"][1] = json!("https://example.org/my-context")),
            "unknown_context",
        ),
        (
            "undefined term",
            with(&|c| c["credentialSubject"]["favoriteColor"] = json!("blue")),
            "undefined_term",
        ),
        (
            "someone else's issuer",
            with(&|c| c["issuer"] = json!("did:web:other.example")),
            "issuer_mismatch",
        ),
        (
            "already signed",
            with(&|c| c["proof"] = json!({"type": "DataIntegrityProof"})),
            "invalid_credential",
        ),
        ("not wrapped", credential(), "invalid_request"),
        (
            "unknown suite",
            json!({"credential": credential(), "options": {"cryptosuite": "rsa-2000"}}),
            "unsupported_cryptosuite",
        ),
    ];
    for (name, body, code) in cases {
        let (status, problem) = app.post("/credentials/issue", Some(&token), &body).await;
        assert_eq!(
            (status, problem["code"].as_str().unwrap_or_default()),
            (400, code),
            "{name}: {problem}"
        );
    }
    let admin = app.token(Role::Admin).await;
    assert_eq!(
        app.post(
            "/credentials/issue",
            Some(&admin),
            &json!({"credential": credential()})
        )
        .await
        .0,
        403
    );
    assert_eq!(
        app.post(
            "/credentials/issue",
            None,
            &json!({"credential": credential()})
        )
        .await
        .0,
        401
    );
}

/// A caller's own `id` is kept: one under our base names the record (once); any other is
/// signed as given, and `Location` says where the record is, to fetch and revoke it by.
#[tokio::test]
async fn a_callers_own_id_is_kept_and_the_record_is_named_in_location() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Issuer).await;
    let admin = app.token(Role::Admin).await;
    let issue = |vc: Value| {
        let request = app
            .http
            .post(app.url("/credentials/issue"))
            .bearer_auth(&token)
            .json(&json!({"credential": vc, "options": {"cryptosuite": "eddsa-jcs-2022"}}));
        async move {
            let res = request.send().await.unwrap();
            let location = res
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_owned());
            (
                res.status().as_u16(),
                location,
                res.json::<Value>().await.unwrap(),
            )
        }
    };

    let reserved = format!(
        "{}/credentials/0b9a4c52-3f0e-4e55-9d7a-2f5a8f4c1e77",
        app.base
    );
    let mut ours = credential();
    ours["id"] = json!(reserved);
    let (status, location, answer) = issue(ours.clone()).await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(location.as_deref(), Some(reserved.as_str()));
    assert_eq!(answer["verifiableCredential"]["id"], json!(reserved));
    let (status, fetched) = app.get_json(&reserved.replace(&app.base, "")).await;
    assert_eq!((status, &fetched), (200, &answer["verifiableCredential"]));
    let (status, _, problem) = issue(ours).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (409, Some("credential_id_taken"))
    );
    let mut bad = credential();
    bad["id"] = json!(format!("{}/credentials/not-a-uuid", app.base));
    let (status, _, problem) = issue(bad).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (400, Some("invalid_credential"))
    );

    let mut foreign = credential();
    foreign["id"] = json!("urn:uuid:5d1f0d3e-8b0a-4f7e-bb7c-0c1b5f9e2a11");
    let (status, location, answer) = issue(foreign).await;
    assert_eq!(status, 201, "{answer}");
    let location = location.expect("Location");
    let path = location.strip_prefix(&app.base).expect("under our base");
    let (status, fetched) = app.get_json(path).await;
    assert_eq!(status, 200);
    assert_eq!(
        fetched["id"],
        "urn:uuid:5d1f0d3e-8b0a-4f7e-bb7c-0c1b5f9e2a11"
    );
    let record = path.rsplit('/').next().unwrap();
    let (status, outcome) = app.act(&admin, record, "revoke", "issued in error").await;
    assert_eq!(status, 200, "{outcome}");
    let (status, verdict) = app.post("/credentials/verify", None, &fetched).await;
    assert_eq!(status, 422, "{verdict}");
    let revocation = check(&verdict, "revocation");
    assert_eq!(revocation["status"], "failed", "{verdict}");
}
