//! Verification through the real server: honest verdicts for valid, revoked, suspended,
//! expired and uncheckable credentials, every input shape, and the attacks of issue 4.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use attest::service::Role;
use base64::Engine;
use common::{TestApp, check};
use ed25519_dalek::Signer;
use serde_json::{Value, json};

const JCS: &[(&str, &str)] = &[("ATTEST_CRYPTOSUITE", "eddsa-jcs-2022")];

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

async fn verify(app: &TestApp, body: &Value) -> (u16, Value) {
    app.post("/credentials/verify", None, body).await
}

async fn verify_raw(app: &TestApp, body: &str) -> (u16, Value) {
    let res = app
        .http
        .post(app.url("/credentials/verify"))
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn issued(app: &TestApp) -> (String, Value, String) {
    let token = app.token(Role::Issuer).await;
    let id = app
        .issue(
            &token,
            &format!("A-{}", uuid::Uuid::new_v4()),
            "mlops-foundation",
            "cand-v",
        )
        .await;
    let (_, credential) = app.get_json(&format!("/credentials/{id}")).await;
    let (_, jwt, _) = app.get_text(&format!("/credentials/{id}.jwt"), "*/*").await;
    (id, credential, jwt)
}

#[tokio::test]
async fn every_accepted_shape_verifies() {
    let app = TestApp::spawn().await;
    let (_, credential, jwt) = issued(&app).await;
    let (status, verdict) = verify(&app, &credential).await;
    assert_eq!(status, 200, "{verdict}");
    assert_eq!(verdict["verified"], true);
    assert_eq!(verdict["credential"]["holder"], "Zoë Ångström");
    for name in [
        "proof",
        "validity",
        "revocation",
        "suspension",
        "schema",
        "lineage",
    ] {
        assert_eq!(
            check(&verdict, name)["status"],
            "passed",
            "{name}: {verdict}"
        );
    }
    assert!(
        check(&verdict, "proof")["detail"]
            .as_str()
            .unwrap()
            .contains("this issuer")
    );
    let (status, verdict) = verify_raw(&app, &jwt).await;
    assert_eq!(
        (status, verdict["format"].as_str().unwrap()),
        (200, "vc+jwt"),
        "{verdict}"
    );
    let enveloped = json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": "EnvelopedVerifiableCredential",
                           "id": format!("data:application/vc+jwt,{jwt}")});
    assert_eq!(verify(&app, &enveloped).await.0, 200);
    let wrapped =
        json!({"verifiableCredential": credential, "options": {"checks": ["proof", "validity"]}});
    let (status, verdict) = verify(&app, &wrapped).await;
    assert_eq!(status, 200);
    assert_eq!(check(&verdict, "revocation")["status"], "skipped");
    let wrapped_jwt = json!({"verifiableCredential": jwt});
    assert_eq!(verify(&app, &wrapped_jwt).await.0, 200);
}

#[tokio::test]
async fn revoked_suspended_and_expired_are_reported_as_such() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let (id, credential, jwt) = issued(&app).await;
    let (status, _) = app.act(&admin, &id, "suspend", "CPE lapse").await;
    assert_eq!(status, 200);
    let (status, verdict) = verify(&app, &credential).await;
    assert_eq!(status, 422);
    assert_eq!(check(&verdict, "suspension")["status"], "failed");
    assert!(
        check(&verdict, "suspension")["detail"]
            .as_str()
            .unwrap()
            .contains("CPE lapse")
    );
    app.act(&admin, &id, "revoke", "exam misconduct").await;
    let (status, verdict) = verify_raw(&app, &jwt).await;
    assert_eq!(status, 422);
    assert_eq!(check(&verdict, "revocation")["status"], "failed");
    assert!(
        check(&verdict, "revocation")["detail"]
            .as_str()
            .unwrap()
            .contains("exam misconduct")
    );

    let (_, fresh, _) = issued(&app).await;
    app.clock.advance(time::Duration::days(3 * 366));
    let (status, verdict) = verify(&app, &fresh).await;
    assert_eq!(status, 422);
    assert_eq!(check(&verdict, "validity")["status"], "failed");
    assert!(
        check(&verdict, "validity")["detail"]
            .as_str()
            .unwrap()
            .starts_with("expired")
    );
}

