//! Unit tests of config loading (defaults, file, environment, refusals).

use super::*;

#[test]
fn env_wins_over_file_and_defaults_fill_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("attest.toml");
    std::fs::write(
        &path,
        "listen = \"127.0.0.1:9000\"\nissuer_name = \"File\"\n",
    )
    .unwrap();
    let env = |k: &str| (k == "ATTEST_ISSUER_NAME").then(|| "Env".to_string());
    let c = Config::load(&path, false, env).unwrap().config;
    assert_eq!(c.listen.port(), 9000);
    assert_eq!(c.issuer_name, "Env");
    assert_eq!(c.public_base_url, "http://localhost:8080");
    assert!(c.database_url.ends_with("attest.db"));
}

#[test]
fn unknown_keys_and_bad_values_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("attest.toml");
    std::fs::write(&path, "lisen = \"x\"\n").unwrap();
    assert!(Config::load(&path, false, |_| None).is_err());
    std::fs::write(&path, "public_base_url = \"ftp://x\"\n").unwrap();
    assert!(Config::load(&path, false, |_| None).is_err());
}

/// The DID method and cryptosuite are parsed once, at load: a typo stops the start with
/// the setting named, instead of surfacing at the first signature.
#[test]
fn did_method_and_cryptosuite_are_typed_at_load() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("attest.toml");
    std::fs::write(
        &path,
        "did_method = \"key\"\ncryptosuite = \"eddsa-jcs-2022\"\n",
    )
    .unwrap();
    let c = Config::load(&path, false, |_| None).unwrap().config;
    assert_eq!(c.did_method, DidMethod::Key);
    assert_eq!(c.cryptosuite, Cryptosuite::EddsaJcs2022);
    let defaults = Config::load(&dir.path().join("new.toml"), false, |_| None)
        .unwrap()
        .config;
    assert_eq!(defaults.did_method, DidMethod::Web);
    assert_eq!(defaults.cryptosuite, Cryptosuite::EddsaRdfc2022);
    for (text, key) in [
        ("did_method = \"peer\"\n", "did_method"),
        ("cryptosuite = \"eddsa-2099\"\n", "cryptosuite"),
    ] {
        std::fs::write(&path, text).unwrap();
        let refused = Config::load(&path, false, |_| None)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(refused.contains(&format!("setting `{key}`")), "{refused}");
    }
    let env = |k: &str| (k == "ATTEST_DID_METHOD").then(|| "WEB".to_string());
    assert!(Config::load(&path, false, env).is_err(), "names are exact");
}

#[test]
fn database_password_is_redacted() {
    assert_eq!(
        redact_url("postgres://attest:s3cret@db:5432/attest"),
        "postgres://attest:***@db:5432/attest"
    );
}
