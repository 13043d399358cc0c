//! `GET /metrics` after a known sequence of requests: counts per route template and status,
//! latency histograms, the domain counters (only committed changes), status-list publishes,
//! verification verdicts and pool gauges; and nothing personal or client-chosen in a label.
//! One test in this file: the recorder is process-wide, so the counts are exact.
//!
//! A test binary of its own (not a module of `tests/api/`): the recorder is installed once
//! per process, and any other test's requests in the same process would change the counts.

mod common;

use attest::service::Role;
use common::{TestApp, exam};
use serde_json::json;

/// The value of the sample `name{labels}` (exact match of the series text).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|l| {
        l.strip_prefix(series)
            .and_then(|rest| rest.strip_prefix(' '))
            .and_then(|v| v.trim().parse().ok())
    })
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_committed_changes_only() {
    let app = TestApp::spawn().await;
    let issuer = app.token(Role::Issuer).await;
    let admin = app.token(Role::Admin).await;
    let a = app
        .issue(&issuer, "M-1", "mlops-foundation", "cand-m1")
        .await;
    let b = app
        .issue(&issuer, "M-2", "mlops-foundation", "cand-m2")
        .await;
    let (status, _) = app
        .post(
            "/api/v1/exam-results",
            Some(&issuer),
            &exam("M-1", "mlops-foundation", "cand-m1", 812),
        )
        .await;
    assert_eq!(status, 200, "a repeat issues nothing");
    let (status, _) = app
        .post(
            "/api/v1/exam-results",
            Some(&issuer),
            &exam("M-3", "mlops-foundation", "cand-m3", 100),
        )
        .await;
    assert_eq!(status, 422, "below the pass mark issues nothing");
    let batch = json!([
        exam("M-4", "mlops-foundation", "cand-m4", 800),
        exam("M-5", "mlops-foundation", "cand-m5", 800),
        exam("M-6", "mlops-wizard", "cand-m6", 800)
    ]);
    let (status, body) = app
        .post("/api/v1/exam-results/batch", Some(&issuer), &batch)
        .await;
    assert_eq!((status, &body["summary"]["issued"]), (200, &json!(2)));
    for (id, action) in [
        (&a, "revoke"),
        (&b, "suspend"),
        (&b, "reinstate"),
        (&b, "reinstate"),
    ] {
        let (status, _) = app
            .post(
                &format!("/api/v1/credentials/{id}/{action}"),
                Some(&admin),
                &json!({"reason": "test"}),
            )
            .await;
        assert_eq!(status, 200);
    }
    let (status, _) = app.act(&admin, &a, "suspend", "test").await;
    assert_eq!(status, 409, "revoked is final: nothing changes");
    assert_eq!(app.get_json("/status/revocation-1").await.0, 200);
    assert_eq!(
        app.get_json("/status/revocation-1").await.0,
        200,
        "served from cache: no second publish"
    );
    assert_eq!(app.get_json(&format!("/credentials/{a}")).await.0, 200);
    assert_eq!(app.get_json(&format!("/credentials/{b}")).await.0, 200);
    app.get_text(&format!("/credentials/{a}.pdf"), "application/pdf")
        .await;
    assert_eq!(app.get_json("/no/such/page").await.0, 404);
    attest::metrics::verification("verified");
    attest::metrics::verification("failed");
    attest::metrics::verification("zoe@example.com");

    let res = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics");
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/plain; version=0.0.4")
    );
    let text = res.text().await.expect("text");

    let expect = [
        (
            "attest_http_requests_total{method=\"POST\",route=\"/api/v1/exam-results\",status=\"201\"}",
            2.0,
        ),
        (
            "attest_http_requests_total{method=\"POST\",route=\"/api/v1/exam-results\",status=\"200\"}",
            1.0,
        ),
        (
            "attest_http_requests_total{method=\"POST\",route=\"/api/v1/exam-results\",status=\"422\"}",
            1.0,
        ),
        (
            "attest_http_requests_total{method=\"POST\",route=\"/api/v1/exam-results/batch\",status=\"200\"}",
            1.0,
        ),
        (
            "attest_http_requests_total{method=\"POST\",route=\"/api/v1/credentials/{id}/reinstate\",status=\"200\"}",
            2.0,
        ),
        (
            "attest_http_requests_total{method=\"POST\",route=\"/api/v1/credentials/{id}/suspend\",status=\"409\"}",
            1.0,
        ),
        (
            "attest_http_requests_total{method=\"GET\",route=\"/credentials/{id}\",status=\"200\"}",
            2.0,
        ),
        (
            "attest_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"}",
            1.0,
        ),
        (
            "attest_http_request_duration_seconds_count{method=\"GET\",route=\"/credentials/{id}\",status=\"200\"}",
            2.0,
        ),
        (
            "attest_http_request_duration_seconds_bucket{method=\"GET\",route=\"/credentials/{id}\",status=\"200\",le=\"+Inf\"}",
            2.0,
        ),
        ("attest_http_requests_in_flight{route=\"/metrics\"}", 1.0),
        ("attest_credentials_issued_total", 4.0),
        ("attest_credentials_revoked_total", 1.0),
        ("attest_credentials_suspended_total", 1.0),
        ("attest_credentials_reinstated_total", 1.0),
        (
            "attest_status_list_publishes_total{purpose=\"revocation\"}",
            1.0,
        ),
        ("attest_verifications_total{outcome=\"verified\"}", 1.0),
        ("attest_verifications_total{outcome=\"failed\"}", 1.0),
        ("attest_verifications_total{outcome=\"other\"}", 1.0),
        // The pool size of the engine under test (SQLite 8, PostgreSQL 10 per instance).
        (
            "attest_db_pool_max_connections",
            if common::engine() == "sqlite" {
                8.0
            } else {
                10.0
            },
        ),
    ];
    for (series, value) in expect {
        assert_eq!(sample(&text, series), Some(value), "{series} in\n{text}");
    }
    assert!(sample(&text, "attest_db_pool_connections{state=\"idle\"}").is_some());
    assert!(sample(&text, "attest_db_pool_connections{state=\"in_use\"}").is_some());
    assert!(text.contains("# TYPE attest_http_request_duration_seconds histogram"));
    let pdf = "attest_http_requests_total{method=\"GET\",route=\"/credentials/{id}.pdf\",";
    assert!(
        text.lines().any(|l| l.starts_with(pdf)),
        "PDFs have their own route label"
    );
    for private in [
        a.as_str(),
        b.as_str(),
        "cand-m1",
        "M-1",
        "Zoë",
        "example.com",
        "Bearer",
        issuer.as_str(),
    ] {
        assert!(
            !text.contains(private),
            "`{private}` must not appear in metrics"
        );
    }
}
