//! Standards conformance (issue 16): inline contexts and `@direction` (JSON-LD 1.1, VC DM 2.0
//! §4.3, §11.1), the examples and VC 1.1 contexts, `credentialSchema`/`relatedResource`/
//! caller `credentialStatus` (VC DM 2.0 §4.11, §4.12, §5.3), VC 1.1 credentials, and
//! `POST /presentations/verify` (VC API). Canonical forms are compared with jsonld.js output
//! (`tests/fixtures/rdfc/cases/ctx-NOTES.md`); presentations are signed here, by a holder
//! key of the test's own, with code independent of the verifier's.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use attest::service::Role;
use attest::vc::rdfc::{ContextLoader, canonicalize};
use base64::Engine;
use common::independent::{key_from_did_document, verify_proof};
use common::{TestApp, check};
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256, Sha384};

const V2: &str = "https://www.w3.org/ns/credentials/v2";
const V1: &str = "https://www.w3.org/2018/credentials/v1";
const EXAMPLES: &str = "https://www.w3.org/ns/credentials/examples/v2";
const DI: &str = "https://w3id.org/security/data-integrity/v2";

fn case(name: &str) -> (Value, Option<String>) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/rdfc/cases");
    let doc = std::fs::read_to_string(format!("{dir}/{name}.json")).expect("case");
    let nq = std::fs::read_to_string(format!("{dir}/{name}.nq")).ok();
    (serde_json::from_str(&doc).expect("JSON"), nq)
}

#[test]
fn inline_contexts_canonicalize_like_jsonld_js() {
    let loader = ContextLoader::new();
    for name in [
        "ctx-inline",
        "ctx-inline-scoped",
        "ctx-protected-same",
        "vc11",
    ] {
        let (doc, nq) = case(name);
        let got = canonicalize(&doc, &loader).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(got, nq.expect("fixture"), "{name}");
    }
    let (doc, _) = case("ctx-protected-redefinition");
    assert!(
        canonicalize(&doc, &loader).is_err(),
        "protected term redefined"
    );
}

#[test]
fn inline_contexts_that_would_hide_data_are_refused() {
    let loader = ContextLoader::new();
    let (base, _) = case("ctx-inline");
    for extra in [
        json!({"favoriteColor": null}),
        json!({"@vocab": null}),
        json!({"@import": "https://example.org/unknown-context.jsonld"}),
        json!("https://example.org/unknown-context.jsonld"),
    ] {
        let mut doc = base.clone();
        doc["@context"].as_array_mut().unwrap().push(extra.clone());
        assert!(canonicalize(&doc, &loader).is_err(), "{extra}");
    }
    // `@direction` outside the credential's and issuer's name/description stays refused.
    let mut doc = base;
    doc["credentialSubject"]["favoriteColor"] =
        json!({"@value": "blue", "@language": "en", "@direction": "ltr"});
    assert!(canonicalize(&doc, &loader).is_err());
}

fn credential() -> Value {
    json!({
        "@context": [V2, {"ex": "https://example.org/vocab#", "Membership": "ex:Membership",
                          "club": "ex:club"}],
        "type": ["VerifiableCredential", "Membership"],
        "name": {"@value": "عضوية", "@language": "ar", "@direction": "rtl"},
        "description": [{"@value": "Club membership", "@language": "en", "@direction": "ltr"}],
        "validFrom": "2026-11-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:member", "club": "Chess"}
    })
}

async fn issue(app: &TestApp, vc: Value, suite: &str) -> (u16, Value) {
    let token = app.token(Role::Issuer).await;
    let body = json!({"credential": vc, "options": {"cryptosuite": suite}});
    let (status, answer) = app.post("/credentials/issue", Some(&token), &body).await;
    (status, answer)
}

