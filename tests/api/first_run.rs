//! A newcomer's first run: `attest serve` in an empty directory creates the config, the SQLite
//! database and a private key (mode 0600); a second start reuses all of it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::process::{Command, Stdio};
use std::time::Duration;

fn start(dir: &std::path::Path, port: u16) -> std::process::Child {
    start_with(dir, port, &[])
}

/// `env`: extra variables; `CARGO` is removed unless given (cargo sets it for tests, and the
/// banner reads it to tell a `cargo run` apart).
fn start_with(dir: &std::path::Path, port: u16, env: &[(&str, &str)]) -> std::process::Child {
    Command::new(common::process::BIN)
        .arg("serve")
        .env_remove("CARGO")
        .envs(env.iter().copied())
        .current_dir(dir)
        .env("ATTEST_LISTEN", format!("127.0.0.1:{port}"))
        .env("ATTEST_PUBLIC_BASE_URL", format!("http://127.0.0.1:{port}"))
        .env_remove("ATTEST_DATABASE_URL")
        .env_remove("ATTEST_KEYS_DIR")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

async fn wait_healthy(port: u16) -> serde_json::Value {
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if let Ok(res) = client
            .get(format!("http://127.0.0.1:{port}/.well-known/did.json"))
            .send()
            .await
            && res.status().is_success()
        {
            return res.json().await.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server did not become healthy");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn stop(child: std::process::Child) -> String {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "exits 0 on SIGTERM");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test]
async fn first_run_creates_everything_and_the_second_reuses_it() {
    attest::install_tls_provider();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let child = start(dir.path(), port);
    let first_did = wait_healthy(port).await;
    let banner = stop(child);
    assert!(
        banner.contains("created attest.toml") && banner.contains("generated signing key key-1"),
        "{banner}"
    );
    // Run from elsewhere, with no `attest` on the PATH: the banner names the binary itself.
    let binary = std::path::Path::new(common::process::BIN)
        .canonicalize()
        .unwrap();
    assert!(
        banner.contains("did:web:127.0.0.1%3A")
            && banner.contains(&format!(
                "create an API token: {} token create --role issuer",
                binary.display()
            )),
        "{banner}"
    );
    for file in ["attest.toml", "attest.db", "keys/key-1.pem"] {
        assert!(dir.path().join(file).exists(), "{file}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("keys/key-1.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let config = std::fs::read_to_string(dir.path().join("attest.toml")).unwrap();
    assert!(config.contains("public_base_url") && config.contains("cryptosuite"));

    let child = start(dir.path(), port);
    let second_did = wait_healthy(port).await;
    let banner = stop(child);
    assert!(
        !banner.contains("created attest.toml") && !banner.contains("generated signing key"),
        "{banner}"
    );
    assert_eq!(first_did, second_did, "the same key is reused");
    assert_eq!(
        std::fs::read_dir(dir.path().join("keys")).unwrap().count(),
        1
    );
}

/// After `cargo run` there is no `attest` on the PATH: the banner says how to run it again.
#[tokio::test]
async fn under_cargo_run_the_banner_names_cargo_run() {
    attest::install_tls_provider();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let child = start_with(dir.path(), port, &[("CARGO", "cargo")]);
    wait_healthy(port).await;
    let banner = stop(child);
    assert!(
        banner.contains("create an API token: cargo run -- token create --role issuer"),
        "{banner}"
    );
}
