//! `attest backup FILE` (the real CLI) taken while the server keeps issuing: the copy holds
//! everything committed before it started, whole batches only, and restored beside the same
//! `keys/` directory it serves every credential it contains, byte for byte, with proofs that
//! verify independently and an intact audit chain.

use crate::common;

use attest::service::Role;
use common::independent::{key_from_did_document, verify_jwt, verify_proof};
use common::process::cli;
use common::{T0, TestApp, exam};
use serde_json::Value;
use sqlx::Row;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::watch;

const BATCH: usize = 40;

/// Issues batches (long write transactions) until told to stop; publishes how many
/// credentials have been committed.
fn spawn_writer(
    app: &TestApp,
    token: String,
    committed: watch::Sender<usize>,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<usize> {
    let (http, url) = (app.http.clone(), app.url("/api/v1/exam-results/batch"));
    tokio::spawn(async move {
        let mut batches = 0;
        while !stop.load(Ordering::SeqCst) {
            let items: Vec<Value> = (0..BATCH)
                .map(|j| {
                    exam(
                        &format!("BK-{batches}-{j}"),
                        "mlops-foundation",
                        &format!("cand-{batches}-{j}"),
                        800,
                    )
                })
                .collect();
            let res = http
                .post(&url)
                .bearer_auth(&token)
                .json(&items)
                .send()
                .await
                .expect("batch");
            assert_eq!(res.status(), 200);
            batches += 1;
            committed.send_replace(batches * BATCH);
        }
        batches
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_during_writes_restores_to_a_server_that_serves_all_it_holds() {
    if common::engine() != "sqlite" {
        eprintln!("skipped: `attest backup` copies SQLite; PostgreSQL deployments use pg_dump");
        return;
    }
    let app = TestApp::spawn().await;
    let token = app.token(Role::Issuer).await;
    let (committed_tx, mut committed) = watch::channel(0);
    let stop = Arc::new(AtomicBool::new(false));
    let writer = spawn_writer(&app, token, committed_tx, stop.clone());
    committed
        .wait_for(|n| *n >= 2 * BATCH)
        .await
        .expect("writer running");

    let copies = tempfile::tempdir().expect("dir");
    let file = copies.path().join("attest-backup.db");
    let before = *committed.borrow();
    let (dir, file_arg) = (app.dir.path().to_owned(), file.display().to_string());
    let out = tokio::task::spawn_blocking(move || cli(&dir, &[], &["backup", &file_arg]))
        .await
        .expect("join");
    assert!(String::from_utf8_lossy(&out.stdout).contains("backup written"));
    let after = *committed.borrow();
    committed
        .wait_for(|n| *n >= after + BATCH)
        .await
        .expect("writer running");
    stop.store(true, Ordering::SeqCst);
    let batches = writer.await.expect("writer");

    // Restore: the copy becomes the database of a new server with the same keys and URL.
    let restored_dir = tempfile::tempdir().expect("dir");
    std::fs::copy(&file, restored_dir.path().join("attest.db")).expect("restore");
    let keys = app.dir.path().join("keys").display().to_string();
    let restored = TestApp::spawn_in(
        restored_dir,
        &[
            ("ATTEST_KEYS_DIR", &keys),
            ("ATTEST_PUBLIC_BASE_URL", &app.base),
        ],
        attest::clock::FixedClock::new(T0),
    )
    .await;

    let url = format!(
        "sqlite://{}",
        restored.dir.path().join("attest.db").display()
    );
    let pool = sqlx::SqlitePool::connect(&url)
        .await
        .expect("open the copy");
    let rows = sqlx::query("SELECT credential_id, attempt_id FROM credentials")
        .fetch_all(&pool)
        .await
        .expect("credentials");
    pool.close().await;
    let held = rows.len();
    eprintln!(
        "backup holds {held}: {before} committed before it began, {after} when it ended, {} in all",
        batches * BATCH
    );
    assert!(
        held >= before,
        "everything committed before the backup is in it ({held} < {before})"
    );
    assert!(
        held < batches * BATCH,
        "writes after the backup are not ({held} of {})",
        batches * BATCH
    );
    let mut per_batch: HashMap<String, usize> = HashMap::new();
    for row in &rows {
        let attempt: String = row.get("attempt_id");
        let batch = attempt.rsplit_once('-').expect("BK-b-j").0.to_owned();
        *per_batch.entry(batch).or_default() += 1;
    }
    assert!(
        per_batch.values().all(|n| *n == BATCH),
        "whole batches only: {per_batch:?}"
    );

    let (_, did) = restored.get_json("/.well-known/did.json").await;
    let (_, jwks) = restored.get_json("/.well-known/jwks.json").await;
    for row in &rows {
        let id: String = row.get("credential_id");
        let path = format!("/credentials/{id}");
        let (status, text, _) = restored.get_text(&path, "application/vc+ld+json").await;
        assert_eq!(status, 200, "{id} is served from the restored copy");
        assert_eq!(
            text,
            app.get_text(&path, "application/vc+ld+json").await.1,
            "{id} byte for byte"
        );
        let credential: Value = serde_json::from_str(&text).expect("json");
        let key = key_from_did_document(
            &did,
            credential["proof"]["verificationMethod"]
                .as_str()
                .expect("vm"),
        );
        verify_proof(&credential, &key).expect("proof verifies against the restored DID document");
        let (status, jwt, _) = restored.get_text(&path, "application/vc+jwt").await;
        assert_eq!(status, 200);
        verify_jwt(&jwt, &jwks).expect("JWT verifies against the restored JWKS");
    }
    let audit = cli(
        restored.dir.path(),
        &[("ATTEST_KEYS_DIR", &keys)],
        &["audit", "verify"],
    );
    assert!(String::from_utf8_lossy(&audit.stdout).contains("audit trail intact"));
}