#[tokio::test]
async fn inline_contexts_direction_and_examples_context_are_issued_and_verified() {
    let app = TestApp::spawn().await;
    let (_, did) = app.get_json("/.well-known/did.json").await;
    let mut examples = credential();
    examples["@context"] = json!([V2, EXAMPLES]);
    examples["type"] = json!(["VerifiableCredential", "ExampleDegreeCredential"]);
    examples["credentialSubject"] =
        json!({"id": "did:example:a", "degree": {"type": "ExampleBachelorDegree", "name": "BSc"}});
    for vc in [credential(), examples] {
        for suite in ["eddsa-rdfc-2022", "eddsa-jcs-2022"] {
            let (status, answer) = issue(&app, vc.clone(), suite).await;
            assert_eq!(status, 201, "{suite}: {answer}");
            let signed = &answer["verifiableCredential"];
            let key = key_from_did_document(
                &did,
                signed["proof"]["verificationMethod"].as_str().unwrap(),
            );
            verify_proof(signed, &key).unwrap();
            let (status, verdict) = app.post("/credentials/verify", None, signed).await;
            assert_eq!(status, 200, "{suite}: {verdict}");
        }
    }
}

fn sri(bytes: &[u8]) -> String {
    format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(Sha384::digest(bytes))
    )
}

fn context_bytes(url: &str) -> &'static str {
    attest::vc::contexts::lookup(url).expect("embedded")
}

#[tokio::test]
async fn data_model_constraints_on_issue() {
    let app = TestApp::spawn().await;
    let with = |f: &dyn Fn(&mut Value)| {
        let mut c = credential();
        f(&mut c);
        c
    };
    let refused: Vec<(&str, Value, &str)> = vec![
        (
            "schema without id",
            with(&|c| c["credentialSchema"] = json!({"type": "JsonSchema"})),
            "invalid_credential",
        ),
        (
            "related entry not an object",
            with(&|c| c["relatedResource"] = json!(["https://example.org/x"])),
            "invalid_credential",
        ),
        (
            "related entry without digest",
            with(&|c| c["relatedResource"] = json!([{"id": "https://example.org/x"}])),
            "invalid_credential",
        ),
        (
            "related digest malformed",
            with(&|c| {
                c["relatedResource"] =
                    json!([{"id": "https://example.org/x", "digestSRI": "sha384-!!"}])
            }),
            "invalid_credential",
        ),
        (
            "related id twice",
            with(&|c| {
                let e = json!({"id": "https://example.org/x", "digestSRI": sri(b"x")});
                c["relatedResource"] = json!([e.clone(), e]);
            }),
            "invalid_credential",
        ),
        (
            "related digest of a held context is wrong",
            with(&|c| {
                c["relatedResource"] = json!([{"id": V2, "digestSRI": sri(b"not the context")}])
            }),
            "related_resource_digest_mismatch",
        ),
        (
            "status id not a single URL",
            with(&|c| {
                c["credentialStatus"] = json!({"type": "ExampleStatus", "id": ["https://a.example", "https://b.example"]})
            }),
            "invalid_credential",
        ),
    ];
    for (name, vc, code) in refused {
        let (status, problem) = issue(&app, vc, "eddsa-rdfc-2022").await;
        assert_eq!(
            (status, problem["code"].as_str().unwrap_or_default()),
            (400, code),
            "{name}: {problem}"
        );
    }

    // Correct digests of held resources, an unheld one, a schema with id, and the caller's
    // own status entry: all signed; ours come first, theirs is kept.
    let mut vc = credential();
    vc["relatedResource"] = json!([
        {"id": V2, "digestSRI": sri(context_bytes(V2).as_bytes())},
        {"id": "https://example.org/syllabus.pdf", "digestSRI": sri(b"elsewhere")},
    ]);
    vc["credentialSchema"] = json!({"id": "https://example.org/schema.json", "type": "JsonSchema"});
    vc["credentialStatus"] =
        json!({"id": "https://status.example/1#5", "type": "ex:ExampleStatus"});
    let (status, answer) = issue(&app, vc, "eddsa-jcs-2022").await;
    assert_eq!(status, 201, "{answer}");
    let signed = answer["verifiableCredential"].clone();
    let entries = signed["credentialStatus"].as_array().unwrap();
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0]["type"], "BitstringStatusListEntry");
    assert_eq!(entries[2]["type"], "ex:ExampleStatus");
    let (status, verdict) = app.post("/credentials/verify", None, &signed).await;
    assert_eq!(status, 200, "{verdict}");
    let detail = check(&verdict, "schema")["detail"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(detail.contains("could not check"), "{detail}");
    assert!(
        detail.contains("https://example.org/syllabus.pdf"),
        "{detail}"
    );

    // A digest of one of our credentials is checked against the bytes we serve.
    let id = signed["id"].as_str().unwrap().to_owned();
    let (_, served, _) = app
        .get_text(&id.replace(&app.base, ""), "application/json")
        .await;
    let mut next = credential();
    next["relatedResource"] = json!([{"id": id, "digestSRI": sri(b"tampered")}]);
    let (status, problem) = issue(&app, next.clone(), "eddsa-jcs-2022").await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (400, Some("related_resource_digest_mismatch"))
    );
    next["relatedResource"][0]["digestSRI"] = json!(sri(served.as_bytes()));
    let (status, answer) = issue(&app, next, "eddsa-jcs-2022").await;
    assert_eq!(status, 201, "{answer}");
}

