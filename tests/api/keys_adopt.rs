//! Keys adopted on purpose into a new database, and key files others can read (issue 15 §2).
//! The refusals that protect keys from a wrong `database_url` are in `keys_safety.rs`.

use crate::common;

use attest::clock::FixedClock;
use attest::service::{Actor, Context, keys};
use common::keys::{config, keys_dir, listing};
use common::{T0, TestApp};
use std::sync::Arc;

#[tokio::test]
async fn keys_are_adopted_on_purpose_and_then_sign() {
    let app = TestApp::spawn().await;
    attest::service::keys::rotate(&app.ctx, &Actor::cli())
        .await
        .expect("rotate");
    let keys = keys_dir(&app);
    let published = app.ctx.store.keys().await.expect("keys");
    let other = tempfile::tempdir().expect("temp");
    let clock = Arc::new(FixedClock::new(T0));
    let bare = Context::open_without_key(config(other.path(), &keys, &[]), clock.clone())
        .await
        .expect("open");
    let adopted = keys::adopt(&bare, &Actor::cli()).await.expect("adopt");
    assert_eq!(adopted.len(), 2);
    for (mine, theirs) in adopted.iter().zip(&published) {
        assert_eq!(
            (&mine.key_id, mine.public_key),
            (&theirs.key_id, theirs.public_key)
        );
    }
    let again = keys::adopt(&bare, &Actor::cli()).await.unwrap_err();
    assert_eq!(again.code.as_str(), "keys_exist");
    let (ctx, setup) = Context::open(config(other.path(), &keys, &[]), clock)
        .await
        .expect("starts after adoption");
    assert!(setup.created_key.is_none());
    let active = ctx.store.keys().await.expect("keys");
    assert_eq!(
        active
            .iter()
            .find(|k| k.is_active())
            .map(|k| k.key_id.as_str()),
        Some("key-2")
    );
    let problems = attest::service::audit::verify_chain(&ctx.store)
        .await
        .expect("chain")
        .broken;
    assert!(problems.is_none());
    assert_eq!(
        listing(&keys),
        vec!["key-1.pem".to_owned(), "key-2.pem".to_owned()]
    );
}

#[tokio::test]
async fn key_files_others_can_read_are_refused_in_strict_mode() {
    use std::os::unix::fs::PermissionsExt;
    let app = TestApp::spawn().await;
    let keys = keys_dir(&app);
    let file = keys.join("key-1.pem");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let strict = [("ATTEST_STRICT_KEY_PERMISSIONS", "true")];
    let mut cfg = app.ctx.config.clone();
    let clock = Arc::new(FixedClock::new(T0));
    cfg.strict_key_permissions = false;
    Context::open(cfg.clone(), clock.clone())
        .await
        .expect("a warning only without strict mode");
    let other = tempfile::tempdir().expect("temp");
    let loaded = config(other.path(), &keys, &strict);
    assert!(loaded.strict_key_permissions);
    cfg.strict_key_permissions = true;
    let refused = Context::open(cfg.clone(), clock.clone())
        .await
        .err()
        .expect("refused in strict mode");
    assert!(refused.to_string().contains("key-1.pem"), "{refused}");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    Context::open(cfg, clock).await.expect("private again");
}
