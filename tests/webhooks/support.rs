//! The test receiver (`receiver.py`, the reference Standard Webhooks library for Python) as a
//! child process, and the settings that make delivery quick in tests.

#![allow(dead_code)]

use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::Duration;

/// Loopback receivers allowed, a quick poll, short backoff and timeout.
pub const FAST: &[(&str, &str)] = &[
    ("ATTEST_OUTBOUND_ALLOW", "127.0.0.0/8"),
    ("ATTEST_WEBHOOK_POLL_MS", "100"),
    ("ATTEST_WEBHOOK_BACKOFF_BASE_MS", "200"),
    ("ATTEST_WEBHOOK_BACKOFF_MAX_SECONDS", "1"),
    ("ATTEST_WEBHOOK_TIMEOUT_SECONDS", "2"),
];

pub fn with<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut all = FAST.to_vec();
    all.extend_from_slice(extra);
    all
}

/// The venv scripts/test makes (`ATTEST_WEBHOOK_PYTHON`, else its well-known place).
fn python() -> PathBuf {
    if let Ok(p) = std::env::var("ATTEST_WEBHOOK_PYTHON") {
        return PathBuf::from(p);
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    let p = target.join("webhook-receiver/bin/python");
    assert!(
        p.exists(),
        "{} is missing: run scripts/test once (it installs the pinned PyPI `standardwebhooks` \
         receiver from tests/webhooks/requirements.txt), or set ATTEST_WEBHOOK_PYTHON",
        p.display()
    );
    p
}

pub struct Receiver {
    child: Child,
    pub dir: tempfile::TempDir,
    pub port: u16,
}

impl Receiver {
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().expect("dir");
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/webhooks/receiver.py");
        let child = Command::new(python())
            .arg(&script)
            .arg(dir.path())
            .spawn()
            .expect("start receiver.py");
        // Owned first, so that Drop kills and reaps it whatever happens next.
        let mut rx = Self {
            child,
            dir,
            port: 0,
        };
        let port_file = rx.dir.path().join("port");
        for _ in 0..200 {
            if let Ok(text) = std::fs::read_to_string(&port_file) {
                rx.port = text.trim().parse().expect("port");
                return rx;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("receiver.py did not start");
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    pub fn set_secret(&self, secret: &str) {
        std::fs::write(self.dir.path().join("secret"), secret).expect("secret");
    }

    /// `ok`, `fail` (500) or `slow`.
    pub fn set_mode(&self, mode: &str) {
        std::fs::write(self.dir.path().join("mode"), mode).expect("mode");
    }

    /// Every request received so far, in order.
    pub fn log(&self) -> Vec<Value> {
        std::fs::read_to_string(self.dir.path().join("log.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("log line"))
            .collect()
    }

    /// Waits (up to 60 s) until `done` holds for the log, and returns it.
    pub async fn wait_for(&self, what: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        for _ in 0..600 {
            let log = self.log();
            if done(&log) {
                return log;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("timed out waiting for {what}; received: {:#?}", self.log());
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Accepted (200) deliveries of `kind`.
pub fn accepted<'a>(log: &'a [Value], kind: &str) -> Vec<&'a Value> {
    log.iter()
        .filter(|e| e["answered"] == 200 && e["type"] == kind)
        .collect()
}

/// Subscribes the receiver (as admin) and gives it the secret; returns the subscription id.
pub async fn subscribe(
    app: &crate::common::TestApp,
    admin: &str,
    rx: &Receiver,
    events: &[&str],
) -> String {
    let (status, body) = app
        .post(
            "/api/v1/webhooks",
            Some(admin),
            &json!({"url": rx.url(), "events": events}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let secret = body["secret"].as_str().expect("secret");
    assert!(secret.starts_with("whsec_"), "{secret}");
    rx.set_secret(secret);
    body["id"].as_str().expect("id").to_owned()
}

/// A subscription's deliveries as the admin API lists them, newest first.
pub async fn deliveries(app: &crate::common::TestApp, admin: &str, sub: &str) -> Vec<Value> {
    let (status, body) = app
        .get_json_as(&format!("/api/v1/webhooks/{sub}/deliveries"), admin)
        .await;
    assert_eq!(status, 200, "{body}");
    body["deliveries"].as_array().expect("deliveries").clone()
}
