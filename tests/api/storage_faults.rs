//! Storage that refuses writes (issue 15 §1): answered 503 `storage_unavailable` with
//! `Retry-After`, `/readyz` 503 while it lasts, and full recovery by itself afterwards (no
//! connection left inside a failed transaction, so no write keeps failing).
//!
//! SQLite: a real full disk, a tmpfs of 8 MiB mounted by the test (root only; skipped with a
//! message where mounting is impossible). PostgreSQL: the database made read-only and the
//! connections cut, which fails writes with SQLSTATE 25006 the way a read-only standby does.

use crate::common;

use attest::service::Role;
use common::{TestApp, exam};
use sqlx::Connection as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// A tmpfs of `size` at `dir`, unmounted on drop (lazily: the server may still hold files).
struct Tmpfs(PathBuf);

impl Tmpfs {
    /// `options` such as `size=8m` or `size=1m,ro`.
    fn mount(dir: &Path, options: &str) -> Option<Self> {
        std::fs::create_dir_all(dir).expect("mount point");
        let done = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("{options},mode=0700"),
                "tmpfs",
            ])
            .arg(dir)
            .output();
        match done {
            Ok(out) if out.status.success() => Some(Self(dir.to_owned())),
            Ok(out) => {
                eprintln!(
                    "SKIPPED: cannot mount a tmpfs ({}); run as root to test a full disk",
                    String::from_utf8_lossy(&out.stderr).trim()
                );
                None
            }
            Err(e) => {
                eprintln!("SKIPPED: cannot run mount ({e}); run as root to test a full disk");
                None
            }
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Writes zeros to `path` until the filesystem is full.
fn fill(path: &Path) {
    let mut file = std::fs::File::create(path).expect("filler");
    let chunk = vec![0u8; 16 * 1024];
    while file.write_all(&chunk).is_ok() {}
    let small = [0u8; 512];
    while file.write_all(&small).is_ok() {}
    let _ = file.sync_all();
}

async fn readyz(app: &TestApp) -> (u16, Option<String>) {
    let response = app
        .http
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("readyz");
    let retry = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap_or_default().to_owned());
    (response.status().as_u16(), retry)
}

/// Issues one passing result, returning the status, the body and `Retry-After`.
async fn issue(app: &TestApp, token: &str, attempt: &str) -> (u16, serde_json::Value, bool) {
    let response = app
        .http
        .post(app.url("/api/v1/exam-results"))
        .bearer_auth(token)
        .json(&exam(attempt, "mlops-foundation", attempt, 812))
        .send()
        .await
        .expect("response");
    let status = response.status().as_u16();
    let retry = response.headers().contains_key("retry-after");
    let body = response.json().await.unwrap_or_default();
    (status, body, retry)
}

