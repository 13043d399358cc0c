//! The share page's "Add to wallet" QR (issue 18), in headless Chromium under the page's real
//! Content Security Policy: the screenshot's QR decodes (zbarimg) to an
//! `openid-credential-offer://` link whose offer a wallet redeems once; a page offer expires
//! after `share_offer_ttl_seconds`; a revoked record's page offers nothing; and the API's PNG
//! decodes to its link.

use crate::common;
use crate::oid4vci_support;

use attest::service::Role;
use base64::Engine;
use common::TestApp;
use oid4vci_support::{GRANT, Wallet, fetch, redeem};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

fn chromium() -> &'static str {
    ["chromium", "chromium-browser"]
        .into_iter()
        .find(|c| {
            Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .expect("headless Chromium is needed: run scripts/test (apt-get install chromium)")
}

/// A screenshot of `url` as a phone-sized window would show it.
fn screenshot(url: &str, path: &Path) {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=412,1600",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--screenshot={}", path.display()))
        .arg(url)
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn zbar(path: &Path) -> String {
    let out = Command::new("zbarimg")
        .args(["--raw", "-q"])
        .arg(path)
        .output()
        .expect("zbarimg is needed: run scripts/test (apt-get install zbar-tools)");
    assert!(
        out.status.success(),
        "no QR code found in {}",
        path.display()
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn offer_of(link: &str) -> Value {
    let query = link
        .strip_prefix("openid-credential-offer://?")
        .unwrap_or_else(|| panic!("not an offer link: {link}"));
    let (_, offer) = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "credential_offer")
        .expect("credential_offer");
    serde_json::from_str(&offer).expect("offer JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn share_page_qr_decodes_to_a_single_use_offer() {
    let app = TestApp::spawn().await;
    let issuer = app.token(Role::Issuer).await;
    let id = app
        .issue(&issuer, "S-1", "mlops-foundation", "cand-s")
        .await;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let shot = dir.join("share-wallet-qr.png");
    let _ = std::fs::remove_file(&shot);
    let url = app.url(&format!("/c/{id}"));
    let path = shot.clone();
    tokio::task::spawn_blocking(move || screenshot(&url, &path))
        .await
        .unwrap();
    let link = zbar(&shot);
    let offer = offer_of(&link);
    assert_eq!(offer["credential_issuer"], app.base);
    assert_eq!(
        offer["credential_configuration_ids"],
        json!(["mlops-foundation.ldp_vc", "mlops-foundation.jwt_vc_json"])
    );
    let grant = &offer["grants"][GRANT];
    assert!(grant.get("tx_code").is_none(), "a page offer has no PIN");
    let code = grant["pre-authorized_code"].as_str().unwrap();
    let wallet = Wallet::did_key();
    let (status, body) = fetch(&app, &wallet, code, "mlops-foundation.ldp_vc").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["credentials"][0]["credential"]["credentialSubject"]["id"],
        wallet.did.as_str()
    );
    let (status, body) = redeem(&app, code, None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    // The page's offer lives `share_offer_ttl_seconds` (300 by default).
    let (_, page, _) = app.get_text(&format!("/c/{id}"), "text/html").await;
    let at = page
        .find("id=\"wallet-link\" href=\"")
        .expect("wallet link")
        + 23;
    let href = page[at..at + page[at..].find('"').unwrap()].replace("&amp;", "&");
    let href = href
        .replace("&#x2f;", "/")
        .replace("&#x3a;", ":")
        .replace("&#x3f;", "?");
    let stale = offer_of(&href)["grants"][GRANT]["pre-authorized_code"]
        .as_str()
        .unwrap()
        .to_owned();
    app.clock.advance(time::Duration::seconds(301));
    let (status, body) = redeem(&app, &stale, None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    // A revoked record's page offers no wallet copy.
    let admin = app.token(Role::Admin).await;
    let (status, _) = app.act(&admin, &id, "revoke", "misconduct").await;
    assert_eq!(status, 200);
    let (_, page, _) = app.get_text(&format!("/c/{id}"), "text/html").await;
    assert!(!page.contains("wallet-qr") && !page.contains("openid-credential-offer"));
}

#[tokio::test]
async fn api_offer_png_decodes_to_its_link() {
    let app = TestApp::spawn().await;
    let issuer = app.token(Role::Issuer).await;
    let id = app
        .issue(&issuer, "S-2", "mlops-foundation", "cand-t")
        .await;
    let (status, body) = app
        .post(
            &format!("/api/v1/credentials/{id}/offer"),
            Some(&issuer),
            &json!({}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let png = body["qr_png"]
        .as_str()
        .unwrap()
        .strip_prefix("data:image/png;base64,")
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("offer.png");
    std::fs::write(
        &path,
        base64::engine::general_purpose::STANDARD
            .decode(png)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(zbar(&path), body["offer_link"].as_str().unwrap());
}
