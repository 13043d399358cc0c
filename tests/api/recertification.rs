//! Recertification (issue 19) with the injected clock: passing an achievement again renews the
//! credential (own validity, `relatedResource` digest of the previous one, `Recertification`
//! evidence), the previous one stays valid, both pages show the link, `credential.renewed`
//! names both, and an expired credential's share page shows how to recertify.

use crate::common;
use crate::webhook_support as support;

use attest::clock::Clock as _;
use attest::service::Role;
use base64::Engine as _;
use common::{TestApp, exam};
use serde_json::{Value, json};
use sha2::Digest as _;
use support::{FAST, Receiver, accepted};

fn sri(bytes: &[u8]) -> String {
    let digest = sha2::Sha384::digest(bytes);
    format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

async fn credential(app: &TestApp, id: &str) -> (String, Value) {
    let (status, text, _) = app
        .get_text(&format!("/credentials/{id}"), "application/vc+ld+json")
        .await;
    assert_eq!(status, 200);
    let json = serde_json::from_str(&text).unwrap();
    (text, json)
}

async fn verify(app: &TestApp, doc: &Value) -> Value {
    let (_, verdict) = app.post("/credentials/verify", None, doc).await;
    verdict
}

async fn page(app: &TestApp, path: &str) -> String {
    let (status, text, _) = app.get_text(path, "text/html").await;
    assert_eq!(status, 200, "{path}");
    text
}

#[tokio::test]
async fn passing_again_renews_and_both_stay_valid_and_linked() {
    let app = TestApp::spawn_with(FAST).await;
    let (admin, issuer) = (app.token(Role::Admin).await, app.token(Role::Issuer).await);
    let rx = Receiver::start().await;
    let (status, sub) = app
        .post(
            "/api/v1/webhooks",
            Some(&admin),
            &json!({"url": rx.url(), "events": ["credential.renewed"]}),
        )
        .await;
    assert_eq!(status, 201);
    rx.set_secret(sub["secret"].as_str().unwrap());

    let old = app
        .issue(&issuer, "RC-1", "mlops-foundation", "cand-rc")
        .await;
    let (old_bytes, _) = credential(&app, &old).await;
    // Two years and eleven months later, before the first one lapses.
    app.clock.advance(time::Duration::days(365 * 2 + 334));
    let new = app
        .issue(&issuer, "RC-2", "mlops-foundation", "cand-rc")
        .await;
    let (_, renewed) = credential(&app, &new).await;

    let old_url = app.url(&format!("/credentials/{old}"));
    let evidence = renewed["evidence"].as_array().expect("evidence");
    assert!(
        evidence
            .iter()
            .any(|e| e["genre"] == "Recertification" && e["id"] == old_url.as_str()),
        "{renewed:#}"
    );
    let related = renewed["relatedResource"]
        .as_array()
        .expect("relatedResource");
    let link = related
        .iter()
        .find(|r| r["id"] == old_url.as_str())
        .expect("link");
    assert_eq!(link["digestSRI"], sri(old_bytes.as_bytes()).as_str());
    // Its own validity: from now, for the achievement's three years.
    let now = app.clock.now();
    let from = time::OffsetDateTime::parse(
        renewed["validFrom"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert_eq!(from, now);

    // Both verify; the previous one is not revoked.
    for id in [&old, &new] {
        let (_, doc) = credential(&app, id).await;
        let verdict = verify(&app, &doc).await;
        assert_eq!(verdict["verified"], true, "{id}: {verdict:#}");
    }

    let c_new = page(&app, &format!("/c/{new}")).await;
    assert!(c_new.contains("Renews the credential issued"), "{c_new}");
    assert!(c_new.contains(&format!("/c/{old}")));
    let c_old = page(&app, &format!("/c/{old}")).await;
    assert!(
        c_old.contains("Renewed by the credential issued"),
        "{c_old}"
    );
    assert!(c_old.contains(&format!("/c/{new}")));
    assert!(
        !c_old.contains("id=\"recertify\""),
        "renewed: no invitation"
    );
    let v_new = page(&app, &format!("/v/{new}")).await;
    assert!(v_new.contains("Renews the credential issued") && v_new.contains(&format!("/v/{old}")));
    let v_old = page(&app, &format!("/v/{old}")).await;
    assert!(
        v_old.contains("Renewed by the credential issued") && v_old.contains(&format!("/v/{new}"))
    );

    let log = rx
        .wait_for("credential.renewed", |log| {
            !accepted(log, "credential.renewed").is_empty()
        })
        .await;
    let event = accepted(&log, "credential.renewed")[0];
    assert_eq!(event["verified"], true);
    assert_eq!(event["data"]["credential_id"], new.as_str());
    assert_eq!(event["data"]["previous_credential_id"], old.as_str());
}

#[tokio::test]
async fn a_first_pass_and_an_older_exam_version_renew_nothing() {
    let app = TestApp::spawn().await;
    let issuer = app.token(Role::Issuer).await;
    let first = app
        .issue(&issuer, "RC-V1", "mlops-foundation", "cand-v")
        .await;
    let (_, doc) = credential(&app, &first).await;
    assert!(doc.get("evidence").is_none(), "{doc:#}");
    let mut older = exam("RC-V2", "mlops-foundation", "cand-v", 812);
    older["exam"]["version"] = json!("2025.1");
    let (status, body) = app
        .post("/api/v1/exam-results", Some(&issuer), &older)
        .await;
    assert_eq!(status, 201, "{body}");
    let (_, doc) = credential(&app, body["credential_id"].as_str().unwrap()).await;
    assert!(doc.get("evidence").is_none(), "{doc:#}");
    assert!(
        !page(&app, &format!("/c/{first}"))
            .await
            .contains("Renewed by")
    );
}

#[tokio::test]
async fn an_expired_credential_offers_the_recertification_path_and_verifies_as_expired() {
    let app = TestApp::spawn().await;
    let issuer = app.token(Role::Issuer).await;
    let id = app
        .issue(&issuer, "RC-X1", "mlops-foundation", "cand-x")
        .await;
    let share = page(&app, &format!("/c/{id}")).await;
    assert!(!share.contains("id=\"recertify\""));
    app.clock.advance(time::Duration::days(365 * 3 + 2));
    let share = page(&app, &format!("/c/{id}")).await;
    assert!(share.contains("id=\"recertify\""), "{share}");
    assert!(share.contains("/achievements/mlops-foundation"), "{share}");
    let (status, verify_page, _) = app.get_text(&format!("/v/{id}"), "text/html").await;
    assert_eq!(status, 200);
    assert!(verify_page.contains("EXPIRED"), "{verify_page}");
}

#[tokio::test]
async fn a_batch_renews_credentials_issued_before_it() {
    let app = TestApp::spawn().await;
    let issuer = app.token(Role::Issuer).await;
    let old = app
        .issue(&issuer, "RC-B0", "mlops-foundation", "cand-b")
        .await;
    let items = json!([
        exam("RC-B1", "mlops-foundation", "cand-b", 812),
        exam("RC-B2", "mlops-foundation", "cand-other", 812),
    ]);
    let (status, outcome) = app
        .post("/api/v1/exam-results/batch", Some(&issuer), &items)
        .await;
    assert_eq!(status, 200, "{outcome}");
    let ids: Vec<String> = outcome["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["credential_id"].as_str().expect("issued").to_owned())
        .collect();
    let (_, renewed) = credential(&app, &ids[0]).await;
    let old_url = app.url(&format!("/credentials/{old}"));
    assert!(
        renewed["evidence"].as_array().is_some_and(|e| e
            .iter()
            .any(|x| x["genre"] == "Recertification" && x["id"] == old_url.as_str())),
        "{renewed:#}"
    );
    let (_, first) = credential(&app, &ids[1]).await;
    assert!(first.get("evidence").is_none());
}
