//! Two real `attest serve` processes on one PostgreSQL database, as behind a load balancer:
//! same database, same keys directory, same public URL. Started together on an empty database
//! (migrations and the first key race), then hammered with concurrent issuance — including the
//! same attempt sent to both at once — and concurrent revocations and suspensions, some of them
//! contradictory. Afterwards the database, both instances' answers and both instances' published
//! status lists (decoded here by hand) must agree, with nothing lost or handed out twice. Last,
//! two rotations race each other and issuance, and both instances move to the newest key.
//!
//! Runs only with `TEST_DATABASE_URL`; bounded loops, loopback only.

use crate::common;

use common::deployment::{Deployment, get_json, post};
use common::exam;
use common::independent::status_list_bits;
use common::pg::TestDatabase;
use serde_json::json;
use sqlx::Row as _;
use std::collections::{BTreeSet, HashMap};
use tokio::task::JoinSet;

const UNIQUE: usize = 40;
const DUPLICATED: usize = 15;

/// Issues every attempt (unique ones spread over the instances, duplicated ones sent to both at
/// once); `(attempt, credential id)` in attempt order, after checking each answer.
async fn issue_all(http: &reqwest::Client, instances: &[String; 2], token: &str) -> Vec<String> {
    let mut tasks = JoinSet::new();
    for i in 0..UNIQUE + DUPLICATED {
        let targets = if i >= UNIQUE {
            &instances[..]
        } else {
            &instances[i % 2..i % 2 + 1]
        };
        for base in targets {
            let (http, token, url) = (
                http.clone(),
                token.to_owned(),
                format!("{base}/api/v1/exam-results"),
            );
            let body = exam(
                &format!("MI-{i}"),
                "mlops-foundation",
                &format!("cand-{i}"),
                800,
            );
            tasks.spawn(async move {
                let (status, body) = post(&http, url, &token, body).await;
                (i, status, body["credential_id"].as_str().map(String::from))
            });
        }
    }
    let mut answers: HashMap<usize, Vec<(u16, Option<String>)>> = HashMap::new();
    while let Some(done) = tasks.join_next().await {
        let (i, status, id) = done.expect("issuance task");
        answers.entry(i).or_default().push((status, id));
    }
    (0..UNIQUE + DUPLICATED)
        .map(|i| {
            let mut got = answers.remove(&i).expect("answered");
            got.sort();
            let statuses: Vec<u16> = got.iter().map(|g| g.0).collect();
            // The loser of a race answers like a retry: 200 with the winner's credential.
            let expected: &[u16] = if i >= UNIQUE { &[200, 201] } else { &[201] };
            assert_eq!(statuses, expected, "MI-{i}: {got:?}");
            let id = got[0].1.clone().expect("credential id");
            assert!(
                got.iter().all(|g| g.1.as_deref() == Some(id.as_str())),
                "MI-{i}: one credential, {got:?}"
            );
            id
        })
        .collect()
}

/// What credential `n` ends as after [`change_states`].
fn expected_state(n: usize) -> &'static str {
    match n {
        0..10 | 20..26 => "revoked",
        10..20 => "suspended",
        _ => "active",
    }
}