/// Readiness comes back by itself within `limit` (the probe runs at most once a second).
async fn ready_within(app: &TestApp, limit: Duration) -> bool {
    let start = std::time::Instant::now();
    while start.elapsed() < limit {
        if readyz(app).await.0 == 200 {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_is_503_storage_unavailable_and_every_write_works_once_space_is_freed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mount = dir.path().join("small-disk");
    let Some(_tmpfs) = Tmpfs::mount(&mount, "size=8m") else {
        return;
    };
    let url = format!("sqlite://{}", mount.join("attest.db").display());
    let app = TestApp::spawn_in(
        dir,
        &[("ATTEST_DATABASE_URL", url.as_str())],
        attest::clock::FixedClock::new(common::T0),
    )
    .await;
    let token = app.token(Role::Issuer).await;
    let admin = app.token(Role::Admin).await;
    let before = app.issue(&token, "FULL-0", "mlops-foundation", "c0").await;
    assert_eq!(readyz(&app).await.0, 200);

    let filler = mount.join("filler");
    fill(&filler);
    let mut refused = 0;
    for i in 1..=400 {
        let (status, body, retry) = issue(&app, &token, &format!("FULL-{i}")).await;
        match status {
            201 => continue,
            503 => {
                assert_eq!(body["code"], "storage_unavailable", "{body}");
                assert!(retry, "503 without Retry-After");
                refused += 1;
                if refused == 8 {
                    break;
                }
            }
            other => panic!("a full disk answered {other}: {body}"),
        }
    }
    assert!(refused > 0, "the disk never filled up");
    let (status, retry) = readyz(&app).await;
    assert_eq!(status, 503, "ready while the disk is full");
    assert!(retry.is_some());
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(readyz(&app).await.0, 503, "the probe wrote on a full disk");
    // A small change may still fit in the space the WAL already holds; if not, it is the same
    // retryable 503, never a 500.
    let (status, revoke) = app.act(&admin, &before, "suspend", "disk full").await;
    assert!(
        status == 200 || (status == 503 && revoke["code"] == "storage_unavailable"),
        "status change on a full disk: {status} {revoke}"
    );

    std::fs::remove_file(&filler).expect("free space");
    for i in 0..40 {
        let (status, body, _) = issue(&app, &token, &format!("AFTER-{i}")).await;
        assert_eq!(status, 201, "write {i} after space was freed: {body}");
    }
    let (status, body) = app.act(&admin, &before, "revoke", "space is back").await;
    assert_eq!(status, 200, "{body}");
    assert!(
        ready_within(&app, Duration::from_secs(10)).await,
        "readiness did not come back by itself"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_postgres_is_503_storage_unavailable_and_recovers_by_itself() {
    if !common::pg::enabled(
        "a_read_only_postgres_is_503_storage_unavailable_and_recovers_by_itself",
    ) {
        return;
    }
    let app = TestApp::spawn().await;
    let token = app.token(Role::Issuer).await;
    app.issue(&token, "RO-0", "mlops-foundation", "c0").await;
    let set = |on: &str| {
        format!(
            "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET default_transaction_read_only = {on}', \
             current_database()); END $$"
        )
    };
    let cut = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
               WHERE datname = current_database() AND pid <> pg_backend_pid()";
    app.raw_execute(&set("on"), &[]).await;
    app.raw_execute(cut, &[]).await;
    let mut refused = false;
    for i in 1..=5 {
        let (status, body, retry) = issue(&app, &token, &format!("RO-{i}")).await;
        assert_eq!(status, 503, "{body}");
        assert!(retry);
        if body["code"] == "storage_unavailable" {
            refused = true;
            break;
        }
        // The first request may meet a connection cut by the test: database_unavailable.
        assert_eq!(body["code"], "database_unavailable", "{body}");
    }
    assert!(
        refused,
        "a read-only database was never storage_unavailable"
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        readyz(&app).await.0,
        503,
        "ready while the database is read-only"
    );

    // This session starts read-only too: it opts out first.
    let mut admin = sqlx::PgConnection::connect(&app.database_url())
        .await
        .expect("connect");
    for sql in [
        "SET default_transaction_read_only = off".to_owned(),
        set("off"),
        cut.to_owned(),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut admin)
            .await
            .expect("statement");
    }
    assert!(
        ready_within(&app, Duration::from_secs(10)).await,
        "readiness did not come back by itself"
    );
    for i in 0..10 {
        let (status, body, _) = issue(&app, &token, &format!("RW-{i}")).await;
        assert_eq!(
            status, 201,
            "write {i} after the database was writable again: {body}"
        );
    }
}

/// Start-up names the cause in plain words (issue 15 §1).
#[tokio::test]
async fn start_up_on_a_full_or_read_only_disk_says_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mount = dir.path().join("tiny-disk");
    let Some(_tmpfs) = Tmpfs::mount(&mount, "size=512k") else {
        return;
    };
    let read_only = dir.path().join("read-only-disk");
    let Some(_read_only) = Tmpfs::mount(&read_only, "size=512k,ro") else {
        return;
    };
    let open = |db: PathBuf| {
        let url = format!("sqlite://{}", db.display());
        let keys = dir.path().join("keys").display().to_string();
        let env = move |k: &str| match k {
            "ATTEST_DATABASE_URL" => Some(url.clone()),
            "ATTEST_KEYS_DIR" => Some(keys.clone()),
            _ => None,
        };
        let config = attest::config::Config::load(&dir.path().join("attest.toml"), false, env)
            .expect("config")
            .config;
        attest::service::Context::open(
            config,
            std::sync::Arc::new(attest::clock::FixedClock::new(common::T0)),
        )
    };
    fill(&mount.join("filler"));
    let full = open(mount.join("full.db"))
        .await
        .err()
        .expect("refused on a full disk");
    assert!(full.to_string().contains("disk full"), "{full}");

    let read_only = open(read_only.join("new.db"))
        .await
        .err()
        .expect("refused on a read-only disk");
    assert!(
        read_only.to_string().contains("read-only directory"),
        "{read_only}"
    );
}
