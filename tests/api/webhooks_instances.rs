//! Webhooks across a crash (issue 19): the real `attest` binary is killed (SIGKILL) while
//! deliveries are pending (being retried, some possibly claimed), then started again on the same directory; every event
//! reaches the receiver (which verifies each delivery with the reference Standard Webhooks
//! library), duplicates recognisable by `webhook-id`. The subscription is made with the CLI,
//! whose last line is the secret. And two instances on one PostgreSQL database.

use crate::common;
use crate::webhook_support as support;

use attest::service::Role;
use common::process::{Server, cli, create_token, http};
use common::{TestApp, exam};
use serde_json::json;
use std::collections::BTreeSet;
use support::{FAST, Receiver, with};

#[tokio::test]
async fn events_survive_a_killed_server() {
    let dir = tempfile::tempdir().unwrap();
    let rx = Receiver::start().await;
    let (token, _) = create_token(dir.path(), FAST, "issuer", "platform");
    let out = cli(dir.path(), FAST, &["webhooks", "add", &rx.url()]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let secret = stdout.lines().last().unwrap().trim();
    assert!(secret.starts_with("whsec_"), "{stdout}");
    rx.set_secret(secret);
    // Nothing is accepted before the kill: every event must come from the outbox afterwards.
    rx.set_mode("fail");

    let server = Server::start(dir.path(), FAST);
    let client = http();
    for i in 0..5 {
        let res = client
            .post(server.url("/api/v1/exam-results"))
            .bearer_auth(&token)
            .json(&exam(
                &format!("K-{i}"),
                "mlops-foundation",
                &format!("cand-k{i}"),
                800,
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
    }
    rx.wait_for("a first attempt", |log| !log.is_empty()).await;
    drop(server); // SIGKILL: no graceful stop, claims and all left as they were

    rx.set_mode("ok");
    let _server = Server::start(dir.path(), FAST);
    let log = rx
        .wait_for("every event after the restart", |log| {
            let ids: BTreeSet<&str> = log
                .iter()
                .filter(|e| e["answered"] == 200)
                .filter_map(|e| e["id"].as_str())
                .collect();
            ids.len() >= 5
        })
        .await;
    assert!(log.iter().all(|e| e["verified"] == true), "{log:#?}");
    let issued = log
        .iter()
        .filter(|e| e["type"] == "credential.issued")
        .filter_map(|e| e["data"]["attempt_id"].as_str())
        .collect::<BTreeSet<_>>();
    assert_eq!(issued.len(), 5, "none lost");

    // The CLI sees the same subscription and its delivery log.
    let list = String::from_utf8(cli(dir.path(), FAST, &["webhooks", "list"]).stdout).unwrap();
    let line = list
        .lines()
        .find(|l| l.contains(&rx.url()))
        .expect("listed");
    assert!(!list.contains("whsec_"), "{list}");
    let id = line.split('\t').next().unwrap();
    let out = cli(dir.path(), FAST, &["webhooks", "deliveries", id]);
    let deliveries = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        deliveries
            .lines()
            .filter(|l| l.contains("\tdelivered\t"))
            .count(),
        5,
        "{deliveries}"
    );
}

/// Two instances on one PostgreSQL database (`TEST_DATABASE_URL`), one subscription: every
/// event is delivered, and no delivery is made by both at once (the receiver answers slowly,
/// so an overlap would be seen).
#[tokio::test]
async fn two_instances_on_postgres_deliver_every_event_and_never_one_twice_at_once() {
    if common::engine() != "postgres" {
        eprintln!("skipped: needs TEST_DATABASE_URL (PostgreSQL)");
        return;
    }
    let one = TestApp::spawn_with(FAST).await;
    let url = one.database_url();
    let keys = one.dir.path().join("keys").display().to_string();
    let two = TestApp::spawn_with(&with(&[
        ("ATTEST_DATABASE_URL", url.as_str()),
        ("ATTEST_KEYS_DIR", keys.as_str()),
    ]))
    .await;
    let (admin, issuer) = (one.token(Role::Admin).await, one.token(Role::Issuer).await);
    let rx = Receiver::start().await;
    rx.set_mode("slow");
    let (status, sub) = one
        .post(
            "/api/v1/webhooks",
            Some(&admin),
            &json!({"url": rx.url(), "events": ["credential.issued"]}),
        )
        .await;
    assert_eq!(status, 201, "{sub}");
    rx.set_secret(sub["secret"].as_str().unwrap());
    const N: usize = 20;
    for i in 0..N {
        let app = if i % 2 == 0 { &one } else { &two };
        app.issue(
            &issuer,
            &format!("WH-M{i}"),
            "mlops-foundation",
            &format!("cand-m{i}"),
        )
        .await;
    }
    let log = rx
        .wait_for("every event", |log| {
            log.iter().filter(|e| e["answered"] == 200).count() >= N
        })
        .await;
    assert!(log.iter().all(|e| e["overlapping"] == false), "{log:#?}");
    let ids: BTreeSet<&str> = log.iter().filter_map(|e| e["id"].as_str()).collect();
    assert_eq!(ids.len(), N);
    assert_eq!(log.len(), N, "each delivered once: {log:#?}");
}
