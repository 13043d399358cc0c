//! Personal data at rest (issue 15 §3): files created private, no plaintext email in the
//! stored requests, and erasure of a candidate that leaves verification intact.

use crate::common;

use attest::service::Role;
use common::{TestApp, exam};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::os::unix::fs::PermissionsExt;

/// One text column of every row `sql` returns (NULL as `None`), straight from the database.
async fn column(app: &TestApp, sql: &str) -> Vec<Option<String>> {
    let url = app.database_url();
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(&url).await.expect("sqlite");
        sqlx::query_scalar(sql)
            .fetch_all(&pool)
            .await
            .expect("query")
    } else {
        let pool = sqlx::PgPool::connect(&url).await.expect("postgres");
        sqlx::query_scalar(sql)
            .fetch_all(&pool)
            .await
            .expect("query")
    }
}

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path)
        .expect("exists")
        .permissions()
        .mode()
        & 0o777
}

#[tokio::test]
async fn database_config_and_backup_files_are_created_private() {
    let dir = tempfile::tempdir().expect("temp");
    let config = dir.path().join("etc/attest.toml");
    std::fs::create_dir_all(dir.path().join("etc")).expect("dir");
    let loaded = attest::config::Config::load(&config, true, |_| None).expect("config");
    assert!(loaded.created);
    assert_eq!(mode(&config), 0o600, "attest.toml");

    if common::engine() != "sqlite" {
        return;
    }
    let app = TestApp::spawn().await;
    let token = app.token(Role::Issuer).await;
    app.issue(&token, "PRIV-1", "mlops-foundation", "cand-p")
        .await;
    let db = app.dir.path().join("attest.db");
    for file in ["attest.db", "attest.db-wal", "attest.db-shm"] {
        assert_eq!(mode(&app.dir.path().join(file)), 0o600, "{file}");
    }
    let backup = app.dir.path().join("backups/copy.db");
    std::fs::create_dir_all(backup.parent().expect("parent")).expect("dir");
    app.ctx
        .store
        .backup(&backup.display().to_string())
        .await
        .expect("backup");
    assert_eq!(mode(&backup), 0o600, "backup");
    assert!(std::fs::metadata(&backup).expect("backup").len() > 0);
    let _ = db;
}

#[tokio::test]
async fn stored_requests_hold_no_email_and_a_held_result_keeps_it_only_while_pending() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Issuer).await;
    app.issue(&token, "PRIV-2", "mlops-foundation", "cand-q")
        .await;
    let mut held = exam("PRIV-3", "mlops-advanced", "cand-q", 812);
    held["on_missing_prerequisites"] = json!("hold");
    let (status, body) = app.post("/api/v1/exam-results", Some(&token), &held).await;
    assert_eq!(status, 202, "{body}");
    let bodies = column(&app, "SELECT body FROM exam_attempts").await;
    assert_eq!(bodies.len(), 2);
    for body in bodies.iter().flatten() {
        assert!(
            !body.contains("@example.com"),
            "plaintext email stored: {body}"
        );
    }
    let email_of = "SELECT candidate_email FROM exam_attempts WHERE attempt_id = 'PRIV-3'";
    assert_eq!(
        column(&app, email_of).await,
        vec![Some("zoe@example.com".to_owned())]
    );

    let (status, issued) = app
        .post(
            "/api/v1/exam-results",
            Some(&token),
            &exam("PRIV-4", "mlops-professional", "cand-q", 812),
        )
        .await;
    assert_eq!(status, 201, "{issued}");
    let released = issued["released"][0]
        .as_str()
        .expect("the held result was released")
        .to_owned();
    assert_eq!(column(&app, email_of).await, vec![None]);
    let (_, credential) = app.get_json(&format!("/credentials/{released}")).await;
    assert!(
        identity_matches(&credential, "zoe@example.com"),
        "{credential}"
    );
    for body in column(&app, "SELECT body FROM exam_attempts")
        .await
        .iter()
        .flatten()
    {
        assert!(
            !body.contains("@example.com"),
            "plaintext email stored: {body}"
        );
    }
}

