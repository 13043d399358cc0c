//! The PDF certificate through the real server, checked with real tools: poppler's pdftotext,
//! pdftoppm and pdfdetach, and zbar's zbarimg decoding the QR code from the rendered page.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use attest::domain::ids::CredentialId;
use attest::service::{Role, certificate};
use common::{TestApp, exam};
use serde_json::json;
use std::path::Path;
use std::process::Command;

fn tool(name: &str, args: &[&str]) -> String {
    let out = Command::new(name).args(args).output().unwrap_or_else(|e| {
        panic!("{name} is needed (apt-get install poppler-utils zbar-tools): {e}")
    });
    assert!(
        out.status.success(),
        "{name} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn pdf_of(app: &TestApp, id: &str, dir: &Path) -> std::path::PathBuf {
    let res = app
        .http
        .get(app.url(&format!("/credentials/{id}.pdf")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let bytes = res.bytes().await.unwrap();
    assert!(bytes.len() < 100 * 1024, "{} bytes", bytes.len());
    let path = dir.join(format!("{id}.pdf"));
    std::fs::write(&path, &bytes).unwrap();
    path
}

#[tokio::test]
async fn certificates_render_every_script_carry_a_scannable_qr_and_the_proof() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Issuer).await;
    let out = tempfile::tempdir().unwrap();
    let names = [
        "Zoë Ångström",
        "Łukasz Żółć",
        "Ελένη Παπαδοπούλου",
        "Иван Петров",
        "山田太郎",
        "محمد عبد الله",
        "प्रिया शर्मा",
        "Omar عمر Khan 🎓",
    ];
    for (i, name) in names.iter().enumerate() {
        let mut result = exam(
            &format!("PDF-{i}"),
            "mlops-foundation",
            &format!("cand-pdf-{i}"),
            812,
        );
        result["candidate"]["name"] = json!(name);
        let (status, body) = app
            .post("/api/v1/exam-results", Some(&token), &result)
            .await;
        assert_eq!(status, 201, "{body}");
        let id = body["credential_id"].as_str().unwrap();
        let pdf = pdf_of(&app, id, out.path()).await;
        let pdf_path = pdf.to_str().unwrap();

        let text = tool("pdftotext", &[pdf_path, "-"]);
        // pdftotext brackets right-to-left text with U+202B … U+202C.
        let words = text
            .replace(['\u{202B}', '\u{202C}'], " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(words.contains(name), "{name} not found in: {text}");
        assert!(text.contains("Certified MLOps Engineer – Foundation"));

        let png_prefix = out.path().join(format!("page-{i}"));
        tool(
            "pdftoppm",
            &[
                "-r",
                "150",
                "-png",
                "-singlefile",
                pdf_path,
                png_prefix.to_str().unwrap(),
            ],
        );
        let decoded = tool(
            "zbarimg",
            &["--raw", "-q", &format!("{}.png", png_prefix.display())],
        );
        assert_eq!(
            decoded.trim(),
            app.url(&format!("/v/{id}")),
            "the QR code encodes exactly the verification URL"
        );

        let listing = tool("pdfdetach", &["-list", pdf_path]);
        assert!(
            listing.contains("credential.json") && listing.contains("credential.jwt"),
            "{listing}"
        );
        let extracted = out.path().join(format!("extracted-{i}.json"));
        tool(
            "pdfdetach",
            &[
                "-savefile",
                "credential.json",
                "-o",
                extracted.to_str().unwrap(),
                pdf_path,
            ],
        );
        let credential: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&extracted).unwrap()).unwrap();
        let (status, verdict) = app.post("/credentials/verify", None, &credential).await;
        assert_eq!(status, 200, "the attached credential verifies: {verdict}");

        let info = tool("pdfinfo", &[pdf_path]);
        assert!(
            info.contains("Author:") && info.contains("AIOps School"),
            "{info}"
        );
        assert!(info.contains("841.89 x 595.276"), "A4 landscape: {info}");
    }
}

#[tokio::test]
async fn a_revoked_credential_keeps_its_pdf_but_its_pages_say_so() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Issuer).await;
    let admin = app.token(Role::Admin).await;
    let id = app
        .issue(&token, "PDF-R", "mlops-foundation", "cand-pdf-r")
        .await;
    app.act(&admin, &id, "revoke", "exam misconduct").await;
    let out = tempfile::tempdir().unwrap();
    pdf_of(&app, &id, out.path()).await;
    let (status, share, _) = app.get_text(&format!("/c/{id}"), "text/html").await;
    assert_eq!(status, 200);
    assert!(
        share.contains("status-notice") && share.contains("revoked"),
        "{share}"
    );
    let (_, page, _) = app.get_text(&format!("/v/{id}"), "text/html").await;
    assert!(page.contains(">REVOKED<"));
}

#[tokio::test]
async fn bulk_render_writes_every_certificate() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Issuer).await;
    let results: Vec<_> = (0..12)
        .map(|i| {
            exam(
                &format!("BULK-{i}"),
                "mlops-foundation",
                &format!("cand-b{i}"),
                750,
            )
        })
        .collect();
    let (status, _) = app
        .post(
            "/api/v1/exam-results/batch",
            Some(&token),
            &json!({"results": results}),
        )
        .await;
    assert_eq!(status, 200);
    let out = app.dir.path().join("pdfs");
    let public = app.base.clone();
    let database = app.database_url();
    let output = common::process::cli(
        app.dir.path(),
        &[
            ("ATTEST_PUBLIC_BASE_URL", public.as_str()),
            ("ATTEST_DATABASE_URL", database.as_str()),
        ],
        &["render", "--all", "--out", out.to_str().unwrap()],
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("12 certificates"));
    let written = std::fs::read_dir(&out).unwrap().count();
    assert_eq!(written, 12);
}

/// Renders are bounded by the configured gate and nothing else: with `pdf_max_concurrent = 3`
/// a render runs while two slots are held (three at once, above a fixed pool of two), and the
/// service's own render is refused `busy` while all three are held (a pool of its own would
/// ignore them).
#[tokio::test]
async fn the_configured_pdf_gate_is_the_only_bound() {
    let app = TestApp::spawn_with(&[
        ("ATTEST_PDF_MAX_CONCURRENT", "3"),
        ("ATTEST_PDF_MAX_QUEUED", "0"),
    ])
    .await;
    let token = app.token(Role::Issuer).await;
    let id = app
        .issue(&token, "GATE-1", "mlops-foundation", "cand-gate")
        .await;
    let id = CredentialId::parse(&id).unwrap();
    let gate = &app.ctx.pdf_renders;
    let mut held = Vec::new();
    for _ in 0..2 {
        held.push(gate.admit().unwrap().wait().await.unwrap());
    }
    let pdf = certificate::render(&app.ctx, &id)
        .await
        .expect("a third render has a slot");
    assert!(pdf.starts_with(b"%PDF"));
    held.push(gate.admit().unwrap().wait().await.unwrap());
    match certificate::render(&app.ctx, &id).await {
        Err(refused) => assert_eq!(refused.code.as_str(), "busy", "{refused}"),
        Ok(pdf) => panic!("rendered {} bytes past a full gate", pdf.len()),
    }
    let (status, _) = app.get_json(&format!("/credentials/{id}.pdf")).await;
    assert_eq!(status, 503, "the API shares the gate");
    drop(held);
    certificate::render(&app.ctx, &id)
        .await
        .expect("room again once the slots are free");
}