/// A holder (or another issuer) key of the test's own, and its did:key verification method.
fn holder_key(seed: u8) -> (SigningKey, String, String) {
    let key = SigningKey::from_bytes(&[seed; 32]);
    let did = attest::vc::did::did_key(&key.verifying_key());
    let vm = format!("{did}#{}", did.strip_prefix("did:key:").unwrap());
    (key, did, vm)
}

/// Adds a Data Integrity proof (vc-di-eddsa §3.2/§3.3) with the given purpose and extra
/// options (challenge, domain).
fn sign_di(
    doc: &Value,
    key: &SigningKey,
    vm: &str,
    suite: &str,
    purpose: &str,
    extra: Value,
) -> Value {
    let mut config = json!({"type": "DataIntegrityProof", "cryptosuite": suite,
        "created": "2026-11-20T15:00:00Z", "verificationMethod": vm, "proofPurpose": purpose});
    for (k, v) in extra.as_object().unwrap() {
        config[k] = v.clone();
    }
    let hash: Vec<u8> = if suite == "eddsa-jcs-2022" {
        config["@context"] = doc["@context"].clone();
        let jcs = |v: &Value| attest::vc::proof::jcs(v).unwrap();
        [Sha256::digest(jcs(&config)), Sha256::digest(jcs(doc))].concat()
    } else {
        attest::vc::rdfc::rdfc_hash_data(doc, &config, &ContextLoader::new(), true)
            .unwrap()
            .to_vec()
    };
    config["proofValue"] = json!(format!(
        "z{}",
        bs58::encode(key.sign(&hash).to_bytes()).into_string()
    ));
    let mut signed = doc.clone();
    signed["proof"] = config;
    signed
}

fn vp_jwt(payload: &Value, key: &SigningKey, vm: &str) -> String {
    let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let input = format!(
        "{}.{}",
        b64(&json!({"alg": "EdDSA", "typ": "vp+jwt", "kid": vm})),
        b64(payload)
    );
    let sig = key.sign(input.as_bytes()).to_bytes();
    format!(
        "{input}.{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sig)
    )
}