#[tokio::test]
async fn a_status_list_that_cannot_be_checked_is_unknown_never_valid() {
    let app = TestApp::spawn_with(&[("ATTEST_TRUSTED_ISSUERS", "did:web:127.0.0.1%3A9")]).await;
    // A did:key credential (signed by a key we do not know) pointing at a list we may not fetch.
    let signer = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
    let key = attest::crypto::IssuerKey::from_secret_bytes("x", &[9; 32]);
    let did = attest::vc::did::did_key(&signer.verifying_key());
    let mk = did.trim_start_matches("did:key:").to_owned();
    let unsigned = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"], "issuer": did, "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:someone"},
        "credentialStatus": {"id": "https://status.example/1#5", "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
                             "statusListIndex": "5", "statusListCredential": "https://status.example/1"}
    });
    let options = attest::vc::proof::ProofOptions {
        cryptosuite: attest::vc::proof::Cryptosuite::EddsaJcs2022,
        verification_method: format!("{did}#{mk}"),
        created: common::T0,
    };
    let proof = attest::vc::proof::create_proof(&unsigned, &options, |m| key.sign(m)).unwrap();
    let mut signed = unsigned.clone();
    signed["proof"] = proof;
    let (status, verdict) = verify(&app, &signed).await;
    assert_eq!(status, 422, "{verdict}");
    assert_eq!(verdict["verified"], false);
    assert_eq!(check(&verdict, "proof")["status"], "passed");
    assert_eq!(check(&verdict, "revocation")["status"], "unknown");
    assert!(
        check(&verdict, "proof")["detail"]
            .as_str()
            .unwrap()
            .contains("not known to us")
    );
}

/// Signs arbitrary JWT bytes with our own (retired or active) key from the keys directory.
fn sign_jwt(app: &TestApp, header: &Value, payload: &Value, key_id: &str) -> String {
    let pem =
        std::fs::read_to_string(app.dir.path().join("keys").join(format!("{key_id}.pem"))).unwrap();
    use ed25519_dalek::pkcs8::DecodePrivateKey;
    let key = ed25519_dalek::SigningKey::from_pkcs8_pem(&pem).unwrap();
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(payload.to_string().as_bytes())
    );
    let sig = key.sign(input.as_bytes());
    format!("{input}.{}", b64(&sig.to_bytes()))
}

