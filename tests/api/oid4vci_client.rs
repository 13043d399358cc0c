//! A third-party OID4VCI client drives the whole pre-authorized code flow against the real
//! server (issue 18): `@sphereon/oid4vci-client` (npm, pinned by tests/oid4vci-client/
//! package-lock.json, installed by `scripts/test` with `npm ci` into target/oid4vci-client)
//! resolves the offer link, fetches the metadata, redeems the code, proves possession of an
//! Ed25519 key it generates and receives the credential. The credential is then checked here
//! independently: signature (key from the published DID document or JWKS), holder binding
//! (`credentialSubject.id` = the client's DID) and status (revoking the record revokes it).

use crate::common;

use attest::service::Role;
use common::{TestApp, check, independent};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Command;

/// Where `scripts/test` installs the client (`ATTEST_OID4VCI_CLIENT_DIR` overrides).
fn client_dir() -> PathBuf {
    let dir = std::env::var_os("ATTEST_OID4VCI_CLIENT_DIR").map_or_else(
        || {
            let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
                || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"),
                PathBuf::from,
            );
            target.join("oid4vci-client")
        },
        PathBuf::from,
    );
    assert!(
        dir.join("node_modules/@sphereon/oid4vci-client").is_dir(),
        "the OID4VCI test client is not installed in {}: run scripts/test (it runs `npm ci` \
         from tests/oid4vci-client into that folder; needs node and npm)",
        dir.display()
    );
    dir
}

/// Runs the client on `link` off the async runtime and returns its JSON output.
async fn run_client(link: &str, configuration: &str, pin: Option<&str>) -> Value {
    let dir = client_dir();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oid4vci-client/wallet.cjs");
    let mut args = vec![
        script.display().to_string(),
        link.to_owned(),
        configuration.to_owned(),
    ];
    args.extend(pin.map(str::to_owned));
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .args(&args)
            .env("NODE_PATH", dir.join("node_modules"))
            .output()
            .expect("node runs (apt-get install nodejs)")
    })
    .await
    .expect("join");
    assert!(
        out.status.success(),
        "the client failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    serde_json::from_slice(&out.stdout).expect("the client prints JSON")
}

#[tokio::test]
async fn sphereon_client_receives_a_holder_bound_ldp_vc() {
    let app = TestApp::spawn().await;
    // The client stamps its proof with the real time (`iat`), which must be recent.
    app.clock
        .set(attest::clock::Clock::now(&attest::clock::SystemClock));
    let issuer = app.token(Role::Issuer).await;
    let id = app
        .issue(&issuer, "EXM-1", "mlops-foundation", "cand-1")
        .await;
    let (status, offer) = app
        .post(
            &format!("/api/v1/credentials/{id}/offer"),
            Some(&issuer),
            &json!({"tx_code": true}),
        )
        .await;
    assert_eq!(status, 201, "{offer}");
    let link = offer["offer_link"].as_str().expect("link");
    let pin = offer["tx_code"].as_str();
    let out = run_client(link, "mlops-foundation.ldp_vc", pin).await;
    let holder = out["holder"].as_str().expect("holder");
    let credential = &out["response"]["credentials"][0]["credential"];
    assert_eq!(credential["credentialSubject"]["id"], holder, "{out}");
    let (_, did_doc) = app.get_json("/.well-known/did.json").await;
    let vm = credential["proof"]["verificationMethod"]
        .as_str()
        .expect("vm");
    let key = independent::key_from_did_document(&did_doc, vm);
    independent::verify_proof(credential, &key).expect("signature");
    // Status: the copy carries the record's entries; revoking the record revokes it.
    let (_, record) = app.get_json(&format!("/credentials/{id}")).await;
    assert_eq!(credential["credentialStatus"], record["credentialStatus"]);
    let admin = app.token(Role::Admin).await;
    let (status, _) = app.act(&admin, &id, "revoke", "misconduct").await;
    assert_eq!(status, 200);
    let list_url = credential["credentialStatus"][0]["statusListCredential"]
        .as_str()
        .expect("list url");
    let index: i64 = credential["credentialStatus"][0]["statusListIndex"]
        .as_str()
        .expect("index")
        .parse()
        .expect("number");
    let path = list_url.strip_prefix(&app.base).expect("our list");
    let (_, list) = app.get_json(path).await;
    assert!(independent::status_list_bits(&list).contains(&index));
    let (status, verdict) = app.post("/credentials/verify", None, credential).await;
    assert_eq!(status, 422, "{verdict}");
    assert_eq!(check(&verdict, "revocation")["status"], "failed");
}

#[tokio::test]
async fn sphereon_client_receives_a_jwt_vc_json() {
    let app = TestApp::spawn().await;
    // The client stamps its proof with the real time (`iat`), which must be recent.
    app.clock
        .set(attest::clock::Clock::now(&attest::clock::SystemClock));
    let issuer = app.token(Role::Issuer).await;
    let id = app
        .issue(&issuer, "EXM-2", "mlops-foundation", "cand-2")
        .await;
    let (status, offer) = app
        .post(
            &format!("/api/v1/credentials/{id}/offer"),
            Some(&issuer),
            &json!({}),
        )
        .await;
    assert_eq!(status, 201, "{offer}");
    let out = run_client(
        offer["offer_link"].as_str().expect("link"),
        "mlops-foundation.jwt_vc_json",
        None,
    )
    .await;
    let jwt = out["response"]["credentials"][0]["credential"]
        .as_str()
        .expect("a compact JWT");
    let (_, jwks) = app.get_json("/.well-known/jwks.json").await;
    let (_, payload) = independent::verify_jwt(jwt, &jwks).expect("signature");
    assert_eq!(payload["credentialSubject"]["id"], out["holder"]);
}
