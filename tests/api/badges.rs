//! Badge images (issue 20, Open Badges 3.0 §B.1.15 and §5.3): every achievement names its
//! image, the image is served (SVG and a real PNG), and a credential baked into either is read
//! back by independent code — pypng and xml.etree in Python (tests/badge_tools) — and its proof
//! checked by `common::independent`; the verifiers (API, page, CLI) accept baked images and
//! refuse images that carry no credential with a stable code.

use crate::common;

use attest::service::Role;
use common::TestApp;
use common::independent::{key_from_did_document, verify_proof};
use serde_json::Value;
use std::path::PathBuf;

/// The Python with pinned pypng that `scripts/test` installs.
fn badge_python() -> PathBuf {
    let path = std::env::var_os("ATTEST_BADGE_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
                .parent()
                .expect("target dir")
                .join("badge-tools/bin/python")
        });
    assert!(
        path.exists(),
        "{} is missing: run scripts/test once (it installs pypng from \
         tests/badge_tools/requirements.txt into a venv), or set ATTEST_BADGE_PYTHON",
        path.display()
    );
    path
}

/// Runs tests/badge_tools/extract.py on `bytes` (`kind`: png or svg).
fn independent_read(kind: &str, bytes: &[u8]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(format!("badge.{kind}"));
    std::fs::write(&file, bytes).unwrap();
    let out = std::process::Command::new(badge_python())
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/badge_tools/extract.py"
        ))
        .arg(kind)
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "extract.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

async fn get_bytes(app: &TestApp, path: &str) -> (u16, Vec<u8>, reqwest::header::HeaderMap) {
    let res = app.http.get(app.url(path)).send().await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, res.bytes().await.unwrap().to_vec(), headers)
}

async fn post_bytes(app: &TestApp, content_type: &str, body: Vec<u8>) -> (u16, Value) {
    let res = app
        .http
        .post(app.url("/credentials/verify"))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn issued(app: &TestApp, achievement: &str) -> (String, Value) {
    let token = app.token(Role::Issuer).await;
    let id = app
        .issue(
            &token,
            &format!("B-{}", uuid::Uuid::new_v4()),
            achievement,
            "cand-b",
        )
        .await;
    let (_, credential) = app.get_json(&format!("/credentials/{id}")).await;
    (id, credential)
}

fn assert_independently_verified(app_did: &Value, credential: &Value) {
    let vm = credential["proof"]["verificationMethod"].as_str().unwrap();
    verify_proof(credential, &key_from_did_document(app_did, vm))
        .expect("the baked credential's proof verifies with independent code");
}

#[tokio::test]
async fn each_achievement_names_its_image_which_is_served_and_cacheable() {
    let app = TestApp::spawn().await;
    issued(&app, "mlops-foundation").await; // the prerequisite
    let (_, credential) = issued(&app, "mlops-professional").await;
    let image = &credential["credentialSubject"]["achievement"]["image"];
    let url = format!("{}/achievements/mlops-professional/badge.svg", app.base);
    assert_eq!(image["id"], url.as_str(), "{image}");
    assert_eq!(image["type"], "Image");
    let (_, achievement) = app.get_json("/achievements/mlops-professional").await;
    assert_eq!(
        achievement["image"], *image,
        "the public achievement says the same"
    );

    let (status, svg, headers) =
        get_bytes(&app, "/achievements/mlops-professional/badge.svg").await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "image/svg+xml");
    assert!(
        headers["cache-control"]
            .to_str()
            .unwrap()
            .starts_with("public")
    );
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let svg = String::from_utf8(svg).unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("well-formed SVG");
    let texts: Vec<&str> = doc
        .descendants()
        .filter_map(|n| n.text())
        .map(str::trim)
        .collect();
    assert!(texts.contains(&"MLOps"), "track visible: {texts:?}");
    assert!(texts.contains(&"Intermediate"), "level visible: {texts:?}");
    assert!(
        svg.contains("#1f6feb") && svg.contains("#0b3d5c"),
        "catalog colours"
    );

    let res = app
        .http
        .get(app.url("/achievements/mlops-professional/badge.svg"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 304, "revalidation by ETag");

    let (status, png, headers) =
        get_bytes(&app, "/achievements/mlops-professional/badge.png").await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "image/png");
    assert!(headers.contains_key("etag"));
    let read = independent_read("png", &png);
    assert_eq!(
        (read["width"].as_u64(), read["height"].as_u64()),
        (Some(512), Some(512))
    );
    assert_eq!(read["rows"], 512, "every row decodes");
    assert!(
        read["distinct_colours_sampled"].as_u64().unwrap() > 8,
        "a drawn badge, not a blank canvas: {read}"
    );
    assert_eq!(
        read["itxt"],
        serde_json::json!([]),
        "the plain badge carries nothing"
    );

    let (status, _, _) = get_bytes(&app, "/achievements/no-such-thing/badge.png").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn baked_png_is_read_by_pypng_and_its_credential_verifies_independently() {
    let app = TestApp::spawn().await;
    let (id, credential) = issued(&app, "mlops-foundation").await;
    let (status, png, headers) = get_bytes(&app, &format!("/credentials/{id}.png")).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "image/png");
    let read = independent_read("png", &png);
    assert_eq!(read["width"], 512);
    assert_eq!(read["height"], 512);
    assert_eq!(read["first"][0], "IHDR");
    let chunks: Vec<&Value> = read["itxt"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["keyword"] == "openbadgecredential")
        .collect();
    assert_eq!(
        chunks.len(),
        1,
        "exactly one iTXt openbadgecredential (§5.3.1)"
    );
    assert_eq!(
        chunks[0]["compressed"], false,
        "compression MUST NOT be used"
    );
    let baked: Value = serde_json::from_str(chunks[0]["text"].as_str().unwrap()).unwrap();
    assert_eq!(baked, credential, "the credential as issued");
    let (_, did) = app.get_json("/.well-known/did.json").await;
    assert_independently_verified(&did, &baked);
}