#[tokio::test]
async fn jwt_attacks_are_refused() {
    let app = TestApp::spawn().await;
    let (_, _, jwt) = issued(&app).await;
    let parts: Vec<&str> = jwt.split('.').collect();
    let header: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[0])
            .unwrap(),
    )
    .unwrap();
    let payload: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[1])
            .unwrap(),
    )
    .unwrap();
    let kid = header["kid"].as_str().unwrap().to_owned();
    let with = |h: Value| {
        format!(
            "{}.{}.{}",
            b64(h.to_string().as_bytes()),
            parts[1],
            parts[2]
        )
    };

    let none = format!(
        "{}.{}.",
        b64(json!({"alg": "none", "typ": "vc+jwt", "kid": kid})
            .to_string()
            .as_bytes()),
        parts[1]
    );
    // HS256 with the public key bytes as the HMAC secret.
    let (_, did) = app.get_json("/.well-known/did.json").await;
    let public = did["verificationMethod"][0]["publicKeyMultibase"]
        .as_str()
        .unwrap()
        .to_owned();
    let hs_header = b64(json!({"alg": "HS256", "typ": "vc+jwt", "kid": kid})
        .to_string()
        .as_bytes());
    let hs_input = format!("{hs_header}.{}", parts[1]);
    let hs_sig = {
        use sha2::Digest;
        // HMAC-SHA256 by hand (RFC 2104), keyed with the public key text.
        let mut k = public.as_bytes().to_vec();
        k.resize(64, 0);
        let ipad: Vec<u8> = k.iter().map(|b| b ^ 0x36).collect();
        let opad: Vec<u8> = k.iter().map(|b| b ^ 0x5c).collect();
        let inner = sha2::Sha256::digest([ipad, hs_input.as_bytes().to_vec()].concat());
        sha2::Sha256::digest([opad, inner.to_vec()].concat()).to_vec()
    };
    let hs = format!("{hs_input}.{}", b64(&hs_sig));
    let base = app.base.rsplit(':').next().unwrap().to_owned();
    let attacks = vec![
        ("alg none", none),
        ("HS256 with the public key", hs),
        (
            "unknown kid",
            with(
                json!({"alg": "EdDSA", "typ": "vc+jwt", "kid": format!("did:web:127.0.0.1%3A{base}#key-99")}),
            ),
        ),
        (
            "foreign kid",
            with(json!({"alg": "EdDSA", "typ": "vc+jwt", "kid": "did:web:evil.example#key-1"})),
        ),
        (
            "jku header",
            with(
                json!({"alg": "EdDSA", "typ": "vc+jwt", "kid": kid, "jku": "https://evil.example/jwks"}),
            ),
        ),
        (
            "x5u header",
            with(
                json!({"alg": "EdDSA", "typ": "vc+jwt", "kid": kid, "x5u": "https://evil.example/cert"}),
            ),
        ),
        (
            "jwk header",
            with(
                json!({"alg": "EdDSA", "typ": "vc+jwt", "kid": kid, "jwk": {"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}}),
            ),
        ),
    ];
    for (name, token) in attacks {
        let (status, verdict) = verify_raw(&app, &token).await;
        assert_eq!(status, 422, "{name}: {verdict}");
        assert_eq!(check(&verdict, "proof")["status"], "failed", "{name}");
    }
    // Validly signed with our key, but not what we issued under that id: caught also when the
    // genuine one was just verified (and so is remembered).
    let (status, _) = verify_raw(&app, &jwt).await;
    assert_eq!(status, 200);
    let mut altered = payload.clone();
    altered["credentialSubject"]["name"] = json!("Mallory");
    let forged = sign_jwt(&app, &header, &altered, "key-1");
    let (status, verdict) = verify_raw(&app, &forged).await;
    assert_eq!(status, 422);
    assert!(
        check(&verdict, "proof")["detail"]
            .as_str()
            .unwrap()
            .contains("differs"),
        "{verdict}"
    );
    // exp that disagrees with validUntil.
    let mut stretched = payload.clone();
    stretched["exp"] = json!(payload["exp"].as_i64().unwrap() + 86_400);
    let (_, verdict) = verify_raw(&app, &sign_jwt(&app, &header, &stretched, "key-1")).await;
    assert_eq!(check(&verdict, "validity")["status"], "failed", "{verdict}");
}

#[tokio::test]
async fn any_single_change_to_a_signed_credential_is_caught() {
    let app = TestApp::spawn_with(JCS).await;
    let (_, credential, _) = issued(&app).await;
    let mut paths = Vec::new();
    fn leaves(v: &Value, path: String, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => m
                .iter()
                .for_each(|(k, v)| leaves(v, format!("{path}/{k}"), out)),
            Value::Array(a) => a
                .iter()
                .enumerate()
                .for_each(|(i, v)| leaves(v, format!("{path}/{i}"), out)),
            _ => out.push(path),
        }
    }
    leaves(&credential, String::new(), &mut paths);
    paths.retain(|p| !p.starts_with("/proof"));
    assert!(paths.len() > 40, "{}", paths.len());
    for path in &paths {
        let mut changed = credential.clone();
        let leaf = changed.pointer_mut(path).unwrap();
        *leaf = match leaf.take() {
            Value::String(s) => Value::String(format!("{s}x")),
            Value::Number(n) => json!(n.as_i64().unwrap_or(0) + 1),
            Value::Bool(b) => Value::Bool(!b),
            _ => json!("x"),
        };
        let (status, verdict) = verify(&app, &changed).await;
        assert_eq!(status, 422, "{path}");
        assert_eq!(verdict["verified"], false, "{path}");
    }
}

#[tokio::test]
async fn proof_level_attacks_are_refused() {
    let app = TestApp::spawn_with(JCS).await;
    let (_, credential, _) = issued(&app).await;
    // Unknown cryptosuite: a clear failure, not a crash.
    let mut odd = credential.clone();
    odd["proof"]["cryptosuite"] = json!("eddsa-future-2099");
    let (status, verdict) = verify(&app, &odd).await;
    assert_eq!(status, 422);
    assert!(
        check(&verdict, "proof")["detail"]
            .as_str()
            .unwrap()
            .contains("unsupported cryptosuite"),
        "{verdict}"
    );
    // A key the issuer does not control.
    let mut foreign = credential.clone();
    foreign["proof"]["verificationMethod"] = json!(
        "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
    );
    let (_, verdict) = verify(&app, &foreign).await;
    assert!(
        check(&verdict, "proof")["detail"]
            .as_str()
            .unwrap()
            .contains("not controlled by the issuer"),
        "{verdict}"
    );
    // No proof at all.
    let mut bare = credential.clone();
    bare.as_object_mut().unwrap().remove("proof");
    assert_eq!(
        check(&verify(&app, &bare).await.1, "proof")["status"],
        "failed"
    );

    // Signed by a retired key after its retirement.
    attest::service::keys::rotate(&app.ctx, &attest::service::Actor::cli())
        .await
        .unwrap();
    app.clock.advance(time::Duration::days(1));
    let key =
        attest::crypto::IssuerKey::read("key-1", &app.dir.path().join("keys/key-1.pem")).unwrap();
    let mut unsigned = credential.clone();
    unsigned.as_object_mut().unwrap().remove("proof");
    unsigned["id"] = json!(format!("{}/credentials/{}", app.base, uuid::Uuid::new_v4()));
    let options = attest::vc::proof::ProofOptions {
        cryptosuite: attest::vc::proof::Cryptosuite::EddsaJcs2022,
        verification_method: credential["proof"]["verificationMethod"]
            .as_str()
            .unwrap()
            .to_owned(),
        created: attest::clock::Clock::now(&app.clock),
    };
    let proof = attest::vc::proof::create_proof(&unsigned, &options, |m| key.sign(m)).unwrap();
    unsigned["proof"] = proof;
    let (status, verdict) = verify(&app, &unsigned).await;
    assert_eq!(status, 422);
    assert!(
        check(&verdict, "proof")["detail"]
            .as_str()
            .unwrap()
            .contains("retired"),
        "{verdict}"
    );
    // The credential signed before the rotation still verifies.
    assert_eq!(verify(&app, &credential).await.0, 200);
}

#[tokio::test]
async fn unreadable_input_is_a_400_and_big_input_a_413() {
    let app = TestApp::spawn().await;
    assert_eq!(
        verify_raw(&app, "{\"a\":1,\"a\":2}").await.1["code"],
        "duplicate_key"
    );
    let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
    assert_eq!(verify_raw(&app, &deep).await.1["code"], "too_deep");
    assert_eq!(verify_raw(&app, "not.a.jwt").await.0, 400);
    assert_eq!(verify_raw(&app, "42").await.0, 400);
    let big = format!("{{\"pad\":\"{}\"}}", "x".repeat(300 * 1024));
    assert_eq!(verify_raw(&app, &big).await.0, 413);
}

#[tokio::test]
async fn employer_page_shows_the_verdict_in_one_glance() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let (id, _, _) = issued(&app).await;
    let (status, page, headers) = app.get_text(&format!("/v/{id}"), "text/html").await;
    assert_eq!(status, 200);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(page.contains("<html lang=\"en\">"));
    assert!(page.contains(">VALID<"), "{page}");
    assert!(page.contains("Zoë Ångström"));
    for external in [
        "src=\"http",
        "href=\"http://cdn",
        "<script",
        "@import",
        "url(http",
    ] {
        assert!(
            !page.contains(external),
            "external resource or script: {external}"
        );
    }
    app.act(&admin, &id, "revoke", "identity fraud").await;
    let (_, page, _) = app.get_text(&format!("/v/{id}"), "text/html").await;
    assert!(page.contains(">REVOKED<") && page.contains("identity fraud"));
    let (_, other, _) = issued(&app).await;
    let other_id = other["id"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    app.clock.advance(time::Duration::days(4 * 365));
    let (_, page, _) = app.get_text(&format!("/v/{other_id}"), "text/html").await;
    assert!(page.contains(">EXPIRED<"), "{page}");
    assert_eq!(
        app.get_text("/v/00000000-0000-4000-8000-000000000000", "text/html")
            .await
            .0,
        404
    );
    let (status, form, _) = app.get_text("/verify", "text/html").await;
    assert_eq!(status, 200);
    assert!(form.contains("<textarea") && form.contains("type=\"file\""));
}

#[tokio::test]
async fn paste_form_verifies_like_the_api() {
    let app = TestApp::spawn().await;
    let (_, credential, jwt) = issued(&app).await;
    for text in [credential.to_string(), jwt] {
        let res = app.paste(text).await;
        assert_eq!(res.status().as_u16(), 200);
        assert!(res.text().await.unwrap().contains(">VALID<"));
    }
    let res = app.paste("garbage").await;
    assert_eq!(res.status().as_u16(), 400);
}

/// Verifications share a short-lived copy of the key records; a key rotated by another
/// process (here a second context on the same database, as the CLI would be) and used at once
/// must still verify at once, in both forms.
#[tokio::test]
async fn a_key_rotated_elsewhere_verifies_at_once() {
    let app = TestApp::spawn_with(JCS).await;
    let (_, before, _) = issued(&app).await;
    assert_eq!(verify(&app, &before).await.0, 200);
    let (other, _) = attest::service::Context::open(
        app.ctx.config.clone(),
        std::sync::Arc::new(app.clock.clone()),
    )
    .await
    .unwrap();
    let rotated = attest::service::keys::rotate(&other, &attest::service::Actor::cli())
        .await
        .unwrap();
    let (_, credential, jwt) = issued(&app).await;
    assert!(
        credential["proof"]["verificationMethod"]
            .as_str()
            .unwrap()
            .ends_with(&format!("#{}", rotated.key_id)),
        "{credential}"
    );
    let (status, verdict) = verify(&app, &credential).await;
    assert_eq!(status, 200, "{verdict}");
    let (status, verdict) = verify_raw(&app, &jwt).await;
    assert_eq!(status, 200, "{verdict}");
}