/// Revocations on one instance, suspensions on the other, a revoke racing a suspend and a second
/// revoke on the other instance, and suspend-then-reinstate across instances.
async fn change_states(
    http: &reqwest::Client,
    instances: &[String; 2],
    token: &str,
    ids: &[String],
) {
    let mut tasks = JoinSet::new();
    let step = |instance: usize, id: &str, what: &'static str| {
        (
            format!("{}/api/v1/credentials/{id}/{what}", instances[instance]),
            what,
        )
    };
    for (n, id) in ids.iter().enumerate() {
        let sequences = match n {
            0..10 => vec![vec![step(0, id, "revoke")]],
            10..20 => vec![vec![step(1, id, "suspend")]],
            20..26 => vec![
                vec![step(0, id, "revoke")],
                vec![step(1, id, "suspend")],
                vec![step(1, id, "revoke")],
            ],
            26..30 => vec![vec![step(0, id, "suspend"), step(1, id, "reinstate")]],
            _ => vec![],
        };
        for sequence in sequences {
            let (http, token) = (http.clone(), token.to_owned());
            tasks.spawn(async move {
                let mut results = Vec::new();
                for (url, what) in sequence {
                    let (status, body) =
                        post(&http, url, &token, json!({"reason": "multi-instance test"})).await;
                    results.push((what, status, body));
                }
                results
            });
        }
    }
    while let Some(done) = tasks.join_next().await {
        for (what, status, body) in done.expect("status task") {
            let refused_after_revoke =
                what == "suspend" && status == 409 && body["code"] == "revoked_is_final";
            assert!(
                status == 200 || refused_after_revoke,
                "{what}: {status} {body}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_database_agree() {
    if !common::pg::enabled("two_instances_on_one_database_agree") {
        return;
    }
    let database = TestDatabase::create().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let deployment = Deployment {
        dir: dir.path().to_path_buf(),
        database_url: database.url.clone(),
        public_url: "http://attest-lb.test".into(),
    };
    let (a, b) = tokio::join!(deployment.start("a"), deployment.start("b"));
    assert!(deployment.cli(&["migrate"]).await.contains("migrated"));
    let keys = deployment.cli(&["keys", "list"]).await;
    assert_eq!(
        keys.lines().count(),
        1,
        "one first key, whoever started first: {keys}"
    );
    let issuer = deployment.token("issuer", "platform").await;
    let admin = deployment.token("admin", "registrar").await;
    let instances = [a.base.clone(), b.base.clone()];
    attest::install_tls_provider();
    let http = reqwest::Client::new();

    let ids = issue_all(&http, &instances, &issuer).await;
    change_states(&http, &instances, &admin, &ids).await;

    // The database: one credential per attempt, one index per credential, no change lost.
    let pool = sqlx::PgPool::connect(&database.url).await.expect("connect");
    let rows = sqlx::query(
        "SELECT credential_id, attempt_id, list_number, list_index, state FROM credentials",
    )
    .fetch_all(&pool)
    .await
    .expect("credentials");
    assert_eq!(
        rows.len(),
        UNIQUE + DUPLICATED,
        "exactly one credential per attempt"
    );
    let mut stored: HashMap<String, (String, i64, String)> = HashMap::new();
    let mut slots = BTreeSet::new();
    for row in &rows {
        let (list, index): (i64, i64) = (row.get("list_number"), row.get("list_index"));
        assert!(
            list == 1 && slots.insert(index),
            "index {list}/{index} handed out twice"
        );
        let attempt: Option<String> = row.get("attempt_id");
        stored.insert(
            row.get("credential_id"),
            (attempt.expect("attempt"), index, row.get("state")),
        );
    }
    for (n, id) in ids.iter().enumerate() {
        let (attempt, index, state) = stored.get(id).expect("credential stored");
        assert_eq!(attempt, &format!("MI-{n}"));
        assert_eq!(state, expected_state(n), "credential {n}: no change lost");
        // The other instance serves it with the index the database holds.
        let credential = get_json(
            &http,
            format!("{}/credentials/{id}", instances[(n + 1) % 2]),
        )
        .await;
        for entry in credential["credentialStatus"]
            .as_array()
            .expect("credentialStatus")
        {
            assert_eq!(entry["statusListIndex"], index.to_string());
        }
    }
    let attempts: i64 = sqlx::query_scalar("SELECT count(*) FROM exam_attempts")
        .fetch_one(&pool)
        .await
        .expect("attempts");
    assert_eq!(attempts as usize, UNIQUE + DUPLICATED);
    pool.close().await;

    // Both instances publish exactly the database's sets, at once (no stale cache).
    let indexes_in = |wanted: &str| -> BTreeSet<i64> {
        stored
            .values()
            .filter(|v| v.2 == wanted)
            .map(|v| v.1)
            .collect()
    };
    let (revoked, suspended) = (indexes_in("revoked"), indexes_in("suspended"));
    assert_eq!((revoked.len(), suspended.len()), (16, 10));
    for base in &instances {
        let list = get_json(&http, format!("{base}/status/revocation-1")).await;
        assert_eq!(list["credentialSubject"]["statusPurpose"], "revocation");
        assert_eq!(status_list_bits(&list), revoked, "{base} revocation list");
        let list = get_json(&http, format!("{base}/status/suspension-1")).await;
        assert_eq!(status_list_bits(&list), suspended, "{base} suspension list");
    }
    let audit = deployment.cli(&["audit", "verify"]).await;
    assert!(audit.contains("audit trail intact"), "{audit}");

    // Two rotations by other processes race each other and issuance on both instances.
    let issuing: Vec<_> = (0..6)
        .map(|n| {
            let (http, token) = (http.clone(), issuer.clone());
            let url = format!("{}/api/v1/exam-results", instances[n % 2]);
            tokio::spawn(async move {
                post(
                    &http,
                    url,
                    &token,
                    exam(&format!("MI-R{n}"), "mlops-foundation", "cand-r", 800),
                )
                .await
            })
        })
        .collect();
    let (first, second) = tokio::join!(
        deployment.cli(&["keys", "rotate"]),
        deployment.cli(&["keys", "rotate"])
    );
    assert_ne!(first, second, "two rotations, two new keys");
    for task in issuing {
        let (status, body) = task.await.expect("issuance during rotation");
        assert_eq!(status, 201, "{body}");
    }
    let keys = deployment.cli(&["keys", "list"]).await;
    let active: Vec<&str> = keys.lines().filter(|l| l.ends_with("\tactive")).collect();
    assert!(
        keys.lines().count() == 3 && active.len() == 1 && active[0].contains("#key-3"),
        "{keys}"
    );
    for (n, base) in instances.iter().enumerate() {
        let body = exam(&format!("MI-K{n}"), "mlops-foundation", "cand-k", 800);
        let (status, answer) =
            post(&http, format!("{base}/api/v1/exam-results"), &issuer, body).await;
        assert_eq!(status, 201, "{answer}");
        let id = answer["credential_id"].as_str().expect("id");
        let credential = get_json(&http, format!("{base}/credentials/{id}")).await;
        let vm = credential["proof"]["verificationMethod"]
            .as_str()
            .expect("vm");
        assert!(vm.ends_with("#key-3"), "{base} signed with {vm}");
        let did = get_json(&http, format!("{base}/.well-known/did.json")).await;
        assert_eq!(did["verificationMethod"].as_array().expect("vms").len(), 3);
    }
    for instance in [&a, &b] {
        let log = instance.log();
        assert!(!log.iter().any(|l| l.contains("panicked")), "{log:?}");
    }
}