#[tokio::test]
async fn baked_svg_is_read_by_an_xml_parser_and_its_credential_verifies_independently() {
    let app = TestApp::spawn().await;
    let (id, credential) = issued(&app, "mlops-foundation").await;
    let (status, svg, headers) = get_bytes(&app, &format!("/credentials/{id}.svg")).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "image/svg+xml");
    let read = independent_read("svg", &svg);
    assert_eq!(read["root"], "{http://www.w3.org/2000/svg}svg");
    assert_eq!(
        read["first_child"], "{https://purl.imsglobal.org/ob/v3p0}credential",
        "directly after the <svg> tag (§5.3.2)"
    );
    let found = read["credentials"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{read}");
    assert!(
        found[0]["verify"].is_null(),
        "embedded proof: no verify attribute"
    );
    let baked: Value = serde_json::from_str(found[0]["text"].as_str().unwrap()).unwrap();
    assert_eq!(baked, credential);
    let (_, did) = app.get_json("/.well-known/did.json").await;
    assert_independently_verified(&did, &baked);
}

/// Replaces `from` by `to` (same length) inside the PNG's iTXt text and fixes the chunk CRC,
/// as a forger would: only the signature can tell.
fn forge(png: &[u8], from: &str, to: &str) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let mut out = png.to_vec();
    let at = out
        .windows(from.len())
        .position(|w| w == from.as_bytes())
        .expect("text present");
    out[at..at + to.len()].copy_from_slice(to.as_bytes());
    let chunk_start = out.windows(4).position(|w| w == b"iTXt").unwrap() - 4;
    let len = u32::from_be_bytes(out[chunk_start..chunk_start + 4].try_into().unwrap()) as usize;
    let crc_at = chunk_start + 8 + len;
    let crc = crc32fast::hash(&out[chunk_start + 4..crc_at]);
    out[crc_at..crc_at + 4].copy_from_slice(&crc.to_be_bytes());
    out
}

