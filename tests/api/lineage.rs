//! Track and level lineage: prerequisites enforced at issuance (every valid order of the
//! default program, invalid orders refused), held results released, recertification, the
//! signed chain checked on verification, tampering and cascade revocation.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use attest::service::Role;
use common::{TestApp, check, exam};
use serde_json::{Value, json};

const JCS: &[(&str, &str)] = &[("ATTEST_CRYPTOSUITE", "eddsa-jcs-2022")];
const SPECIALISTS_OF_FOUNDATION: [&str; 3] = [
    "dataops-specialist",
    "devsecops-specialist",
    "finops-specialist",
];

/// All orders of the default program in which every prerequisite comes first.
fn valid_orders() -> Vec<Vec<&'static str>> {
    let rest = [
        "mlops-professional",
        "dataops-specialist",
        "devsecops-specialist",
        "finops-specialist",
        "mlops-advanced",
        "aiops-specialist",
    ];
    let mut out = Vec::new();
    fn permute(items: &mut Vec<&'static str>, k: usize, out: &mut Vec<Vec<&'static str>>) {
        if k == items.len() {
            let pos = |c: &str| items.iter().position(|x| *x == c).unwrap();
            if pos("mlops-professional") < pos("mlops-advanced")
                && pos("mlops-professional") < pos("aiops-specialist")
            {
                let mut order = vec!["mlops-foundation"];
                order.extend(items.iter());
                out.push(order);
            }
            return;
        }
        for i in k..items.len() {
            items.swap(k, i);
            permute(items, k + 1, out);
            items.swap(k, i);
        }
    }
    permute(&mut rest.to_vec(), 0, &mut out);
    out
}

async fn credential(app: &TestApp, id: &str) -> Value {
    app.get_json(&format!("/credentials/{id}")).await.1
}

