//! What the real binary writes to its log (stderr) at TRACE level, while it issues, refuses
//! bad tokens, creates tokens and rotates keys: never a bearer token, never private key
//! material (PEM or raw, in any usual encoding), never a candidate's email address. And each
//! request is one line carrying its request id, in JSON and in the default human format.

use crate::common;

use base64::Engine;
use common::exam;
use common::process::{Server, cli, create_token, http};
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::DecodePrivateKey;
use serde_json::{Value, json};
use std::path::Path;

const TRACE_JSON: &[(&str, &str)] = &[("RUST_LOG", "trace"), ("ATTEST_LOG_FORMAT", "json")];

fn exam_with_email(attempt: &str, candidate: &str, email: &str, score: u32) -> Value {
    let mut body = exam(attempt, "mlops-foundation", candidate, score);
    body["candidate"]["email"] = json!(email);
    body
}

/// Every form in which a private key could leak: the PEM, its lines, the raw 32-byte seed in
/// hex, base64, base64url, base58 and Rust's `Debug` of the byte array.
fn key_material(keys_dir: &Path) -> Vec<String> {
    let mut secrets = Vec::new();
    for entry in std::fs::read_dir(keys_dir).expect("keys dir") {
        let pem = std::fs::read_to_string(entry.expect("entry").path()).expect("pem");
        let seed = SigningKey::from_pkcs8_pem(&pem)
            .expect("PKCS#8 Ed25519")
            .to_bytes();
        let hex: String = seed.iter().map(|b| format!("{b:02x}")).collect();
        secrets.extend(
            pem.lines()
                .filter(|l| !l.starts_with("-----") && l.len() >= 16)
                .map(String::from),
        );
        secrets.push(hex.to_uppercase());
        secrets.push(hex);
        secrets.push(base64::engine::general_purpose::STANDARD_NO_PAD.encode(seed));
        secrets.push(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(seed));
        secrets.push(bs58::encode(seed).into_string());
        secrets.push(format!("{:?}", &seed[..8]).trim_end_matches(']').to_owned());
    }
    assert!(
        secrets.len() >= 2 * 7,
        "two keys (first run and rotation) were read"
    );
    secrets
}

