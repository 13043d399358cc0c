//! Retries are recognized by what they mean (issue 15 §4): an exam result serialized
//! differently — an explicit default, `.000Z`, `"sections": []`, a trailing space in a name —
//! is the same attempt; a real difference is still `409 attempt_conflict`, naming the field.

use crate::common;

use attest::service::Role;
use common::TestApp;
use serde_json::{Value, json};

fn original() -> Value {
    json!({
        "attempt_id": "IDEM-1", "achievement": "mlops-foundation",
        "candidate": {"id": "cand-idem", "name": "Zoë Ångström", "email": "zoe@example.com"},
        "exam": {"version": "2026.1", "completed_at": "2026-11-20T14:03:00Z", "proctored": true,
                 "score": 812, "max_score": 1000}
    })
}

#[tokio::test]
async fn a_retry_that_means_the_same_is_a_repeat_and_a_real_difference_names_its_field() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Issuer).await;
    let (status, first) = app
        .post("/api/v1/exam-results", Some(&token), &original())
        .await;
    assert_eq!(status, 201, "{first}");

    let same = json!({
        "on_missing_prerequisites": "reject",
        "exam": {"sections": [], "max_score": 1000, "score": 812, "proctored": true,
                 "completed_at": "2026-11-20T15:03:00.000+01:00", "version": "2026.1"},
        "candidate": {"email": "zoe@example.com", "name": "Zoë Ångström ", "id": "cand-idem"},
        "achievement": "mlops-foundation", "attempt_id": "IDEM-1"
    });
    let (status, again) = app.post("/api/v1/exam-results", Some(&token), &same).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["credential_id"], first["credential_id"]);
    assert_eq!(again["repeat"], true);

    for (path, value, field) in [
        ("/exam/score", json!(813), "exam.score"),
        (
            "/exam/completed_at",
            json!("2026-11-20T14:03:01Z"),
            "exam.completed_at",
        ),
        ("/candidate/name", json!("Zoe Angstrom"), "candidate.name"),
        (
            "/candidate/email",
            json!("other@example.com"),
            "candidate.email",
        ),
    ] {
        let mut changed = original();
        *changed.pointer_mut(path).expect("field") = value;
        let (status, problem) = app
            .post("/api/v1/exam-results", Some(&token), &changed)
            .await;
        assert_eq!(status, 409, "{path}: {problem}");
        assert_eq!(problem["code"], "attempt_conflict");
        assert_eq!(problem["field"], field, "{problem}");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap_or_default()
                .contains(field),
            "{problem}"
        );
    }
}

/// The same in a batch, where retries of whole batches are the common case.
#[tokio::test]
async fn a_batch_retried_with_another_serialization_repeats_every_item() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Issuer).await;
    let (status, first) = app
        .post(
            "/api/v1/exam-results/batch",
            Some(&token),
            &json!([original()]),
        )
        .await;
    assert_eq!(status, 200, "{first}");
    let mut retry = original();
    retry["exam"]["completed_at"] = json!("2026-11-20T14:03:00.000Z");
    retry["exam"]["sections"] = json!([]);
    let (status, again) = app
        .post("/api/v1/exam-results/batch", Some(&token), &json!([retry]))
        .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["summary"]["repeated"], 1, "{again}");
}
