//! Helpers for the key-safety tests: a second configuration beside a test server's keys.

use super::TestApp;
use attest::config::Config;
use std::path::{Path, PathBuf};

/// A configuration naming `keys` and an SQLite database of its own in `dir`.
pub fn config(dir: &Path, keys: &Path, extra: &[(&str, &str)]) -> Config {
    let db = format!("sqlite://{}", dir.join("other.db").display());
    let keys = keys.display().to_string();
    let env = |k: &str| match k {
        "ATTEST_DATABASE_URL" => Some(db.clone()),
        "ATTEST_KEYS_DIR" => Some(keys.clone()),
        _ => extra
            .iter()
            .find(|(name, _)| *name == k)
            .map(|(_, v)| (*v).to_owned()),
    };
    Config::load(&dir.join("attest.toml"), false, env)
        .expect("config")
        .config
}

pub fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("keys dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

pub fn keys_dir(app: &TestApp) -> PathBuf {
    app.ctx.keyring.dir().to_path_buf()
}
