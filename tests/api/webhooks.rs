//! Webhooks (issue 19) end to end: the real server, a receiver that checks every delivery with
//! the reference Standard Webhooks library for Python (`tests/webhooks/receiver.py`), and the
//! injected clock for expiry notices. Loopback only; waits are bounded (60 s) and never timed.

use crate::common;
use crate::webhook_support as support;

use attest::service::Role;
use common::{TestApp, exam};
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};
use support::{FAST, Receiver, accepted, deliveries, subscribe, with};

async fn held(app: &TestApp, issuer: &str, attempt: &str, candidate: &str) {
    let mut body = exam(attempt, "mlops-professional", candidate, 800);
    body["on_missing_prerequisites"] = json!("hold");
    let (status, answer) = app.post("/api/v1/exam-results", Some(issuer), &body).await;
    assert_eq!(status, 202, "{answer}");
}

#[tokio::test]
async fn every_change_arrives_signed_once_and_in_order_per_credential() {
    let app = TestApp::spawn_with(FAST).await;
    let (admin, issuer) = (app.token(Role::Admin).await, app.token(Role::Issuer).await);
    let rx = Receiver::start().await;
    subscribe(&app, &admin, &rx, &[]).await;

    let c1 = app
        .issue(&issuer, "WH-1", "mlops-foundation", "cand-wh-1")
        .await;
    for action in ["suspend", "reinstate", "revoke"] {
        let (status, body) = app.act(&admin, &c1, action, "exam misconduct").await;
        assert_eq!(status, 200, "{action}: {body}");
    }
    // Refused changes write no event: no change without the event, no event without the change.
    let (status, _) = app.act(&admin, &c1, "suspend", "again").await;
    assert_eq!(status, 409);
    held(&app, &issuer, "WH-2", "cand-wh-2").await;
    let c2 = app
        .issue(&issuer, "WH-3", "mlops-foundation", "cand-wh-2")
        .await;
    held(&app, &issuer, "WH-4", "cand-wh-3").await;
    let (status, _) = app
        .post(
            "/api/v1/exam-results/WH-4/cancel",
            Some(&admin),
            &json!({"reason": "withdrew"}),
        )
        .await;
    assert_eq!(status, 200);

    let expected: HashMap<&str, usize> = HashMap::from([
        ("credential.issued", 3),
        ("credential.suspended", 1),
        ("credential.reinstated", 1),
        ("credential.revoked", 1),
        ("exam_result.held", 2),
        ("exam_result.released", 1),
        ("exam_result.cancelled", 1),
    ]);
    let total: usize = expected.values().sum();
    rx.wait_for("every event", |log| {
        log.iter().filter(|e| e["answered"] == 200).count() >= total
    })
    .await;
    // Anything queued by the refused change would have had time to arrive by now.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let log = rx.log();
    assert!(
        log.iter().all(|e| e["verified"] == true),
        "the reference library refused a delivery: {log:#?}"
    );
    for (kind, n) in &expected {
        assert_eq!(accepted(&log, kind).len(), *n, "{kind}: {log:#?}");
    }
    assert_eq!(log.len(), total, "no duplicates: {log:#?}");
    let ids: BTreeSet<&str> = log.iter().filter_map(|e| e["id"].as_str()).collect();
    assert_eq!(ids.len(), total, "one webhook-id per event");
    assert!(ids.iter().all(|id| id.starts_with("msg_")));

    // Per credential, in the order the changes happened.
    let c1_events: Vec<&str> = log
        .iter()
        .filter(|e| e["data"]["credential_id"] == c1.as_str())
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        c1_events,
        [
            "credential.issued",
            "credential.suspended",
            "credential.reinstated",
            "credential.revoked"
        ]
    );
    let revoked = accepted(&log, "credential.revoked")[0];
    assert_eq!(revoked["data"]["reason"], "exam misconduct");
    assert_eq!(revoked["data"]["state"], "revoked");
    assert_eq!(
        revoked["data"]["credential"],
        app.url(&format!("/credentials/{c1}"))
    );
    let released = accepted(&log, "exam_result.released")[0];
    assert_eq!(released["data"]["attempt_id"], "WH-2");
    assert_ne!(released["data"]["credential_id"], c2.as_str());
    let cancelled = accepted(&log, "exam_result.cancelled")[0];
    assert_eq!(cancelled["data"]["attempt_id"], "WH-4");
    assert_eq!(cancelled["data"]["reason"], "withdrew");
    let held_event = accepted(&log, "exam_result.held")[0];
    assert!(!held_event["data"]["missing"].as_array().unwrap().is_empty());
    // Each kind's `data` carries exactly its members: the contract receivers code against.
    let keys = |event: &Value| -> Vec<String> {
        let mut keys: Vec<String> = event["data"].as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };
    let credential_keys = [
        "achievement",
        "attempt_id",
        "candidate_id",
        "credential",
        "credential_id",
        "reason",
        "state",
        "valid_until",
    ];
    assert_eq!(keys(revoked), credential_keys);
    assert_eq!(
        keys(accepted(&log, "credential.issued")[0]),
        credential_keys
    );
    let attempt_keys = |extra: &'static str| {
        let mut k = vec!["achievement", "attempt_id", "candidate_id", extra];
        k.sort();
        k
    };
    assert_eq!(keys(held_event), attempt_keys("missing"));
    assert_eq!(keys(released), attempt_keys("credential_id"));
    assert_eq!(keys(cancelled), attempt_keys("reason"));
    let uuid = released["data"]["credential_id"].as_str().unwrap();
    assert!(
        attest::domain::ids::CredentialId::parse(uuid).is_ok(),
        "{uuid}"
    );
    // No personal data in events.
    assert!(
        !serde_json::to_string(&log)
            .unwrap()
            .contains("zoe@example.com")
    );

    let (_, metrics, _) = app.get_text("/metrics", "text/plain").await;
    assert!(
        metrics.contains("attest_webhook_deliveries_total{outcome=\"delivered\"}"),
        "{metrics}"
    );
    assert!(metrics.contains("attest_webhook_queue_depth"), "{metrics}");
    assert!(
        metrics.contains("attest_webhook_oldest_undelivered_seconds"),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_receiver_answering_500_gets_retries_until_it_answers_200() {
    let app = TestApp::spawn_with(FAST).await;
    let (admin, issuer) = (app.token(Role::Admin).await, app.token(Role::Issuer).await);
    let rx = Receiver::start().await;
    rx.set_mode("fail");
    let sub = subscribe(&app, &admin, &rx, &["credential.issued"]).await;
    app.issue(&issuer, "WH-R1", "mlops-foundation", "cand-r1")
        .await;
    let log = rx
        .wait_for("three failed attempts", |log| {
            log.iter().filter(|e| e["answered"] == 500).count() >= 3
        })
        .await;
    let id = log[0]["id"].clone();
    assert!(
        log.iter().all(|e| e["id"] == id),
        "a retry keeps its webhook-id"
    );
    assert!(log.iter().all(|e| e["verified"] == true), "{log:#?}");
    // Each attempt is signed anew: the timestamps are those of the attempts.
    rx.set_mode("ok");
    let log = rx
        .wait_for("the delivery", |log| {
            log.iter().any(|e| e["answered"] == 200)
        })
        .await;
    let ok = log.iter().find(|e| e["answered"] == 200).unwrap();
    assert_eq!(ok["id"], id, "the duplicate is recognisable by webhook-id");
    let d = deliveries(&app, &admin, &sub).await;
    assert_eq!(d.len(), 1);
    assert_eq!(d[0]["state"], "delivered");
    assert!(d[0]["attempts"].as_i64().unwrap() >= 4, "{d:?}");
}

#[tokio::test]
async fn events_written_before_a_stop_are_delivered_after_the_restart() {
    let app = TestApp::spawn_with(FAST).await;
    let (admin, issuer) = (app.token(Role::Admin).await, app.token(Role::Issuer).await);
    let rx = Receiver::start().await;
    rx.set_mode("fail");
    subscribe(&app, &admin, &rx, &[]).await;
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(
            app.issue(
                &issuer,
                &format!("WH-S{i}"),
                "mlops-foundation",
                &format!("cand-s{i}"),
            )
            .await,
        );
    }
    let (status, _) = app.act(&admin, &ids[0], "revoke", "fraud").await;
    assert_eq!(status, 200);
    rx.wait_for("a failed attempt", |log| !log.is_empty()).await;
    // The server goes away with all four events undelivered.
    let (dir, clock) = app.stop().await;
    rx.set_mode("ok");
    let app = TestApp::spawn_in(dir, FAST, clock).await;
    let log = rx
        .wait_for("all four events", |log| {
            let done: BTreeSet<&str> = log
                .iter()
                .filter(|e| e["answered"] == 200)
                .filter_map(|e| e["id"].as_str())
                .collect();
            done.len() >= 4
        })
        .await;
    let seen: BTreeSet<&str> = log.iter().filter_map(|e| e["id"].as_str()).collect();
    let delivered: BTreeSet<&str> = log
        .iter()
        .filter(|e| e["answered"] == 200)
        .filter_map(|e| e["id"].as_str())
        .collect();
    assert_eq!(
        seen, delivered,
        "every event tried before the stop arrived after it"
    );
    assert_eq!(accepted(&log, "credential.issued").len(), 3);
    assert_eq!(accepted(&log, "credential.revoked").len(), 1);
    drop(app);
}