#[tokio::test]
async fn vc_1_1_credentials_are_issued_and_verified() {
    let app = TestApp::spawn().await;
    let (_, did) = app.get_json("/.well-known/did.json").await;
    let (vc, _) = case("vc11");
    let mut vc = vc;
    vc["@context"] = json!([V1, EXAMPLES]);
    vc.as_object_mut().unwrap().remove("issuer");
    for suite in ["eddsa-rdfc-2022", "eddsa-jcs-2022"] {
        let (status, answer) = issue(&app, vc.clone(), suite).await;
        assert_eq!(status, 201, "{suite}: {answer}");
        let signed = &answer["verifiableCredential"];
        assert_eq!(signed["@context"], json!([V1, EXAMPLES, DI]));
        assert!(signed.get("credentialStatus").is_none(), "{signed}");
        let key = key_from_did_document(
            &did,
            signed["proof"]["verificationMethod"].as_str().unwrap(),
        );
        verify_proof(signed, &key).unwrap();
        let (status, verdict) = app.post("/credentials/verify", None, signed).await;
        assert_eq!(status, 200, "{suite}: {verdict}");
        assert!(
            check(&verdict, "validity")["detail"]
                .as_str()
                .unwrap()
                .contains("2033"),
            "{verdict}"
        );
    }
    // Validity comes from issuanceDate/expirationDate: an expired VC 1.1 credential fails.
    let (key, issuer, vm) = holder_key(7);
    let mut expired = vc.clone();
    expired["@context"] = json!([V1, EXAMPLES, DI]);
    expired["issuer"] = json!(issuer);
    expired["expirationDate"] = json!("2024-01-01T00:00:00Z");
    let signed = sign_di(
        &expired,
        &key,
        &vm,
        "eddsa-rdfc-2022",
        "assertionMethod",
        json!({}),
    );
    let (status, verdict) = app.post("/credentials/verify", None, &signed).await;
    assert_eq!(status, 422, "{verdict}");
    assert_eq!(check(&verdict, "proof")["status"], "passed", "{verdict}");
    assert_eq!(check(&verdict, "validity")["status"], "failed", "{verdict}");
    // A held resource's digest that does not match fails verification.
    let mut wrong = expired;
    wrong.as_object_mut().unwrap().remove("expirationDate");
    wrong["@context"] = json!([V2, EXAMPLES]);
    wrong.as_object_mut().unwrap().remove("issuanceDate");
    wrong["relatedResource"] = json!([{"id": V2, "digestSRI": sri(b"other bytes")}]);
    let signed = sign_di(
        &wrong,
        &key,
        &vm,
        "eddsa-jcs-2022",
        "assertionMethod",
        json!({}),
    );
    let (status, verdict) = app.post("/credentials/verify", None, &signed).await;
    assert_eq!(status, 422, "{verdict}");
    assert_eq!(check(&verdict, "schema")["status"], "failed", "{verdict}");
}

async fn our_credential(app: &TestApp) -> (Value, String) {
    let (status, answer) = issue(app, credential(), "eddsa-rdfc-2022").await;
    assert_eq!(status, 201, "{answer}");
    let vc = answer["verifiableCredential"].clone();
    let path = vc["id"].as_str().unwrap().replace(&app.base, "");
    let (_, jwt, _) = app
        .get_text(&format!("{path}.jwt"), "application/vc+jwt")
        .await;
    (vc, jwt)
}

