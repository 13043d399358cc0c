//! HTTP hardening through the real server (issue 14 §5): JSON endpoints refuse bodies not
//! labelled as JSON with 415 (RFC 9110 §15.5.16), and the HTML pages carry a script-free
//! Content Security Policy and the framing, sniffing and referrer headers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use attest::service::Role;
use base64::Engine;
use common::{TestApp, exam};
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

async fn send(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    content_type: Option<&str>,
    body: String,
) -> (u16, HeaderMap, Value) {
    let mut req = app.http.post(app.url(path)).body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(c) = content_type {
        req = req.header("content-type", c);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let text = res.text().await.unwrap();
    (
        status,
        headers,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

const NOT_JSON: [Option<&str>; 6] = [
    None,
    Some("text/plain"),
    Some("application/x-www-form-urlencoded"),
    Some("multipart/form-data; boundary=x"),
    Some("text/json"),
    Some("application/xml"),
];

#[tokio::test]
async fn json_endpoints_refuse_bodies_not_labelled_json_with_415() {
    let app = TestApp::spawn().await;
    let issuer = app.token(Role::Issuer).await;
    let admin = app.token(Role::Admin).await;
    let id = app
        .issue(&issuer, "EXM-H0", "mlops-foundation", "cand-h0")
        .await;
    let reason = json!({"reason": "test"}).to_string();
    let vc = json!({"credential": {
        "@context": ["https://www.w3.org/ns/credentials/v2",
                     "https://www.w3.org/ns/credentials/undefined-terms/v2"],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:holder", "name": "Ada"}}})
    .to_string();
    let cases: Vec<(String, &str, String)> = vec![
        (
            "/api/v1/exam-results".into(),
            issuer.as_str(),
            exam("EXM-H1", "mlops-foundation", "cand-h1", 812).to_string(),
        ),
        (
            "/api/v1/exam-results/batch".into(),
            issuer.as_str(),
            json!([exam("EXM-H2", "mlops-foundation", "cand-h2", 812)]).to_string(),
        ),
        ("/credentials/issue".into(), issuer.as_str(), vc.clone()),
        (
            format!("/api/v1/credentials/{id}/suspend"),
            admin.as_str(),
            reason.clone(),
        ),
        (
            format!("/api/v1/credentials/{id}/reinstate"),
            admin.as_str(),
            reason.clone(),
        ),
        (
            format!("/api/v1/credentials/{id}/revoke"),
            admin.as_str(),
            reason.clone(),
        ),
        (
            "/api/v1/exam-results/EXM-H9/cancel".into(),
            admin.as_str(),
            reason.clone(),
        ),
    ];
    for (path, token, body) in &cases {
        for content_type in NOT_JSON {
            let (status, headers, problem) =
                send(&app, path, Some(token), content_type, body.clone()).await;
            assert_eq!(
                (status, problem["code"].as_str()),
                (415, Some("unsupported_media_type")),
                "{path} {content_type:?}: {problem}"
            );
            assert_eq!(headers["content-type"], "application/problem+json");
        }
    }
    // Nothing was issued or changed by the refused requests.
    let (_, list) = app.get_json_as("/api/v1/credentials", &admin).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list["items"][0]["state"], "active", "{list}");

    // JSON under any JSON media type, with parameters and in any case, is read.
    let single = |n: &str| exam(n, "mlops-foundation", &format!("cand-{n}"), 812).to_string();
    for (n, content_type) in [
        ("EXM-J1", "application/json"),
        ("EXM-J2", "application/json; charset=utf-8"),
        ("EXM-J3", "Application/JSON;charset=UTF-8"),
        ("EXM-J4", "application/ld+json"),
    ] {
        let (status, _, body) = send(
            &app,
            "/api/v1/exam-results",
            Some(&issuer),
            Some(content_type),
            single(n),
        )
        .await;
        assert_eq!(status, 201, "{content_type}: {body}");
    }
    let (status, _, body) = send(
        &app,
        "/credentials/issue",
        Some(&issuer),
        Some("application/vc+ld+json"),
        vc,
    )
    .await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test]
async fn verify_keeps_json_and_compact_jwt_and_refuses_forms() {
    let app = TestApp::spawn().await;
    let issuer = app.token(Role::Issuer).await;
    let id = app
        .issue(&issuer, "EXM-HV", "mlops-foundation", "cand-hv")
        .await;
    let (_, credential) = app.get_json(&format!("/credentials/{id}")).await;
    let (_, jwt, _) = app
        .get_text(&format!("/credentials/{id}"), "application/vc+jwt")
        .await;
    let json_text = credential.to_string();
    for (content_type, body) in [
        (Some("application/json"), &json_text),
        (Some("application/json; charset=utf-8"), &json_text),
        (Some("application/vc+ld+json"), &json_text),
        (None, &json_text),
        (Some("application/vc+jwt"), &jwt),
        (Some("application/jwt"), &jwt),
        (Some("text/plain; charset=utf-8"), &jwt),
        (None, &jwt),
    ] {
        let (status, _, verdict) = send(
            &app,
            "/credentials/verify",
            None,
            content_type,
            body.clone(),
        )
        .await;
        assert_eq!(
            (status, verdict["verified"].as_bool()),
            (200, Some(true)),
            "{content_type:?}: {verdict}"
        );
    }
    for content_type in [
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
        "image/png",
    ] {
        let (status, _, problem) = send(
            &app,
            "/credentials/verify",
            None,
            Some(content_type),
            json_text.clone(),
        )
        .await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (415, Some("unsupported_media_type")),
            "{content_type}: {problem}"
        );
    }
    // The page's form still takes a multipart upload.
    let res = app.paste(jwt).await;
    assert_eq!(res.status(), 200);

    // The document declares the 415 where it can happen, and only there.
    let (_, doc) = app.get_json("/openapi.json").await;
    for (path, method) in [
        ("/api/v1/exam-results", "post"),
        ("/api/v1/exam-results/batch", "post"),
        ("/api/v1/exam-results/{attempt_id}/cancel", "post"),
        ("/api/v1/credentials/{id}/revoke", "post"),
        ("/credentials/issue", "post"),
        ("/credentials/verify", "post"),
    ] {
        assert!(
            doc["paths"][path][method]["responses"].get("415").is_some(),
            "{method} {path}"
        );
    }
    assert!(
        doc["paths"]["/verify"]["post"]["responses"]
            .get("415")
            .is_none()
    );
    assert!(
        doc["paths"]["/healthz"]["get"]["responses"]
            .get("415")
            .is_none()
    );
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
}

/// The `<style>` block a page carries, hashed as CSP `'sha256-…'` sources are.
fn style_source(html: &str) -> String {
    let start = html.find("<style>").expect("a <style> block") + "<style>".len();
    let end = start + html[start..].find("</style>").unwrap();
    let digest = Sha256::digest(&html.as_bytes()[start..end]);
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

fn assert_page_headers(what: &str, headers: &HeaderMap, html: &str) {
    let csp = header(headers, "content-security-policy");
    let directives: Vec<&str> = csp.split(';').map(str::trim).collect();
    for required in [
        "default-src 'none'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ] {
        assert!(directives.contains(&required), "{what}: {csp}");
    }
    // No script of any kind, and the one inline style allowed by its hash, not by
    // 'unsafe-inline': the policy matches what the page really carries.
    assert!(
        !csp.contains("script-src") && !csp.contains("unsafe"),
        "{what}: {csp}"
    );
    assert!(
        directives.contains(&format!("style-src {}", style_source(html)).as_str()),
        "{what}: {csp}"
    );
    assert!(!html.contains("<script"), "{what}");
    assert_eq!(header(headers, "x-frame-options"), "DENY", "{what}");
    assert_eq!(
        header(headers, "x-content-type-options"),
        "nosniff",
        "{what}"
    );
    assert_eq!(header(headers, "referrer-policy"), "no-referrer", "{what}");
}

#[tokio::test]
async fn html_pages_carry_a_script_free_csp_and_the_security_headers() {
    let app = TestApp::spawn().await;
    let issuer = app.token(Role::Issuer).await;
    let id = app
        .issue(&issuer, "EXM-HS", "mlops-foundation", "cand-hs")
        .await;
    for page in [format!("/v/{id}"), format!("/c/{id}"), "/verify".to_owned()] {
        let (status, html, headers) = app.get_text(&page, "text/html").await;
        assert_eq!(status, 200, "{page}");
        assert!(header(&headers, "content-type").starts_with("text/html"));
        assert_page_headers(&page, &headers, &html);
    }
    // The result of the paste-and-verify form, and its error page.
    let (_, jwt, _) = app
        .get_text(&format!("/credentials/{id}"), "application/vc+jwt")
        .await;
    for (input, expected) in [(jwt, 200), ("not a credential".to_owned(), 400)] {
        let res = app.paste(input).await;
        assert_eq!(res.status(), expected);
        let headers = res.headers().clone();
        assert_page_headers("POST /verify", &headers, &res.text().await.unwrap());
    }
    // Every other answer is at least not to be sniffed or to leak its URL.
    for path in [
        format!("/credentials/{id}"),
        "/healthz".to_owned(),
        "/no/such/thing".to_owned(),
    ] {
        let (_, _, headers) = app.get_text(&path, "application/json").await;
        assert_eq!(
            header(&headers, "x-content-type-options"),
            "nosniff",
            "{path}"
        );
        assert_eq!(header(&headers, "referrer-policy"), "no-referrer", "{path}");
        assert!(headers.get("content-security-policy").is_none(), "{path}");
    }
}