#[tokio::test]
async fn no_token_key_or_email_is_logged_even_at_trace() {
    let dir = tempfile::tempdir().expect("dir");
    let dir = dir.path();
    let mut logs: Vec<String> = Vec::new();
    let mut keep = |out: &std::process::Output| {
        logs.extend(
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .map(String::from),
        )
    };
    let (issuer, out) = create_token(dir, TRACE_JSON, "issuer", "platform");
    keep(&out);
    let (admin, out) = create_token(dir, TRACE_JSON, "admin", "ops");
    keep(&out);

    let mut server = Server::start(dir, TRACE_JSON);
    let http = http();
    let emails = [
        "zoe.single@example.org",
        "amir.batch@example.org",
        "li.batch@example.org",
        "below.pass@example.org",
        "not-an-email@",
        "wrong.token@example.org",
    ];
    let res = http
        .post(server.url("/api/v1/exam-results"))
        .bearer_auth(&issuer)
        .json(&exam_with_email("LOG-1", "cand-l1", emails[0], 812))
        .send()
        .await
        .expect("issue");
    assert_eq!(res.status(), 201);
    let request_id = res.headers()["x-request-id"]
        .to_str()
        .expect("id")
        .to_owned();
    let id = res.json::<Value>().await.expect("json")["credential_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let batch = json!([
        exam_with_email("LOG-2", "cand-l2", emails[1], 800),
        exam_with_email("LOG-3", "cand-l3", emails[2], 900),
        exam_with_email("LOG-4", "cand-l4", emails[3], 100),
        exam_with_email("LOG-5", "cand-l5", emails[4], 800)
    ]);
    let res = http
        .post(server.url("/api/v1/exam-results/batch"))
        .bearer_auth(&issuer)
        .json(&batch)
        .send()
        .await
        .expect("batch");
    assert_eq!(res.status(), 200);
    let forged = "att_AAAAAAAAAAAA_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA";
    let res = http
        .post(server.url("/api/v1/exam-results"))
        .bearer_auth(forged)
        .json(&exam_with_email("LOG-6", "cand-l6", emails[5], 800))
        .send()
        .await
        .expect("forged");
    assert_eq!(res.status(), 401);
    let res = http
        .get(server.url("/api/v1/audit"))
        .bearer_auth(&issuer)
        .send()
        .await
        .expect("wrong role");
    assert_eq!(res.status(), 403);
    let res = http
        .post(server.url(&format!("/api/v1/credentials/{id}/suspend")))
        .bearer_auth(&admin)
        .json(&json!({"reason": "review"}))
        .send()
        .await
        .expect("suspend");
    assert_eq!(res.status(), 200);

    // Rotate and make a token while the server runs; the server then signs with the new key.
    let out = cli(dir, TRACE_JSON, &["keys", "rotate"]);
    keep(&out);
    let (late, out) = create_token(dir, TRACE_JSON, "issuer", "late");
    keep(&out);
    let res = http
        .post(server.url("/api/v1/exam-results"))
        .bearer_auth(&late)
        .json(&exam_with_email(
            "LOG-7",
            "cand-l7",
            "after.rotation@example.org",
            812,
        ))
        .send()
        .await
        .expect("issue");
    assert_eq!(res.status(), 201);
    for path in [
        "/readyz",
        "/metrics",
        "/status/revocation-1",
        &format!("/credentials/{id}"),
    ] {
        assert_eq!(
            http.get(server.url(path))
                .send()
                .await
                .expect(path)
                .status(),
            200,
            "{path}"
        );
    }
    server.sigterm();
    assert_eq!(server.wait().code(), Some(0));
    let served = server.stderr();
    logs.extend(served.iter().cloned());

    let traced = served
        .iter()
        .filter(|l| l.contains("\"level\":\"TRACE\"") || l.contains("\"level\":\"DEBUG\""))
        .count();
    assert!(traced > 0, "the run really logged below INFO");
    let mut secrets: Vec<String> = [&issuer, &admin, &late]
        .iter()
        .flat_map(|t| {
            [
                t.to_string(),
                t.splitn(3, '_')
                    .nth(2)
                    .expect("att_<id>_<secret>")
                    .to_owned(),
            ]
        })
        .collect();
    secrets.push(forged.to_owned());
    secrets.extend(emails.iter().map(|e| e.to_string()));
    secrets.push("after.rotation@example.org".into());
    secrets.push("@example.org".into());
    secrets.push("PRIVATE KEY".into());
    secrets.extend(key_material(&dir.join("keys")));
    for secret in &secrets {
        assert!(secret.len() >= 8, "`{secret}` is too short to look for");
        if let Some(line) = logs.iter().find(|l| l.contains(secret.as_str())) {
            panic!("`{secret}` was logged:\n{line}");
        }
    }

    let request_lines: Vec<Value> = served
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| {
            v["fields"]["message"] == "request" && v["span"]["request_id"] == request_id.as_str()
        })
        .collect();
    assert_eq!(
        request_lines.len(),
        1,
        "one line for the request {request_id}"
    );
    let fields = &request_lines[0]["fields"];
    assert_eq!(fields["method"], "POST");
    assert_eq!(fields["route"], "/api/v1/exam-results");
    assert_eq!(fields["status"], 201);
    assert!(fields["latency_ms"].as_f64().is_some_and(|ms| ms >= 0.0));
    assert_eq!(request_lines[0]["level"], "INFO");
}

#[tokio::test]
async fn the_default_format_is_one_human_line_per_request() {
    let dir = tempfile::tempdir().expect("dir");
    let mut server = Server::start(dir.path(), &[]);
    let http = http();
    let res = http
        .get(server.url("/credentials/00000000-0000-4000-8000-000000000000"))
        .header("x-request-id", "req-7f3a")
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 404);
    assert_eq!(
        res.headers()["x-request-id"],
        "req-7f3a",
        "the request id is returned"
    );
    server.sigterm();
    assert_eq!(server.wait().code(), Some(0));
    let lines: Vec<String> = server
        .stderr()
        .into_iter()
        .filter(|l| l.contains("req-7f3a"))
        .collect();
    assert_eq!(lines.len(), 1, "{lines:#?}");
    let line = &lines[0];
    assert!(
        !line.starts_with('{') && !line.contains('\u{1b}'),
        "plain text without colours: {line}"
    );
    for part in [
        "INFO",
        "request_id=req-7f3a",
        "method=GET",
        "route=/credentials/{id}",
        "status=404",
        "latency_ms=",
    ] {
        assert!(line.contains(part), "`{part}` missing from {line}");
    }
    assert!(
        !line.contains("00000000-0000-4000"),
        "the raw path is not logged: {line}"
    );
}
