//! Test harness: the real server on 127.0.0.1:0 with a fresh database and key directory per
//! test, a clock the test controls, and an HTTP client. Independent checks of what the server
//! signs live in `independent.rs` (they share no code with the signer).
//!
//! The engine is chosen once for the whole suite: a SQLite file in the test's directory, or,
//! when `TEST_DATABASE_URL` is set, a PostgreSQL database of the test's own (`pg.rs`). Every
//! test written against [`TestApp`] therefore runs on both (`.ci/run` runs the suite twice).

#![allow(dead_code)]

pub mod deployment;
pub mod independent;
pub mod keys;
pub mod pg;
pub mod process;

use attest::clock::FixedClock;
use attest::config::Config;
use attest::service::{Actor, Context, Role, tokens};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use tempfile::TempDir;
use time::macros::datetime;

pub const T0: time::OffsetDateTime = datetime!(2026-11-20 15:00:00 UTC);

pub struct TestApp {
    pub base: String,
    pub ctx: Arc<Context>,
    pub clock: FixedClock,
    pub http: reqwest::Client,
    pub dir: TempDir,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    /// Last, so it is dropped after the server was told to stop.
    database: Option<pg::TestDatabase>,
}

/// The engine `TestApp` runs on in this test process.
pub fn engine() -> &'static str {
    if pg::test_database_url().is_some() {
        "postgres"
    } else {
        "sqlite"
    }
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(&[]).await
    }

    /// Starts a server; `overrides` are extra `ATTEST_*` settings.
    pub async fn spawn_with(overrides: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        Self::spawn_in(dir, overrides, FixedClock::new(T0)).await
    }

    /// Starts (or restarts) a server on an existing directory.
    pub async fn spawn_in(dir: TempDir, overrides: &[(&str, &str)], clock: FixedClock) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let base = format!("http://{addr}");
        let own_database = overrides.iter().any(|(k, _)| *k == "ATTEST_DATABASE_URL");
        let database = match pg::test_database_url() {
            Some(_) if !own_database => Some(pg::TestDatabase::for_dir(dir.path()).await),
            _ => None,
        };
        let database_url = match &database {
            Some(db) => db.url.clone(),
            None => format!("sqlite://{}", dir.path().join("attest.db").display()),
        };
        let mut env: HashMap<String, String> = HashMap::from([
            ("ATTEST_DATABASE_URL".into(), database_url),
            (
                "ATTEST_KEYS_DIR".into(),
                dir.path().join("keys").display().to_string(),
            ),
            ("ATTEST_PUBLIC_BASE_URL".into(), base.clone()),
            ("ATTEST_LISTEN".into(), addr.to_string()),
            // Tests send bursts from one address; tests/api/limits.rs turns limits on.
            ("ATTEST_RATE_LIMIT_PER_MINUTE".into(), "0".into()),
        ]);
        for (k, v) in overrides {
            env.insert((*k).into(), (*v).into());
        }
        let config = Config::load(&dir.path().join("attest.toml"), false, |k| {
            env.get(k).cloned()
        })
        .expect("config")
        .config;
        let (ctx, _) = Context::open(config, Arc::new(clock.clone()))
            .await
            .expect("context");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(attest::app::serve(listener, ctx.clone(), async move {
            let _ = rx.await;
        }))
        .map_into();
        Self {
            base,
            ctx,
            clock,
            http: reqwest::Client::new(),
            dir,
            shutdown: Some(tx),
            server: Some(server),
            database,
        }
    }

    /// Stops the server and hands back its directory (for restart tests).
    pub async fn stop(mut self) -> (TempDir, FixedClock) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
        // The directory records its database; a server started on it again reopens it.
        if let Some(database) = self.database.take() {
            database.keep();
        }
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().expect("temp"));
        (dir, self.clock.clone())
    }

    pub async fn token(&self, role: Role) -> String {
        let name = format!("{}-{}", role.as_str(), uuid::Uuid::new_v4());
        tokens::create(&self.ctx, &Actor::cli(), &name, role)
            .await
            .expect("token")
            .token
    }

    /// The database this server uses (SQLite file or per-test PostgreSQL database).
    pub fn database_url(&self) -> String {
        self.ctx.config.database_url.clone()
    }

    /// Runs one statement directly on the server's database, bypassing the application (for
    /// tests that tamper with stored data). `$1`… placeholders, text arguments.
    pub async fn raw_execute(&self, sql: &str, args: &[&str]) {
        let url = self.database_url();
        if url.starts_with("sqlite:") {
            let pool = sqlx::SqlitePool::connect(&url).await.expect("sqlite");
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()));
            for a in args {
                q = q.bind(a.to_string());
            }
            q.execute(&pool).await.expect("statement");
        } else {
            let pool = sqlx::PgPool::connect(&url).await.expect("postgres");
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()));
            for a in args {
                q = q.bind(a.to_string());
            }
            q.execute(&pool).await.expect("statement");
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
        let mut req = self.http.post(self.url(path)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        let text = res.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// `GET path` with a bearer token, the body read as JSON.
    /// The employer's paste-or-upload form (`POST /verify`) with `text` in its `credential` field.
    pub async fn paste(&self, text: impl Into<String>) -> reqwest::Response {
        let form = reqwest::multipart::Form::new().text("credential", text.into());
        self.http
            .post(self.url("/verify"))
            .multipart(form)
            .send()
            .await
            .expect("POST /verify")
    }

    pub async fn get_json_as(&self, path: &str, token: &str) -> (u16, Value) {
        let res = self
            .http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request");
        let status = res.status().as_u16();
        (status, res.json().await.expect("a JSON body"))
    }

    /// An admin action: `POST /api/v1/credentials/{id}/{action}` with a reason.
    pub async fn act(&self, token: &str, id: &str, action: &str, reason: &str) -> (u16, Value) {
        let path = format!("/api/v1/credentials/{id}/{action}");
        self.post(&path, Some(token), &json!({ "reason": reason }))
            .await
    }

    pub async fn get_text(
        &self,
        path: &str,
        accept: &str,
    ) -> (u16, String, reqwest::header::HeaderMap) {
        let res = self
            .http
            .get(self.url(path))
            .header("accept", accept)
            .send()
            .await
            .expect("request");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        (status, res.text().await.expect("body"), headers)
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let (status, text, _) = self.get_text(path, "application/json").await;
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// Issues a passing result and returns the credential id.
    pub async fn issue(
        &self,
        token: &str,
        attempt: &str,
        achievement: &str,
        candidate: &str,
    ) -> String {
        let (status, body) = self
            .post(
                "/api/v1/exam-results",
                Some(token),
                &exam(attempt, achievement, candidate, 812),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body["credential_id"].as_str().expect("id").to_owned()
    }
}

trait MapInto {
    fn map_into(self) -> tokio::task::JoinHandle<()>;
}

impl MapInto for tokio::task::JoinHandle<std::io::Result<()>> {
    fn map_into(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let _ = self.await;
        })
    }
}

/// The named check of a verification verdict.
pub fn check<'a>(verdict: &'a Value, name: &str) -> &'a Value {
    verdict["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["check"] == name)
        .expect("that check")
}

pub fn exam(attempt: &str, achievement: &str, candidate: &str, score: u32) -> Value {
    json!({
        "attempt_id": attempt,
        "achievement": achievement,
        "candidate": {"id": candidate, "name": "Zoë Ångström", "email": "zoe@example.com"},
        "exam": {"version": "2026.1", "completed_at": "2026-11-20T14:03:00Z", "proctored": true,
                 "score": score, "max_score": 1000,
                 "sections": [{"name": "Hands-on lab: pipeline", "score": 85, "max_score": 100}]}
    })
}