#[tokio::test]
async fn a_delivery_failing_past_the_horizon_is_failed_and_replay_sends_it_again() {
    let app = TestApp::spawn_with(&with(&[("ATTEST_WEBHOOK_FAILURE_HORIZON_SECONDS", "1")])).await;
    let (admin, issuer) = (app.token(Role::Admin).await, app.token(Role::Issuer).await);
    let rx = Receiver::start().await;
    rx.set_mode("fail");
    let sub = subscribe(&app, &admin, &rx, &[]).await;
    app.issue(&issuer, "WH-H1", "mlops-foundation", "cand-h1")
        .await;
    let mut state = Value::Null;
    for _ in 0..600 {
        state = deliveries(&app, &admin, &sub).await[0]["state"].clone();
        if state == "failed" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(state, "failed");
    let failed_id = rx.log()[0]["id"].clone();
    rx.set_mode("ok");
    let (status, body) = app
        .post(
            &format!("/api/v1/webhooks/{sub}/replay"),
            Some(&admin),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, body["replayed"].as_i64()),
        (200, Some(1)),
        "{body}"
    );
    let log = rx
        .wait_for("the replay", |log| log.iter().any(|e| e["answered"] == 200))
        .await;
    let ok = log.iter().find(|e| e["answered"] == 200).unwrap();
    assert_eq!(
        ok["id"], failed_id,
        "a replay carries the original webhook-id"
    );
    assert_eq!(
        deliveries(&app, &admin, &sub).await[0]["state"],
        "delivered"
    );
}

