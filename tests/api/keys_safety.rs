//! Signing keys survive a wrong configuration (issue 15 §2): a keys directory meeting an
//! empty database is refused, never "repaired"; keys are adopted only on purpose; a key file
//! is set aside only when the database recorded the rotation that wrote it; and key files
//! others can read are reported (or refused in strict mode).

use crate::common;

use attest::clock::FixedClock;
use attest::service::{Actor, Context, Role, keys};
use common::keys::{config, keys_dir, listing};
use common::{T0, TestApp};
use std::sync::Arc;

#[tokio::test]
async fn an_empty_database_beside_real_keys_is_refused_and_the_keys_are_left_alone() {
    let app = TestApp::spawn().await;
    let keys = keys_dir(&app);
    let before = std::fs::read(keys.join("key-1.pem")).expect("key-1");
    let other = tempfile::tempdir().expect("temp");
    for _ in 0..2 {
        let refused = Context::open(
            config(other.path(), &keys, &[]),
            Arc::new(FixedClock::new(T0)),
        )
        .await
        .err()
        .expect("an empty database beside existing keys must be refused");
        let message = refused.to_string();
        assert!(
            message.contains(&keys.display().to_string())
                && message.contains("other.db")
                && message.contains("database_url")
                && message.contains("attest keys adopt"),
            "{message}"
        );
    }
    assert_eq!(listing(&keys), vec!["key-1.pem".to_owned()]);
    assert_eq!(
        std::fs::read(keys.join("key-1.pem")).expect("key-1"),
        before
    );
    // The real deployment still starts and signs.
    let token = app.token(Role::Issuer).await;
    app.issue(&token, "KEEP-1", "mlops-foundation", "cand-k")
        .await;
    let (status, _) = app.get_json("/readyz").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_key_file_the_database_knows_nothing_about_blocks_rotation_untouched() {
    let app = TestApp::spawn().await;
    let keys = keys_dir(&app);
    std::fs::write(keys.join("key-2.pem"), "someone's key").expect("write");
    let refused = keys::rotate(&app.ctx, &Actor::cli()).await.unwrap_err();
    assert!(refused.message.contains("key-2.pem"), "{}", refused.message);
    assert_eq!(
        listing(&keys),
        vec!["key-1.pem".to_owned(), "key-2.pem".to_owned()]
    );
    assert_eq!(
        std::fs::read_to_string(keys.join("key-2.pem")).expect("read"),
        "someone's key"
    );
    // The active key still signs.
    let token = app.token(Role::Issuer).await;
    app.issue(&token, "KEEP-2", "mlops-foundation", "cand-k")
        .await;
}
