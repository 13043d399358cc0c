//! SIGTERM while a 1,000-result batch is being issued, against the real binary: the process
//! exits 0, and the database holds the whole batch or none of it, every committed credential
//! verifying independently (eddsa-jcs-2022 by serde_jcs + ed25519-dalek, key from the DID
//! document the server published) and the audit chain intact.

use crate::common;

use common::exam;
use common::independent::{key_from_did_document, verify_proof};
use common::process::{Server, cli, create_token, http};
use serde_json::Value;
use sqlx::Row;
use std::path::Path;

const BATCH: usize = 1000;

/// Polls `/metrics` until the batch request is being handled (or has already been answered).
async fn wait_until_batch_in_flight(
    http: &reqwest::Client,
    server: &Server,
    answered: &tokio::task::JoinHandle<Result<(u16, Value), String>>,
) {
    let gauge = "attest_http_requests_in_flight{route=\"/api/v1/exam-results/batch\"} 1";
    loop {
        if answered.is_finished() {
            eprintln!("note: the batch was answered before SIGTERM could be sent during it");
            return;
        }
        let text = http
            .get(server.url("/metrics"))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text");
        if text.lines().any(|l| l == gauge) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

/// Starts a server, sends the batch, SIGTERMs it mid-batch; returns the batch answer (or the
/// transport error), the exit status, and the DID document fetched before the signal.
async fn sigterm_during_batch(
    dir: &Path,
    grace_seconds: &str,
) -> (
    Result<(u16, Value), String>,
    std::process::ExitStatus,
    Value,
) {
    let (token, _) = create_token(dir, &[], "issuer", "x");
    let mut server = Server::start(dir, &[("ATTEST_SHUTDOWN_GRACE_SECONDS", grace_seconds)]);
    let http = http();
    let did: Value = http
        .get(server.url("/.well-known/did.json"))
        .send()
        .await
        .expect("did")
        .json()
        .await
        .expect("did json");
    let items: Vec<Value> = (0..BATCH)
        .map(|i| {
            exam(
                &format!("SIG-{i:04}"),
                "mlops-foundation",
                &format!("cand-sig-{i}"),
                800,
            )
        })
        .collect();
    let request = http
        .post(server.url("/api/v1/exam-results/batch"))
        .bearer_auth(&token)
        .json(&items);
    let answered = tokio::spawn(async move {
        let res = request.send().await.map_err(|e| e.to_string())?;
        let status = res.status().as_u16();
        let body = res.json::<Value>().await.map_err(|e| e.to_string())?;
        Ok((status, body))
    });
    wait_until_batch_in_flight(&http, &server, &answered).await;
    server.sigterm();
    let answer = answered.await.expect("join");
    let status = tokio::task::spawn_blocking(move || server.wait())
        .await
        .expect("join");
    (answer, status, did)
}

/// Whole batch or nothing; every committed credential verifies; the audit chain holds.
async fn assert_consistent(dir: &Path, did: &Value) -> usize {
    let url = format!("sqlite://{}", dir.join("attest.db").display());
    let pool = sqlx::SqlitePool::connect(&url)
        .await
        .expect("open the database");
    let credentials = sqlx::query("SELECT json FROM credentials WHERE attempt_id LIKE 'SIG-%'")
        .fetch_all(&pool)
        .await
        .expect("credentials");
    let attempts: i64 =
        sqlx::query_scalar("SELECT count(*) FROM exam_attempts WHERE attempt_id LIKE 'SIG-%'")
            .fetch_one(&pool)
            .await
            .expect("attempts");
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'credential.issue'")
            .fetch_one(&pool)
            .await
            .expect("audit");
    pool.close().await;
    let committed = credentials.len();
    assert!(
        committed == 0 || committed == BATCH,
        "a batch is all or nothing, found {committed} of {BATCH}"
    );
    assert_eq!(
        attempts as usize, committed,
        "attempts and credentials commit together"
    );
    assert_eq!(audited as usize, committed, "and their audit entries");
    for row in &credentials {
        let credential: Value =
            serde_json::from_str(&row.get::<String, _>("json")).expect("stored JSON");
        let vm = credential["proof"]["verificationMethod"]
            .as_str()
            .expect("verificationMethod");
        verify_proof(&credential, &key_from_did_document(did, vm))
            .expect("committed credential verifies");
    }
    let audit = cli(dir, &[], &["audit", "verify"]);
    assert!(String::from_utf8_lossy(&audit.stdout).contains("audit trail intact"));
    committed
}

#[tokio::test]
async fn sigterm_lets_the_batch_in_flight_finish_then_exits_zero() {
    let dir = tempfile::tempdir().expect("dir");
    let (answer, status, did) = sigterm_during_batch(dir.path(), "600").await;
    assert_eq!(status.code(), Some(0), "exit status {status:?}");
    let (code, body) = answer.expect("the in-flight batch is answered before the server exits");
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["summary"]["issued"], BATCH);
    assert_eq!(assert_consistent(dir.path(), &did).await, BATCH);
}

#[tokio::test]
async fn sigterm_with_no_grace_abandons_the_batch_whole_and_exits_zero() {
    let dir = tempfile::tempdir().expect("dir");
    let (answer, status, did) = sigterm_during_batch(dir.path(), "0").await;
    assert_eq!(status.code(), Some(0), "exit status {status:?}");
    let committed = assert_consistent(dir.path(), &did).await;
    // Without an answer the batch may have rolled back, or committed just before the exit.
    match answer {
        Ok((200, _)) => assert_eq!(committed, BATCH, "answered, so committed"),
        Ok((code, body)) => panic!("unexpected answer {code}: {body}"),
        Err(e) => eprintln!("batch abandoned ({e}); {committed} committed"),
    }
}
