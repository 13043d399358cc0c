//! The pages people see, in a real headless browser (Debian's `chromium`): the QR target for a
//! valid, a revoked and an expired credential shows the right verdict, the share page has its
//! links and a well-formed LinkedIn URL, and screenshots are written to
//! `target/screenshots/` for a person to look at.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use attest::service::Role;
use common::TestApp;
use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> &'static str {
    for candidate in ["chromium", "chromium-browser"] {
        if Command::new(candidate)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return candidate;
        }
    }
    panic!("headless Chromium is needed: apt-get install chromium");
}

fn run_browser(profile: &Path, args: &[&str], url: &str) -> String {
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The DOM after the browser loaded and rendered the page.
fn dom(url: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    run_browser(profile.path(), &["--dump-dom"], url)
}

fn screenshot(url: &str, name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.png"));
    let _ = std::fs::remove_file(&path);
    let profile = tempfile::tempdir().unwrap();
    run_browser(
        profile.path(),
        &[
            &format!("--screenshot={}", path.display()),
            "--window-size=412,1400",
        ],
        url,
    );
    let bytes = std::fs::read(&path).expect("screenshot written");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    path
}

fn verdict_of(page: &str) -> String {
    let start = page.find("id=\"verdict\">").expect("verdict element") + "id=\"verdict\">".len();
    page[start..start + page[start..].find('<').unwrap()].to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_path_shows_valid_revoked_and_expired() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Issuer).await;
    let admin = app.token(Role::Admin).await;
    let valid = app
        .issue(&token, "B-1", "mlops-foundation", "cand-b1")
        .await;
    let revoked = app
        .issue(&token, "B-2", "mlops-foundation", "cand-b2")
        .await;
    app.act(&admin, &revoked, "revoke", "exam misconduct").await;

    let page = tokio::task::spawn_blocking({
        let url = app.url(&format!("/v/{valid}"));
        move || dom(&url)
    })
    .await
    .unwrap();
    assert_eq!(verdict_of(&page), "VALID");
    assert!(page.contains("Zoë Ångström"));
    let page = tokio::task::spawn_blocking({
        let url = app.url(&format!("/v/{revoked}"));
        move || dom(&url)
    })
    .await
    .unwrap();
    assert_eq!(verdict_of(&page), "REVOKED");
    assert!(page.contains("exam misconduct"));
    let shots = tokio::task::spawn_blocking({
        let (v, r) = (
            app.url(&format!("/v/{valid}")),
            app.url(&format!("/v/{revoked}")),
        );
        move || {
            (
                screenshot(&v, "verify-valid"),
                screenshot(&r, "verify-revoked"),
            )
        }
    })
    .await
    .unwrap();
    assert!(shots.0.exists() && shots.1.exists());

    app.clock.advance(time::Duration::days(4 * 365));
    let page = tokio::task::spawn_blocking({
        let url = app.url(&format!("/v/{valid}"));
        move || dom(&url)
    })
    .await
    .unwrap();
    assert_eq!(verdict_of(&page), "EXPIRED");
    tokio::task::spawn_blocking({
        let url = app.url(&format!("/v/{valid}"));
        move || screenshot(&url, "verify-expired")
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn share_page_has_its_links_and_a_well_formed_linkedin_url() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Issuer).await;
    app.issue(&token, "S-1", "mlops-foundation", "cand-s").await;
    let id = app
        .issue(&token, "S-2", "mlops-professional", "cand-s")
        .await;
    let page = tokio::task::spawn_blocking({
        let url = app.url(&format!("/c/{id}"));
        move || dom(&url)
    })
    .await
    .unwrap();
    for anchor in [
        "download-pdf",
        "download-json",
        "download-jwt",
        "linkedin",
        "verify-link",
    ] {
        assert!(
            page.contains(&format!("id=\"{anchor}\"")),
            "{anchor} missing"
        );
    }
    assert!(page.contains("property=\"og:title\"") && page.contains("name=\"twitter:card\""));
    assert!(
        !page.contains("<script") && !page.contains("src=\"http"),
        "no external resources"
    );
    let start = page.find("id=\"linkedin\"").unwrap();
    let href_at = page[start..].find("href=\"").unwrap() + start + 6;
    let href = page[href_at..href_at + page[href_at..].find('"').unwrap()].replace("&amp;", "&");
    let url = url::Url::parse(&href).unwrap();
    assert_eq!(
        (url.scheme(), url.host_str(), url.path()),
        ("https", Some("www.linkedin.com"), "/profile/add")
    );
    let q: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(q["startTask"], "CERTIFICATION_NAME");
    assert_eq!(q["name"], "Certified MLOps Engineer – Professional");
    assert_eq!(q["organizationName"], "AIOps School");
    assert_eq!(
        (q["issueYear"].as_str(), q["issueMonth"].as_str()),
        ("2026", "11")
    );
    assert_eq!(
        (q["expirationYear"].as_str(), q["expirationMonth"].as_str()),
        ("2028", "11")
    );
    assert_eq!(q["certUrl"], app.url(&format!("/v/{id}")));
    assert_eq!(q["certId"], id);
    assert!(
        href.contains("%E2%80%93") || href.contains("%E2%80%93".to_lowercase().as_str()),
        "non-ASCII is percent-encoded: {href}"
    );
    assert!(
        page.contains("Foundation"),
        "the path lists what the holder holds"
    );
    assert!(page.contains("Advanced"), "and what comes next");
    tokio::task::spawn_blocking({
        let url = app.url(&format!("/c/{id}"));
        move || screenshot(&url, "share")
    })
    .await
    .unwrap();
}