/// The credential's identity hash still commits to the email it was issued for.
fn identity_matches(credential: &Value, email: &str) -> bool {
    let id = &credential["credentialSubject"]["identifier"][0];
    let salt = id["salt"].as_str().unwrap_or_default();
    let digest = Sha256::digest(format!("{email}{salt}").as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    id["identityHash"] == format!("sha256${hex}")
}

#[tokio::test]
async fn erasing_a_candidate_removes_personal_data_and_keeps_verification_working() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Issuer).await;
    let admin = app.token(Role::Admin).await;
    let kept = app
        .issue(&token, "ERASE-0", "mlops-foundation", "cand-keep")
        .await;
    let id = app
        .issue(&token, "ERASE-1", "mlops-foundation", "cand-erase")
        .await;
    let mut held = exam("ERASE-2", "mlops-advanced", "cand-erase", 900);
    held["on_missing_prerequisites"] = json!("hold");
    let (status, body) = app.post("/api/v1/exam-results", Some(&token), &held).await;
    assert_eq!(status, 202, "{body}");
    let (_, before) = app.get_json(&format!("/credentials/{id}")).await;

    let (status, denied) = app
        .post(
            "/api/v1/candidates/cand-erase/erase",
            Some(&token),
            &json!({"reason": "x"}),
        )
        .await;
    assert_eq!(status, 403, "{denied}");
    let (status, erased) = app
        .post(
            "/api/v1/candidates/cand-erase/erase",
            Some(&admin),
            &json!({"reason": "GDPR request #17"}),
        )
        .await;
    assert_eq!(status, 200, "{erased}");
    assert_eq!(
        (erased["attempts"].as_u64(), erased["credentials"].as_u64()),
        (Some(2), Some(1))
    );
    let (status, _) = app
        .post(
            "/api/v1/candidates/nobody/erase",
            Some(&admin),
            &json!({"reason": "x"}),
        )
        .await;
    assert_eq!(status, 404);

    // Gone from the store: names, emails, request bodies.
    let names = column(
        &app,
        "SELECT holder_name FROM credentials WHERE candidate_id = 'cand-erase'",
    )
    .await;
    assert_eq!(names, vec![Some(String::new())]);
    let bodies = column(
        &app,
        "SELECT body FROM exam_attempts WHERE candidate_id = 'cand-erase'",
    )
    .await;
    assert!(
        bodies.iter().all(|b| b.as_deref() == Some("{}")),
        "{bodies:?}"
    );
    let emails = column(
        &app,
        "SELECT candidate_email FROM exam_attempts WHERE candidate_id = 'cand-erase'",
    )
    .await;
    assert!(emails.iter().all(Option::is_none), "{emails:?}");
    let outcomes = column(
        &app,
        "SELECT outcome FROM exam_attempts WHERE attempt_id = 'ERASE-2'",
    )
    .await;
    assert_eq!(outcomes, vec![Some("cancelled".to_owned())]);
    // Others untouched.
    let other = column(
        &app,
        &format!("SELECT holder_name FROM credentials WHERE credential_id = '{kept}'"),
    )
    .await;
    assert_eq!(other, vec![Some("Zoë Ångström".to_owned())]);

    // Kept: the credential as signed, which verifies; its status; the audit chain.
    let (_, after) = app.get_json(&format!("/credentials/{id}")).await;
    assert_eq!(after, before);
    assert!(identity_matches(&after, "zoe@example.com"));
    let (status, verdict) = app
        .post(
            "/credentials/verify",
            None,
            &json!({"verifiableCredential": after}),
        )
        .await;
    assert_eq!(status, 200, "{verdict}");
    assert_eq!(verdict["verified"], true, "{verdict}");
    let (status, _) = app.act(&admin, &id, "revoke", "after erasure").await;
    assert_eq!(status, 200);
    let attest::service::audit::ChainCheck {
        checked: entries,
        broken: problem,
    } = attest::service::audit::verify_chain(&app.ctx.store)
        .await
        .expect("chain");
    assert!(problem.is_none(), "{problem:?}");
    let audit = app.ctx.store.audit(0, 1000).await.expect("audit");
    assert_eq!(audit.len() as u64, entries);
    let erasure = audit
        .iter()
        .find(|a| a.action == "candidate.erase")
        .expect("recorded");
    assert_eq!(erasure.reason.as_deref(), Some("GDPR request #17"));
    assert!(
        !erasure.detail.as_str().contains("@"),
        "{}",
        erasure.detail.as_str()
    );

    // A retry of an erased attempt cannot be matched any more: refused, never reissued.
    let (status, problem) = app
        .post(
            "/api/v1/exam-results",
            Some(&token),
            &exam("ERASE-1", "mlops-foundation", "cand-erase", 812),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (409, Some("attempt_erased")),
        "{problem}"
    );
}
