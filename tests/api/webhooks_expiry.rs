//! Expiry notices (issue 19) with the injected clock: `credential.expiring` at the configured
//! lead times and `credential.expired`, each once, verified by the reference Standard Webhooks
//! receiver.

use crate::common;
use crate::webhook_support as support;

use attest::service::Role;
use common::TestApp;
use serde_json::{Value, json};
use support::{FAST, Receiver, accepted, subscribe};

#[tokio::test]
async fn expiry_notices_follow_the_clock_and_are_sent_once_each() {
    let app = TestApp::spawn_with(FAST).await;
    let (admin, issuer) = (app.token(Role::Admin).await, app.token(Role::Issuer).await);
    let rx = Receiver::start().await;
    subscribe(
        &app,
        &admin,
        &rx,
        &["credential.expiring", "credential.expired"],
    )
    .await;
    let id = app
        .issue(&issuer, "WH-E1", "mlops-foundation", "cand-e1")
        .await;
    let (_, vc) = app.get_json(&format!("/credentials/{id}")).await;
    let until = time::OffsetDateTime::parse(
        vc["validUntil"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let day = time::Duration::days(1);

    app.clock.set(until - day * 89);
    let log = rx
        .wait_for("the 90-day notice", |log| {
            !accepted(log, "credential.expiring").is_empty()
        })
        .await;
    assert_eq!(
        accepted(&log, "credential.expiring")[0]["data"]["lead_days"],
        90
    );
    assert_eq!(
        accepted(&log, "credential.expiring")[0]["data"]["credential_id"],
        id.as_str()
    );
    // Days later, inside the 7-day window: the 30-day notice no longer applies.
    app.clock.set(until - day * 6);
    rx.wait_for("the 7-day notice", |log| {
        accepted(log, "credential.expiring").len() >= 2
    })
    .await;
    app.clock.set(until + day);
    rx.wait_for("the expiry", |log| {
        !accepted(log, "credential.expired").is_empty()
    })
    .await;
    // Several more scheduler rounds: nothing is sent twice.
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let log = rx.log();
    let leads: Vec<&Value> = accepted(&log, "credential.expiring")
        .iter()
        .map(|e| &e["data"]["lead_days"])
        .collect();
    assert_eq!(leads, [&json!(90), &json!(7)]);
    assert_eq!(accepted(&log, "credential.expired").len(), 1);
    assert_eq!(log.len(), 3, "{log:#?}");
}