/// Prerequisite evidence only (a recertification adds `genre: "Recertification"`, issue 19).
fn prerequisite_urls(c: &Value) -> Vec<String> {
    c["evidence"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter(|x| x["genre"] == "Prerequisite")
                .map(|x| x["id"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn the_whole_program_issues_in_every_valid_order_with_its_lineage() {
    let app = TestApp::spawn_with(JCS).await;
    let token = app.token(Role::Issuer).await;
    let orders = valid_orders();
    assert_eq!(orders.len(), 240);
    for (n, order) in orders.iter().enumerate() {
        let candidate = format!("cand-order-{n}");
        let results: Vec<Value> = order
            .iter()
            .enumerate()
            .map(|(i, code)| exam(&format!("O{n}-{i}"), code, &candidate, 800))
            .collect();
        let (status, body) = app
            .post(
                "/api/v1/exam-results/batch",
                Some(&token),
                &json!({"results": results}),
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(body["summary"]["issued"], 7, "order {order:?}: {body}");
    }
    // Spot-check the chain of one candidate through HTTP.
    let ids: Vec<String> = {
        let admin = app.token(Role::Admin).await;
        let (_, list) = app
            .get_json_as(
                "/api/v1/credentials?candidate_id=cand-order-0&limit=10",
                &admin,
            )
            .await;
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["credential_id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids.len(), 7);
    for id in &ids {
        let c = credential(&app, id).await;
        let code = c["credentialSubject"]["achievement"]["humanCode"]
            .as_str()
            .unwrap()
            .to_owned();
        let expected = match code.as_str() {
            "mlops-foundation" => 0,
            _ => 1,
        };
        assert_eq!(prerequisite_urls(&c).len(), expected, "{code}");
        for (evidence, related) in c["evidence"]
            .as_array()
            .into_iter()
            .flatten()
            .zip(c["relatedResource"].as_array().into_iter().flatten())
        {
            assert_eq!(evidence["genre"], "Prerequisite");
            assert_eq!(evidence["id"], related["id"]);
            let (_, served, _) = app
                .get_text(
                    &format!(
                        "/credentials/{}",
                        related["id"].as_str().unwrap().rsplit('/').next().unwrap()
                    ),
                    "application/vc+ld+json",
                )
                .await;
            assert_eq!(
                related["digestSRI"],
                attest::vc::credential::digest_sri(served.as_bytes()),
                "digest covers the exact bytes served"
            );
        }
    }
}

#[tokio::test]
async fn invalid_orders_say_exactly_what_is_missing() {
    let app = TestApp::spawn_with(JCS).await;
    let token = app.token(Role::Issuer).await;
    for (code, missing) in [
        ("mlops-professional", "mlops-foundation"),
        ("dataops-specialist", "mlops-foundation"),
        ("aiops-specialist", "mlops-professional"),
    ] {
        let (status, problem) = app
            .post(
                "/api/v1/exam-results",
                Some(&token),
                &exam(&format!("I-{code}"), code, "cand-i", 800),
            )
            .await;
        if code == "aiops-specialist" {
            assert_eq!(status, 422);
        }
        assert_eq!(
            (status, problem["code"].as_str().unwrap()),
            (422, "prerequisites_missing"),
            "{code}"
        );
        assert!(
            problem["missing"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m == missing),
            "{problem}"
        );
        if code == "dataops-specialist" {
            app.issue(&token, "I-F", "mlops-foundation", "cand-i").await;
        }
    }
    let (status, problem) = app
        .post(
            "/api/v1/exam-results",
            Some(&token),
            &exam("I-A", "mlops-advanced", "cand-i", 800),
        )
        .await;
    assert_eq!(
        (status, problem["missing"].clone()),
        (422, json!(["mlops-professional"]))
    );
    // Another candidate's Foundation does not count.
    let (status, _) = app
        .post(
            "/api/v1/exam-results",
            Some(&token),
            &exam("I-P2", "mlops-professional", "cand-other", 800),
        )
        .await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn held_results_are_released_when_the_last_prerequisite_arrives() {
    let app = TestApp::spawn_with(JCS).await;
    let token = app.token(Role::Issuer).await;
    let admin = app.token(Role::Admin).await;
    let hold = |attempt: &str, code: &str| {
        let mut r = exam(attempt, code, "cand-h", 800);
        r["on_missing_prerequisites"] = json!("hold");
        r
    };
    let (status, body) = app
        .post(
            "/api/v1/exam-results",
            Some(&token),
            &hold("H-A", "mlops-advanced"),
        )
        .await;
    assert_eq!((status, body["status"].as_str().unwrap()), (202, "pending"));
    assert_eq!(body["missing"], json!(["mlops-professional"]));
    let (status, _) = app
        .post(
            "/api/v1/exam-results",
            Some(&token),
            &hold("H-P", "mlops-professional"),
        )
        .await;
    assert_eq!(status, 202);
    let (status, _) = app
        .post(
            "/api/v1/exam-results",
            Some(&token),
            &hold("H-D", "dataops-specialist"),
        )
        .await;
    assert_eq!(status, 202);
    let (_, pending) = app
        .get_json_as("/api/v1/exam-results/pending", &admin)
        .await;
    assert_eq!(pending["items"].as_array().unwrap().len(), 3);
    let (status, _) = app
        .post(
            "/api/v1/exam-results/H-D/cancel",
            Some(&admin),
            &json!({"reason": "candidate withdrew"}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, problem) = app
        .post(
            "/api/v1/exam-results/H-D/cancel",
            Some(&admin),
            &json!({"reason": "again"}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str().unwrap()),
        (409, "not_pending")
    );

    let (status, body) = app
        .post(
            "/api/v1/exam-results",
            Some(&token),
            &exam("H-F", "mlops-foundation", "cand-h", 800),
        )
        .await;
    assert_eq!(status, 201);
    let released = body["released"].as_array().unwrap();
    assert_eq!(released.len(), 2, "Professional, then Advanced: {body}");
    let professional = credential(&app, released[0].as_str().unwrap()).await;
    let advanced = credential(&app, released[1].as_str().unwrap()).await;
    assert_eq!(
        professional["credentialSubject"]["achievement"]["humanCode"],
        "mlops-professional"
    );
    assert_eq!(
        prerequisite_urls(&advanced),
        vec![professional["id"].as_str().unwrap().to_owned()]
    );
    // The held attempts now answer with their credentials; the cancelled one stays cancelled.
    let (status, body) = app
        .post(
            "/api/v1/exam-results",
            Some(&token),
            &hold("H-A", "mlops-advanced"),
        )
        .await;
    assert_eq!(
        (status, body["credential_id"].clone()),
        (200, released[1].clone())
    );
    let (status, problem) = app
        .post(
            "/api/v1/exam-results",
            Some(&token),
            &hold("H-D", "dataops-specialist"),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str().unwrap()),
        (409, "attempt_cancelled")
    );
    let (_, pending) = app
        .get_json_as("/api/v1/exam-results/pending", &admin)
        .await;
    assert_eq!(pending["items"], json!([]));
}

#[tokio::test]
async fn recertification_uses_the_newest_valid_prerequisite() {
    let app = TestApp::spawn_with(JCS).await;
    let token = app.token(Role::Issuer).await;
    let admin = app.token(Role::Admin).await;
    let old = app
        .issue(&token, "R-F1", "mlops-foundation", "cand-r")
        .await;
    app.clock.advance(time::Duration::days(400));
    let new = app
        .issue(&token, "R-F2", "mlops-foundation", "cand-r")
        .await;
    let p1 = app
        .issue(&token, "R-P1", "mlops-professional", "cand-r")
        .await;
    assert_eq!(
        prerequisite_urls(&credential(&app, &p1).await),
        vec![app.url(&format!("/credentials/{new}"))]
    );
    app.act(&admin, &new, "suspend", "audit").await;
    let p2 = app
        .issue(&token, "R-P2", "mlops-professional", "cand-r")
        .await;
    assert_eq!(
        prerequisite_urls(&credential(&app, &p2).await),
        vec![app.url(&format!("/credentials/{old}"))],
        "a suspended one does not count"
    );
    // Expired prerequisites count by default (certification programs allow progress after a lapse).
    app.clock.advance(time::Duration::days(5 * 365));
    app.issue(&token, "R-D", "dataops-specialist", "cand-r")
        .await;
}

#[tokio::test]
async fn verification_walks_the_chain_and_catches_tampering_and_revocation() {
    let app = TestApp::spawn_with(JCS).await;
    let token = app.token(Role::Issuer).await;
    let admin = app.token(Role::Admin).await;
    let f = app.issue(&token, "V-F", "mlops-foundation", "cand-c").await;
    app.issue(&token, "V-P", "mlops-professional", "cand-c")
        .await;
    let a = app.issue(&token, "V-A", "mlops-advanced", "cand-c").await;
    let advanced = credential(&app, &a).await;
    let (status, verdict) = app.post("/credentials/verify", None, &advanced).await;
    assert_eq!(status, 200, "{verdict}");
    let links = verdict["lineage"].as_array().unwrap();
    assert_eq!(links.len(), 2);
    assert_eq!(
        (links[0]["depth"].clone(), links[1]["depth"].clone()),
        (json!(1), json!(2))
    );
    assert!(
        links[1]["achievement"]
            .as_str()
            .unwrap()
            .contains("Foundation")
    );
    let (_, page, _) = app.get_text(&format!("/v/{a}"), "text/html").await;
    assert!(page.contains("Builds on") && page.contains("Foundation"));

    app.act(&admin, &f, "revoke", "identity fraud").await;
    let (status, verdict) = app.post("/credentials/verify", None, &advanced).await;
    assert_eq!(status, 422);
    let lineage = check(&verdict, "lineage").clone();
    assert_eq!(lineage["status"], "failed");
    assert!(
        lineage["detail"]
            .as_str()
            .unwrap()
            .contains("identity fraud"),
        "{lineage}"
    );
    let revocation = check(&verdict, "revocation").clone();
    assert_eq!(
        revocation["status"], "passed",
        "the dependent itself is not revoked"
    );

    // Tamper with a stored prerequisite: its digest no longer matches.
    let g = app
        .issue(&token, "V-F2", "mlops-foundation", "cand-t")
        .await;
    let p = app
        .issue(&token, "V-P2", "mlops-professional", "cand-t")
        .await;
    app.raw_execute("UPDATE credentials SET json = replace(json, '\"812\"', '\"999\"') WHERE credential_id = $1", &[&g]).await;
    let (status, verdict) = app
        .post("/credentials/verify", None, &credential(&app, &p).await)
        .await;
    assert_eq!(status, 422);
    assert!(
        verdict["lineage"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("digest"),
        "{verdict}"
    );
}

#[tokio::test]
async fn cascade_revocation_hits_exactly_the_dependents() {
    let app = TestApp::spawn_with(JCS).await;
    let token = app.token(Role::Issuer).await;
    let admin = app.token(Role::Admin).await;
    let f = app.issue(&token, "C-F", "mlops-foundation", "cand-x").await;
    let p = app
        .issue(&token, "C-P", "mlops-professional", "cand-x")
        .await;
    let a = app.issue(&token, "C-A", "mlops-advanced", "cand-x").await;
    let d = app
        .issue(
            &token,
            SPECIALISTS_OF_FOUNDATION[0],
            "dataops-specialist",
            "cand-x",
        )
        .await;
    let other = app
        .issue(&token, "C-F-other", "mlops-foundation", "cand-y")
        .await;

    let (status, body) = app.act(&admin, &f, "revoke", "exam misconduct").await;
    assert_eq!(status, 200);
    let mut listed: Vec<String> = body["dependents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    listed.sort();
    let mut expected = vec![p.clone(), a.clone(), d.clone()];
    expected.sort();
    assert_eq!(
        listed, expected,
        "without cascade the answer lists every dependent"
    );
    assert_eq!(body["cascaded"], json!([]));

    let f2 = app
        .issue(&token, "C-F2", "mlops-foundation", "cand-z")
        .await;
    let p2 = app
        .issue(&token, "C-P2", "mlops-professional", "cand-z")
        .await;
    let a2 = app.issue(&token, "C-A2", "mlops-advanced", "cand-z").await;
    let (_, body) = app
        .post(
            &format!("/api/v1/credentials/{f2}/revoke"),
            Some(&admin),
            &json!({"reason": "identity fraud", "cascade": true}),
        )
        .await;
    let mut cascaded: Vec<String> = body["cascaded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    cascaded.sort();
    let mut expected = vec![p2.clone(), a2.clone()];
    expected.sort();
    assert_eq!(cascaded, expected);
    let (_, audit) = app.get_json_as("/api/v1/audit?limit=1000", &admin).await;
    let revocations: Vec<&Value> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "credential.revoke")
        .collect();
    for dep in [&p2, &a2] {
        let entry = revocations
            .iter()
            .find(|e| e["credential_id"] == dep.as_str())
            .expect("own audit entry");
        assert!(
            entry["reason"].as_str().unwrap().contains(&f2),
            "names the cause: {entry}"
        );
    }
    let (_, list) = app
        .get_json_as("/api/v1/credentials?state=revoked&limit=100", &admin)
        .await;
    let revoked: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["credential_id"].as_str().unwrap())
        .collect();
    assert!(!revoked.contains(&other.as_str()) && !revoked.contains(&p.as_str()));
    assert_eq!(revoked.len(), 4, "f, f2, p2, a2: {revoked:?}");
}

#[tokio::test]
async fn a_catalog_with_a_cycle_or_unknown_code_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let good = attest::domain::catalog::DEFAULT_CATALOG;
    for (name, text, needle) in [
        (
            "cycle",
            good.replacen(
                "prerequisites = []",
                "prerequisites = [\"mlops-advanced\"]",
                1,
            ),
            "cycle",
        ),
        (
            "unknown",
            good.replacen(
                "prerequisites = []",
                "prerequisites = [\"mlops-wizard\"]",
                1,
            ),
            "unknown prerequisite",
        ),
    ] {
        let path = dir.path().join(format!("{name}.toml"));
        std::fs::write(&path, text).unwrap();
        let env = |k: &str| match k {
            "ATTEST_CATALOG" => Some(path.display().to_string()),
            "ATTEST_DATABASE_URL" => Some(format!(
                "sqlite://{}",
                dir.path().join("db.sqlite").display()
            )),
            "ATTEST_KEYS_DIR" => Some(dir.path().join("keys").display().to_string()),
            _ => None,
        };
        let config = attest::config::Config::load(&dir.path().join("attest.toml"), false, env)
            .unwrap()
            .config;
        let err =
            attest::service::Context::open(config, std::sync::Arc::new(attest::clock::SystemClock))
                .await
                .err()
                .expect("refused");
        let message = err.to_string();
        assert!(
            message.contains(needle) && message.contains("line"),
            "{message}"
        );
    }
}