/// A replay naming one event sends that event only; an id no event has (of our form or not)
/// replays nothing.
#[tokio::test]
async fn a_replay_of_one_event_sends_that_event_again_and_no_other() {
    let app = TestApp::spawn_with(FAST).await;
    let (admin, issuer) = (app.token(Role::Admin).await, app.token(Role::Issuer).await);
    let rx = Receiver::start().await;
    let sub = subscribe(&app, &admin, &rx, &["credential.issued"]).await;
    for (attempt, candidate) in [("WH-R1", "cand-r1"), ("WH-R2", "cand-r2")] {
        app.issue(&issuer, attempt, "mlops-foundation", candidate)
            .await;
    }
    let mut listed = Vec::new();
    for _ in 0..600 {
        listed = deliveries(&app, &admin, &sub).await;
        if listed.len() == 2 && listed.iter().all(|d| d["state"] == "delivered") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        listed.len() == 2 && listed.iter().all(|d| d["state"] == "delivered"),
        "{listed:?}"
    );
    // Newest first: the older event is the second.
    let older = listed[1]["event_id"].clone();
    let replay = |body: Value| {
        let app = &app;
        let (admin, sub) = (&admin, &sub);
        async move {
            let path = format!("/api/v1/webhooks/{sub}/replay");
            let (status, answer) = app.post(&path, Some(admin), &body).await;
            assert_eq!(status, 200, "{answer}");
            answer["replayed"].as_i64()
        }
    };
    let unknown = format!("msg_{}", "0".repeat(32));
    for nobody in [json!("msg_nope"), json!(unknown), json!(sub.clone())] {
        assert_eq!(
            replay(json!({"event_id": nobody})).await,
            Some(0),
            "{nobody}"
        );
    }
    assert_eq!(replay(json!({"event_id": older})).await, Some(1));
    let log = rx.wait_for("the replay", |log| log.len() >= 3).await;
    let ids: Vec<&Value> = log.iter().map(|e| &e["id"]).collect();
    assert_eq!(ids[2], &older, "{ids:?}");
    assert_eq!(ids.iter().filter(|id| **id == &older).count(), 2, "{ids:?}");
}