#[tokio::test]
async fn the_verify_api_accepts_baked_images_and_refuses_empty_ones() {
    let app = TestApp::spawn().await;
    let (id, _) = issued(&app, "mlops-foundation").await;
    let (_, png, _) = get_bytes(&app, &format!("/credentials/{id}.png")).await;
    let (_, svg, _) = get_bytes(&app, &format!("/credentials/{id}.svg")).await;

    for (kind, body) in [("image/png", png.clone()), ("image/svg+xml", svg.clone())] {
        let (status, verdict) = post_bytes(&app, kind, body.clone()).await;
        assert_eq!(status, 200, "{kind}: {verdict}");
        assert_eq!(verdict["verified"], true);
        assert_eq!(verdict["credential"]["holder"], "Zoë Ångström");
        // Told by its magic, whatever the label.
        let (status, _) = post_bytes(&app, "application/octet-stream", body).await;
        assert_eq!(status, 415, "{kind}: unlabelled binary types stay refused");
    }
    let (status, verdict) = post_bytes(&app, "text/plain", png.clone()).await;
    assert_eq!(status, 200, "detected by magic: {verdict}");
    let (_, json, _) = app
        .get_text(&format!("/credentials/{id}"), "application/json")
        .await;
    let (status, problem) = post_bytes(&app, "image/png", json.clone().into_bytes()).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (415, Some("unsupported_media_type")),
        "mislabelled"
    );
    let (status, _) = post_bytes(&app, "image/svg+xml", png.clone()).await;
    assert_eq!(status, 415, "a PNG is not SVG");

    let forged = forge(&png, "Zoë Ångström", "Zoë Ångströn");
    let (status, verdict) = post_bytes(&app, "image/png", forged).await;
    assert_eq!(status, 422, "{verdict}");
    assert_eq!(common::check(&verdict, "proof")["status"], "failed");

    let (_, plain, _) = get_bytes(&app, "/achievements/mlops-foundation/badge.png").await;
    let (status, problem) = post_bytes(&app, "image/png", plain).await;
    assert_eq!(status, 400);
    assert_eq!(problem["code"], "no_baked_credential", "{problem}");
    let (_, plain_svg, _) = get_bytes(&app, "/achievements/mlops-foundation/badge.svg").await;
    let (status, problem) = post_bytes(&app, "image/svg+xml", plain_svg).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (400, Some("no_baked_credential"))
    );

    // Size limits apply before anything is parsed.
    let mut huge = png.clone();
    huge.resize(300 * 1024, 0);
    let (status, problem) = post_bytes(&app, "image/png", huge).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (413, Some("payload_too_large"))
    );

    let mut broken = png.clone();
    broken.truncate(60);
    let (status, problem) = post_bytes(&app, "image/png", broken).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (400, Some("invalid_image"))
    );

    // Status is checked through the image like any other input.
    let admin = app.token(Role::Admin).await;
    let (status, _) = app.act(&admin, &id, "revoke", "exam misconduct").await;
    assert_eq!(status, 200);
    let (status, verdict) = post_bytes(&app, "image/png", png).await;
    assert_eq!(status, 422);
    assert_eq!(common::check(&verdict, "revocation")["status"], "failed");
}

#[tokio::test]
async fn the_upload_page_and_the_share_page_know_baked_badges() {
    let app = TestApp::spawn().await;
    let (id, _) = issued(&app, "mlops-foundation").await;
    let (_, share, _) = app.get_text(&format!("/c/{id}"), "text/html").await;
    for link in [
        format!("/credentials/{id}.png"),
        format!("/credentials/{id}.svg"),
    ] {
        assert!(share.contains(&link), "share page links {link}");
    }
    let (_, png, _) = get_bytes(&app, &format!("/credentials/{id}.png")).await;
    let part = reqwest::multipart::Part::bytes(png)
        .file_name("badge.png")
        .mime_str("image/png")
        .unwrap();
    let res = app
        .http
        .post(app.url("/verify"))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains("Zoë Ångström"), "the holder is shown");
}

#[tokio::test]
async fn the_cli_verifies_a_baked_badge_file() {
    let app = TestApp::spawn().await;
    let (id, _) = issued(&app, "mlops-foundation").await;
    let (_, png, _) = get_bytes(&app, &format!("/credentials/{id}.png")).await;
    let (_, plain, _) = get_bytes(&app, "/achievements/mlops-foundation/badge.png").await;
    let baked_file = app.dir.path().join("badge.png");
    let plain_file = app.dir.path().join("plain.png");
    std::fs::write(&baked_file, png).unwrap();
    std::fs::write(&plain_file, plain).unwrap();
    let config = app.dir.path().join("attest.toml");
    std::fs::write(
        &config,
        format!(
            "public_base_url = \"{}\"\ndatabase_url = \"{}\"\nkeys_dir = \"{}\"\n",
            app.base,
            app.database_url(),
            app.dir.path().join("keys").display(),
        ),
    )
    .unwrap();
    let run = |file: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_attest"))
            .arg("--config")
            .arg(&config)
            .arg("verify")
            .arg(file)
            .env_remove("ATTEST_CONFIG")
            .env_remove("ATTEST_DATABASE_URL")
            .env_remove("ATTEST_KEYS_DIR")
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let out = run(&baked_file);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Zoë Ångström"), "{stdout}");
    let out = run(&plain_file);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an image without a credential is unreadable input"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("no Open Badges credential"));
}
