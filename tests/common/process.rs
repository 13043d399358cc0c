//! The real `attest` binary, for what only a process shows: signals, exit codes and the log
//! output on stderr. Each run gets its own directory (config, SQLite file, keys).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_attest");

/// The settings every run in `dir` shares; `extra` adds or overrides.
fn command(dir: &Path, extra: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .env(
            "ATTEST_DATABASE_URL",
            format!("sqlite://{}", dir.join("attest.db").display()),
        )
        .env("ATTEST_KEYS_DIR", dir.join("keys"))
        .env("ATTEST_LISTEN", "127.0.0.1:0")
        .env("ATTEST_PUBLIC_BASE_URL", "http://127.0.0.1:8080")
        .env_remove("RUST_LOG")
        .env_remove("ATTEST_LOG_FORMAT");
    for (k, v) in extra {
        cmd.env(k, v);
    }
    cmd
}

/// Runs a CLI command to completion.
pub fn cli(dir: &Path, extra: &[(&str, &str)], args: &[&str]) -> Output {
    let out = command(dir, extra).args(args).output().expect("run attest");
    assert!(
        out.status.success(),
        "attest {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `attest token create`: the token is alone on the last line of stdout.
pub fn create_token(
    dir: &Path,
    extra: &[(&str, &str)],
    role: &str,
    name: &str,
) -> (String, Output) {
    let out = cli(
        dir,
        extra,
        &["token", "create", "--role", role, "--name", name],
    );
    let stdout = String::from_utf8(out.stdout.clone()).expect("utf-8");
    let token = stdout.lines().last().expect("a line").trim().to_owned();
    (token, out)
}

/// `attest serve` running in the background, its stderr collected line by line.
pub struct Server {
    child: Child,
    pub base: String,
    pub dir: PathBuf,
    stderr: Arc<Mutex<Vec<String>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    pub fn start(dir: &Path, extra: &[(&str, &str)]) -> Self {
        let mut child = command(dir, extra)
            .arg("serve")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start attest serve");
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        let pipe = child.stderr.take().expect("stderr");
        let lines = stderr.clone();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                if let Some(addr) = line.strip_prefix("attest is serving on ") {
                    let _ = tx.send(addr.trim().to_owned());
                }
                lines.lock().expect("lock").push(line);
            }
        });
        // A guard against a server that never starts, not a measurement.
        let base = rx
            .recv_timeout(Duration::from_secs(120))
            .unwrap_or_else(|_| {
                let _ = child.kill();
                panic!(
                    "attest serve did not start:\n{}",
                    stderr.lock().expect("lock").join("\n")
                )
            });
        Self {
            child,
            base,
            dir: dir.to_owned(),
            stderr,
            reader: Some(reader),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn sigterm(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success(), "kill -TERM failed");
    }

    /// Waits for the process to exit and for its stderr to be read to the end.
    pub fn wait(&mut self) -> ExitStatus {
        let status = self.child.wait().expect("wait");
        if let Some(reader) = self.reader.take() {
            reader.join().expect("stderr reader");
        }
        status
    }

    /// Everything written to stderr so far (all of it after [`Server::wait`]).
    pub fn stderr(&self) -> Vec<String> {
        self.stderr.lock().expect("lock").clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.reader.is_some() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// An HTTP client (reqwest is built without a default TLS provider).
pub fn http() -> reqwest::Client {
    attest::install_tls_provider();
    reqwest::Client::new()
}