#[tokio::test]
async fn subscriptions_are_for_admins_filter_by_type_and_show_the_secret_once() {
    let app = TestApp::spawn_with(FAST).await;
    let (admin, issuer) = (app.token(Role::Admin).await, app.token(Role::Issuer).await);
    let rx = Receiver::start().await;
    let body = json!({"url": rx.url(), "events": ["credential.revoked"]});
    let (status, _) = app.post("/api/v1/webhooks", Some(&issuer), &body).await;
    assert_eq!(status, 403);
    let (status, problem) = app
        .post(
            "/api/v1/webhooks",
            Some(&admin),
            &json!({"url": rx.url(), "events": ["credential.exploded"]}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (400, Some("unknown_event_type"))
    );
    let (status, problem) = app
        .post(
            "/api/v1/webhooks",
            Some(&admin),
            &json!({"url": "ftp://example.com/x"}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (400, Some("invalid_url"))
    );

    let sub = subscribe(&app, &admin, &rx, &["credential.revoked"]).await;
    let (status, list) = app.get_json_as("/api/v1/webhooks", &admin).await;
    assert_eq!(status, 200);
    assert_eq!(list["subscriptions"][0]["id"], sub.as_str());
    assert_eq!(
        list["subscriptions"][0]["events"],
        json!(["credential.revoked"])
    );
    assert!(!list.to_string().contains("whsec_"), "{list}");

    let c = app
        .issue(&issuer, "WH-F1", "mlops-foundation", "cand-f1")
        .await;
    app.act(&admin, &c, "revoke", "fraud").await;
    let (status, test) = app
        .post(
            &format!("/api/v1/webhooks/{sub}/test"),
            Some(&admin),
            &json!({}),
        )
        .await;
    assert_eq!(status, 202, "{test}");
    let log = rx
        .wait_for("the revocation and the test", |log| log.len() >= 2)
        .await;
    let types: BTreeSet<&str> = log.iter().filter_map(|e| e["type"].as_str()).collect();
    assert_eq!(
        types,
        BTreeSet::from(["credential.revoked", "webhook.test"])
    );
    assert!(log.iter().any(|e| e["id"] == test["event_id"]));

    let path = format!("/api/v1/webhooks/{sub}");
    let del = |p: String| app.http.delete(app.url(&p)).bearer_auth(&admin).send();
    assert_eq!(del(path.clone()).await.unwrap().status(), 204);
    assert_eq!(del(path).await.unwrap().status(), 404);
}

#[tokio::test]
async fn a_receiver_on_a_loopback_address_is_refused_unless_the_operator_allows_it() {
    let app = TestApp::spawn_with(&[("ATTEST_WEBHOOK_POLL_MS", "100")]).await;
    let (admin, issuer) = (app.token(Role::Admin).await, app.token(Role::Issuer).await);
    let rx = Receiver::start().await;
    let sub = subscribe(&app, &admin, &rx, &[]).await;
    app.issue(&issuer, "WH-P1", "mlops-foundation", "cand-p1")
        .await;
    let mut d = Vec::new();
    for _ in 0..600 {
        d = deliveries(&app, &admin, &sub).await;
        if d[0]["attempts"].as_i64() >= Some(1) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let error = d[0]["last_error"].as_str().unwrap_or_default();
    assert!(error.contains("not a public address"), "{d:?}");
    assert!(rx.log().is_empty(), "nothing reached the receiver");
}

#[tokio::test]
async fn a_credential_issued_through_the_vc_api_is_announced_too() {
    let app = TestApp::spawn_with(FAST).await;
    let (admin, issuer) = (app.token(Role::Admin).await, app.token(Role::Issuer).await);
    let rx = Receiver::start().await;
    subscribe(&app, &admin, &rx, &["credential.issued"]).await;
    let body = json!({"credential": crate::vc_api::credential()});
    let (status, answer) = app.post("/credentials/issue", Some(&issuer), &body).await;
    assert_eq!(status, 201, "{answer}");
    let url = answer["verifiableCredential"]["id"].as_str().unwrap();
    let id = url.rsplit('/').next().unwrap();
    let log = rx
        .wait_for("the issued event", |log| {
            !accepted(log, "credential.issued").is_empty()
        })
        .await;
    let data = &accepted(&log, "credential.issued")[0]["data"];
    assert_eq!(data["credential_id"], id, "{data}");
    assert_eq!(data["via"], "vc-api");
    assert!(data["attempt_id"].is_null() && data["achievement"].is_null());
    assert!(log.iter().all(|e| e["verified"] == true), "{log:#?}");
}