#[tokio::test]
async fn presentations_are_verified_with_their_credentials() {
    let app = TestApp::spawn().await;
    let (vc, vc_jwt) = our_credential(&app).await;
    let (key, holder, vm) = holder_key(9);
    let enveloped = json!({"@context": [V2], "type": "EnvelopedVerifiableCredential",
                           "id": format!("data:application/vc+jwt,{vc_jwt}")});
    let vp = json!({"@context": [V2], "type": ["VerifiablePresentation"], "holder": holder,
                    "verifiableCredential": [vc, enveloped]});
    let options = json!({"challenge": "c-123", "domain": "employer.example"});
    for suite in ["eddsa-rdfc-2022", "eddsa-jcs-2022"] {
        let signed = sign_di(&vp, &key, &vm, suite, "authentication", options.clone());
        let body = json!({"verifiablePresentation": signed, "options": options});
        let (status, verdict) = app.post("/presentations/verify", None, &body).await;
        assert_eq!(status, 200, "{suite}: {verdict}");
        assert_eq!(verdict["credentials"].as_array().unwrap().len(), 2);
        assert_eq!(verdict["credentials"][1]["format"], "vc+jwt");
        assert_eq!(verdict["holder"], json!(holder));

        let wrong = json!({"verifiablePresentation": signed,
                           "options": {"challenge": "other", "domain": "employer.example"}});
        let (status, verdict) = app.post("/presentations/verify", None, &wrong).await;
        assert_eq!(status, 422, "{verdict}");
        assert_eq!(check(&verdict, "proof")["status"], "failed");

        let mut tampered = signed.clone();
        tampered["id"] = json!("urn:uuid:0b9a4c52-3f0e-4e55-9d7a-2f5a8f4c1e77");
        let body = json!({"verifiablePresentation": tampered, "options": options});
        let (status, _) = app.post("/presentations/verify", None, &body).await;
        assert_eq!(status, 422);

        let assertion = sign_di(&vp, &key, &vm, suite, "assertionMethod", options.clone());
        let body = json!({"verifiablePresentation": assertion, "options": options});
        let (status, verdict) = app.post("/presentations/verify", None, &body).await;
        assert_eq!(status, 422, "{verdict}");
    }
    // A presentation is held to max_proofs like a credential: copies of a good proof are refused
    // before any of them is checked.
    let signed = sign_di(
        &vp,
        &key,
        &vm,
        "eddsa-jcs-2022",
        "authentication",
        json!({}),
    );
    let mut five = signed.clone();
    five["proof"] = json!(vec![signed["proof"].clone(); 5]);
    let (status, verdict) = app.post("/presentations/verify", None, &five).await;
    assert_eq!(status, 422, "{verdict}");
    assert_eq!(check(&verdict, "proof")["status"], "failed", "{verdict}");
    assert!(
        check(&verdict, "proof")["detail"]
            .as_str()
            .unwrap()
            .contains("more than 4 proofs"),
        "{verdict}"
    );
    // A revoked credential inside a well-signed presentation: the presentation is not verified.
    let admin = app.token(Role::Admin).await;
    let record = vp["verifiableCredential"][0]["id"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(app.act(&admin, &record, "revoke", "test").await.0, 200);
    let signed = sign_di(
        &vp,
        &key,
        &vm,
        "eddsa-jcs-2022",
        "authentication",
        json!({}),
    );
    let (status, verdict) = app.post("/presentations/verify", None, &signed).await;
    assert_eq!(status, 422, "{verdict}");
    assert_eq!(check(&verdict, "proof")["status"], "passed", "{verdict}");
    assert_eq!(verdict["credentials"][0]["verified"], false);
    assert_eq!(verdict["credentials"][1]["verified"], false);
}

#[tokio::test]
async fn vp_jwt_and_vc_1_1_presentations() {
    let app = TestApp::spawn().await;
    let (_, vc_jwt) = our_credential(&app).await;
    let (key, holder, vm) = holder_key(11);
    let enveloped = json!({"@context": [V2], "type": "EnvelopedVerifiableCredential",
                           "id": format!("data:application/vc+jwt,{vc_jwt}")});
    let payload = json!({"@context": [V2], "type": ["VerifiablePresentation"], "holder": holder,
                         "verifiableCredential": [enveloped], "nonce": "n-1", "aud": "employer.example"});
    let token = vp_jwt(&payload, &key, &vm);
    let body = json!({"verifiablePresentation": token, "options": {"challenge": "n-1", "domain": "employer.example"}});
    let (status, verdict) = app.post("/presentations/verify", None, &body).await;
    assert_eq!(status, 200, "{verdict}");
    assert_eq!(verdict["format"], "vp+jwt");
    let body = json!({"verifiablePresentation": token, "options": {"challenge": "n-2"}});
    let (status, _) = app.post("/presentations/verify", None, &body).await;
    assert_eq!(status, 422);
    let mut expired = payload.clone();
    expired["exp"] = json!(1_700_000_000); // 2023, before the test clock
    let token = vp_jwt(&expired, &key, &vm);
    let (status, verdict) = app
        .post(
            "/presentations/verify",
            None,
            &json!({"verifiablePresentation": token}),
        )
        .await;
    assert_eq!(status, 422, "{verdict}");
    let (other, _, _) = holder_key(12);
    let forged = vp_jwt(&payload, &other, &vm);
    let (status, _) = app
        .post(
            "/presentations/verify",
            None,
            &json!({"verifiablePresentation": forged}),
        )
        .await;
    assert_eq!(status, 422);

    // VC 1.1: a v1 presentation carrying a v1 credential, both with Data Integrity proofs.
    let (issuer_key, issuer, issuer_vm) = holder_key(13);
    let (vc, _) = case("vc11");
    let mut vc = vc;
    vc["issuer"] = json!(issuer);
    let vc = sign_di(
        &vc,
        &issuer_key,
        &issuer_vm,
        "eddsa-rdfc-2022",
        "assertionMethod",
        json!({}),
    );
    let vp = json!({"@context": [V1, DI], "type": ["VerifiablePresentation"], "holder": holder,
                    "verifiableCredential": [vc]});
    let signed = sign_di(
        &vp,
        &key,
        &vm,
        "eddsa-rdfc-2022",
        "authentication",
        json!({"challenge": "x"}),
    );
    let body = json!({"verifiablePresentation": signed, "options": {"challenge": "x"}});
    let (status, verdict) = app.post("/presentations/verify", None, &body).await;
    assert_eq!(status, 200, "{verdict}");
}

#[tokio::test]
async fn malformed_presentations_are_refused() {
    let app = TestApp::spawn().await;
    let good = json!({"@context": [V2], "type": ["VerifiablePresentation"],
                      "verifiableCredential": [{"@context": [V2], "type": ["VerifiableCredential"]}]});
    let mut cases = Vec::new();
    for (field, value) in [
        ("@context", Value::Null),
        ("@context", json!([DI, V2])),
        ("type", json!("VerifiableCredential")),
        ("verifiableCredential", json!([7])),
        (
            "verifiableCredential",
            json!([{"type": ["VerifiableCredential"]}]),
        ),
    ] {
        let mut vp = good.clone();
        if value.is_null() {
            vp.as_object_mut().unwrap().remove(field);
        } else {
            vp[field] = value;
        }
        cases.push(vp);
    }
    for vp in cases {
        let (status, problem) = app
            .post(
                "/presentations/verify",
                None,
                &json!({"verifiablePresentation": vp}),
            )
            .await;
        assert_eq!(status, 400, "{vp}: {problem}");
    }
}

/// The paste-or-upload page takes a presentation too: its first credential is shown, with
/// the presentation's outcome; a presentation whose own proof fails is refused with a reason.
#[tokio::test]
async fn paste_form_accepts_a_presentation() {
    let app = TestApp::spawn().await;
    let (vc, _) = our_credential(&app).await;
    let (key, holder, vm) = holder_key(21);
    let vp = json!({"@context": [V2], "type": ["VerifiablePresentation"], "holder": holder,
                    "verifiableCredential": [vc]});
    let signed = sign_di(
        &vp,
        &key,
        &vm,
        "eddsa-jcs-2022",
        "authentication",
        json!({}),
    );
    let mut tampered = signed.clone();
    tampered["id"] = json!("urn:uuid:0b9a4c52-3f0e-4e55-9d7a-2f5a8f4c1e77");
    for (doc, want, text) in [(signed, 200, ">VALID<"), (tampered, 400, "presentation")] {
        let res = app.paste(doc.to_string()).await;
        assert_eq!(res.status().as_u16(), want);
        let page = res.text().await.unwrap();
        assert!(page.contains(text), "{page}");
    }
}
