//! Expiry notices (issue 19) with the injected clock: `credential.expiring` at the configured
//! lead times and `credential.expired`, each once, verified by the reference Standard Webhooks
//! receiver.

use crate::common;
use crate::webhook_support as support;

use attest::service::Role;
use common::TestApp;
use serde_json::{Value, json};
use support::{FAST, Receiver, accepted, deliveries, subscribe};

/// The served credential's `validUntil`.
async fn valid_until(app: &TestApp, id: &str) -> time::OffsetDateTime {
    let (_, vc) = app.get_json(&format!("/credentials/{id}")).await;
    time::OffsetDateTime::parse(
        vc["validUntil"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap()
}

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
    let until = valid_until(&app, &id).await;
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
    // Several more scheduler rounds (every tenth worker round, 1 s here): nothing is sent twice.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let log = rx.log();
    let leads: Vec<&Value> = accepted(&log, "credential.expiring")
        .iter()
        .map(|e| &e["data"]["lead_days"])
        .collect();
    assert_eq!(leads, [&json!(90), &json!(7)]);
    assert_eq!(accepted(&log, "credential.expired").len(), 1);
    assert_eq!(log.len(), 3, "{log:#?}");
}

/// The scan for expired credentials starts where the last one ended (a persisted mark, less a
/// day): a credential that expires while nobody looks is still told when the service looks
/// again, and one that comes to exist long expired is not (the scan no longer walks every
/// credential that ever expired; it did before the mark, and would have sent this one).
#[tokio::test]
async fn the_expired_scan_starts_at_its_mark() {
    let app = TestApp::spawn_with(FAST).await;
    let (admin, issuer) = (app.token(Role::Admin).await, app.token(Role::Issuer).await);
    let rx = Receiver::start().await;
    subscribe(&app, &admin, &rx, &["credential.expired"]).await;
    let day = time::Duration::days(1);
    let first = app
        .issue(&issuer, "WH-M1", "mlops-foundation", "cand-m1")
        .await;
    let first_until = valid_until(&app, &first).await;
    app.clock.advance(day * 365);
    let second = app
        .issue(&issuer, "WH-M2", "mlops-foundation", "cand-m2")
        .await;
    let second_until = valid_until(&app, &second).await;

    app.clock.set(first_until + day);
    rx.wait_for("the first expiry", |log| {
        !accepted(log, "credential.expired").is_empty()
    })
    .await;
    let mark = app.ctx.store.expired_scan_mark().await.unwrap().unwrap();
    assert!(mark > first_until.unix_timestamp(), "{mark}");

    // Long after the second expired, as after a downtime: it is still told.
    let later = second_until + day * 100;
    app.clock.set(later);
    let log = rx
        .wait_for("the second expiry", |log| {
            accepted(log, "credential.expired").len() >= 2
        })
        .await;
    assert_eq!(
        accepted(&log, "credential.expired")[1]["data"]["credential_id"],
        second.as_str()
    );

    // A credential that comes to exist 30 days expired lies before the mark's overlap.
    let rfc3339 = |t: time::OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let (from, until) = (rfc3339(later - day * 60), rfc3339(later - day * 30));
    let mut unsigned = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2",
                     "https://www.w3.org/ns/credentials/undefined-terms/v2"],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:late", "name": "Late"},
        "validFrom": from,
        "validUntil": until,
    });
    let (status, body) = app
        .post(
            "/credentials/issue",
            Some(&issuer),
            &json!({"credential": unsigned.take()}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    // The scheduler runs every tenth worker round (1 s here): let two or three go by.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(accepted(&rx.log(), "credential.expired").len(), 2);
    let mark = app.ctx.store.expired_scan_mark().await.unwrap().unwrap();
    assert!(mark >= later.unix_timestamp(), "{mark}");
}

/// Retention (`webhook_retention_days`, 30 by default): once an event is older than that, its
/// delivered deliveries and the event itself are deleted; a delivery still pending (its
/// receiver is down) is kept however old, and so is its event.
#[tokio::test]
async fn settled_deliveries_go_after_the_retention_and_pending_ones_stay() {
    let app = TestApp::spawn_with(FAST).await;
    let (admin, issuer) = (app.token(Role::Admin).await, app.token(Role::Issuer).await);
    let rx = Receiver::start().await;
    let live = subscribe(&app, &admin, &rx, &["credential.issued"]).await;
    let (status, body) = app
        .post(
            "/api/v1/webhooks",
            Some(&admin),
            &json!({"url": "http://127.0.0.1:9/hook", "events": ["credential.issued"]}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let dead = body["id"].as_str().unwrap().to_owned();
    app.issue(&issuer, "WH-R1", "mlops-foundation", "cand-r1")
        .await;
    rx.wait_for("the delivery", |log| {
        !accepted(log, "credential.issued").is_empty()
    })
    .await;
    assert_eq!(deliveries(&app, &admin, &live).await.len(), 1);
    assert_eq!(deliveries(&app, &admin, &dead).await[0]["state"], "pending");

    // 29 days on: nothing is old enough yet.
    app.clock.advance(time::Duration::days(29));
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(deliveries(&app, &admin, &live).await.len(), 1);

    app.clock.advance(time::Duration::days(2));
    let mut gone = false;
    for _ in 0..50 {
        if deliveries(&app, &admin, &live).await.is_empty() {
            gone = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(gone, "the delivered delivery is deleted after 30 days");
    let kept = deliveries(&app, &admin, &dead).await;
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(kept[0]["state"], "pending");
    assert!(kept[0]["event_id"].as_str().unwrap().starts_with("msg_"));
}
