//! Real `attest` processes (the binary Cargo built for the tests): a deployment of instances
//! sharing one database, one keys directory and one public URL, as behind a load balancer, and
//! the CLI run against the same settings.

use serde_json::Value;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::AsyncBufReadExt as _;

pub struct Deployment {
    pub dir: PathBuf,
    pub database_url: String,
    /// What the load balancer presents: every instance signs under this one identity.
    pub public_url: String,
}

impl Deployment {
    fn command(&self, config: &str) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_attest"));
        cmd.current_dir(&self.dir)
            .env("ATTEST_CONFIG", self.dir.join(config))
            .env("ATTEST_DATABASE_URL", &self.database_url)
            .env("ATTEST_KEYS_DIR", self.dir.join("keys"))
            .env("ATTEST_PUBLIC_BASE_URL", &self.public_url)
            .env("ATTEST_LISTEN", "127.0.0.1:0")
            .env("RUST_LOG", "warn")
            .kill_on_drop(true);
        cmd
    }

    /// Runs a CLI command to completion and insists on success; its standard output.
    pub async fn cli(&self, args: &[&str]) -> String {
        let out = self
            .command("cli.toml")
            .args(args)
            .output()
            .await
            .expect("run attest");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "attest {args:?}: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }

    /// A new API token (the CLI prints it alone on its last line).
    pub async fn token(&self, role: &str, name: &str) -> String {
        let out = self
            .cli(&["token", "create", "--role", role, "--name", name])
            .await;
        out.lines().last().expect("token line").trim().to_owned()
    }

    /// Starts `attest serve` on a free port and learns the address from its start-up banner;
    /// stderr is drained for the whole run so the pipe never fills.
    pub async fn start(&self, name: &str) -> Instance {
        let mut child = self
            .command(&format!("{name}.toml"))
            .arg("serve")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn attest serve");
        let stderr = child.stderr.take().expect("stderr");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = tokio::sync::oneshot::channel();
        let sink = log.clone();
        tokio::spawn(async move {
            let mut lines = tokio::io::BufReader::new(stderr).lines();
            let mut tx = Some(tx);
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(addr) = line.strip_prefix("attest is serving on ")
                    && let Some(tx) = tx.take()
                {
                    let _ = tx.send(addr.trim().to_owned());
                }
                sink.lock().expect("log").push(line);
            }
        });
        let base = tokio::time::timeout(Duration::from_secs(60), rx)
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_else(|| panic!("{name} did not start: {:?}", log.lock().expect("log")));
        Instance {
            base,
            _child: child,
            log,
        }
    }
}

/// A running server; killed when dropped.
pub struct Instance {
    pub base: String,
    _child: tokio::process::Child,
    log: Arc<Mutex<Vec<String>>>,
}

impl Instance {
    pub fn log(&self) -> Vec<String> {
        self.log.lock().expect("log").clone()
    }
}

pub async fn post(http: &reqwest::Client, url: String, token: &str, body: Value) -> (u16, Value) {
    let res = http
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

pub async fn get_json(http: &reqwest::Client, url: String) -> Value {
    let res = http
        .get(&url)
        .header("accept", "application/json")
        .send()
        .await
        .expect("get");
    assert_eq!(res.status().as_u16(), 200, "{url}");
    res.json().await.expect("json")
}
