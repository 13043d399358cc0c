//! The OpenAPI document served by the running server: it is OpenAPI 3.1, it documents exactly
//! the operations the router serves (`attest::http::ROUTES`, each probed here on the server),
//! secures the token routes, shares one problem shape, and embeds the exam-result schema as
//! published. Schemathesis (`.ci/schemathesis.sh`) then tests the server against it; the
//! findings it made are pinned at the end.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use attest::http::ROUTES;
use attest::service::Role;
use common::TestApp;
use serde_json::Value;
use std::collections::BTreeSet;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

async fn document(app: &TestApp) -> Value {
    let res = app.http.get(app.url("/openapi.json")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/json");
    res.json().await.unwrap()
}

fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                ops.push((method.to_uppercase(), path.clone(), op));
            }
        }
    }
    ops
}

/// A concrete path for a template, with values each handler accepts the shape of.
fn concrete(template: &str) -> String {
    template
        .replace("{id}", "4f0c8a63-1f7e-4c43-9d0e-2b7a1c9e5d11")
        .replace("{attempt_id}", "EXM-2026-000123")
        .replace("{code}", "mlops-foundation")
        .replace("{list}", "revocation-1")
        .replace("{name}", "exam-result.schema.json")
}

#[tokio::test]
async fn every_route_is_documented_and_every_documented_operation_is_served() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    assert_eq!(doc["openapi"], "3.1.0");

    let documented: BTreeSet<(String, String)> = operations(&doc)
        .into_iter()
        .map(|(m, p, _)| (m, p))
        .collect();
    let served: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let unserved: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty(),
        "served but not documented: {undocumented:?}"
    );
    assert!(
        unserved.is_empty(),
        "documented but not in ROUTES: {unserved:?}"
    );

    // Each one reaches a handler: not the 404 fallback, not a 405.
    for (method, template) in ROUTES {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let res = app
            .http
            .request(method.clone(), app.url(&concrete(template)))
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let body = res.text().await.unwrap();
        assert_ne!(status, 405, "{method} {template}: {body}");
        assert!(
            !body.contains("resource not found"),
            "{method} {template} fell through to the fallback"
        );
    }
}

#[tokio::test]
async fn token_routes_need_bearer_and_errors_are_problems() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"],
        serde_json::json!({"type": "http", "scheme": "bearer",
            "description": "A token from `attest token create --role issuer|admin`"})
    );
    for (method, path, op) in operations(&doc) {
        let secured = path.starts_with("/api/v1/") || path == "/credentials/issue";
        let security = op.get("security").cloned().unwrap_or(Value::Null);
        if secured {
            assert_eq!(
                security,
                serde_json::json!([{"bearer": []}]),
                "{method} {path}"
            );
            for status in ["401", "403"] {
                assert!(
                    op["responses"].get(status).is_some(),
                    "{method} {path} {status}"
                );
            }
        } else {
            assert!(security.is_null(), "{method} {path} is public");
        }
        assert!(op["responses"].get("500").is_some(), "{method} {path}");
        for (status, response) in op["responses"].as_object().unwrap() {
            assert!(
                response.get("$ref").is_some() || response.get("description").is_some(),
                "{method} {path} {status}"
            );
        }
        assert!(op["summary"].is_string(), "{method} {path} has no summary");
    }
    let problem = &doc["components"]["schemas"]["Problem"];
    for field in ["type", "title", "status", "code", "detail"] {
        assert!(
            problem["required"]
                .as_array()
                .unwrap()
                .contains(&Value::from(field))
        );
    }
    assert_eq!(problem["additionalProperties"], true);
    let not_found = &doc["components"]["responses"]["NotFound"];
    assert_eq!(
        not_found["content"]["application/problem+json"]["schema"]["$ref"],
        "#/components/schemas/Problem"
    );
    assert_eq!(
        doc["components"]["responses"]["RateLimited"]["headers"]["Retry-After"]["required"],
        true
    );
    // Rate-limited public routes document their 429.
    assert!(
        doc["paths"]["/credentials/verify"]["post"]["responses"]
            .get("429")
            .is_some()
    );
    assert!(
        doc["paths"]["/healthz"]["get"]["responses"]
            .get("429")
            .is_none()
    );
}

#[tokio::test]
async fn the_exam_result_schema_is_the_published_one() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let (status, mut published) = app.get_json("/schemas/exam-result.schema.json").await;
    assert_eq!(status, 200);
    let published = published.as_object_mut().unwrap();
    published.remove("$schema");
    published.remove("$id");
    assert_eq!(
        doc["components"]["schemas"]["ExamResult"],
        Value::Object(published.clone())
    );
    assert_eq!(
        doc["paths"]["/api/v1/exam-results"]["post"]["requestBody"]["content"]["application/json"]
            ["schema"]["$ref"],
        "#/components/schemas/ExamResult"
    );
}

async fn assert_problem(res: reqwest::Response, status: u16, code: &str) {
    assert_eq!(res.status(), status);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], code, "{body}");
}

/// Answers schemathesis (or probing for it) found outside the document, now problems.
#[tokio::test]
async fn extractor_rejections_are_problems() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    // Path segments that do not decode to UTF-8 (axum answered text/plain).
    for path in ["/v/%FF", "/c/%FF", "/credentials/%FF", "/achievements/%C3"] {
        let res = app.http.get(app.url(path)).send().await.unwrap();
        assert_problem(res, 400, "invalid_path").await;
    }
    let res = app
        .http
        .post(app.url("/api/v1/exam-results/%FF/cancel"))
        .bearer_auth(&admin)
        .json(&serde_json::json!({"reason": "x"}))
        .send()
        .await
        .unwrap();
    assert_problem(res, 400, "invalid_path").await;
    // The verifier form posted without a multipart body (axum answered text/plain).
    let res = app.http.post(app.url("/verify")).send().await.unwrap();
    assert_problem(res, 400, "invalid_form").await;
}

/// The document says `reason` is 1 to 500 characters; revoke enforced it, cancel did not.
#[tokio::test]
async fn cancelling_needs_a_reason() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let res = app
        .http
        .post(app.url("/api/v1/exam-results/EXM-1/cancel"))
        .bearer_auth(&admin)
        .json(&serde_json::json!({"reason": "  "}))
        .send()
        .await
        .unwrap();
    assert_problem(res, 400, "invalid_reason").await;
}

/// The closed sets the document lists are derived from the code's own types: every value it
/// names is one the server reads back, and none is missing.
#[tokio::test]
async fn documented_enumerations_are_the_codes_own() {
    use attest::domain::status::CredentialState;
    use attest::service::verify::CheckKind;
    use attest::vc::proof::Cryptosuite;
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let values = |name: &str| -> Vec<String> {
        doc["components"]["schemas"][name]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} is an enumeration"))
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    };
    let checks = values("CheckName");
    assert_eq!(checks.len(), CheckKind::ALL.len());
    for name in &checks {
        assert_eq!(
            CheckKind::parse(name).map(|k| k.as_str()),
            Some(name.as_str())
        );
    }
    let states = values("CredentialState");
    assert_eq!(states, ["active", "suspended", "revoked"]);
    for name in &states {
        assert_eq!(
            CredentialState::parse(name).map(|s| s.as_str()),
            Some(name.as_str())
        );
    }
    let suites = values("Cryptosuite");
    assert_eq!(suites.len(), 2);
    for name in &suites {
        assert_eq!(Cryptosuite::parse(name).unwrap().name(), name);
    }
}
