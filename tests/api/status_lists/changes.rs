//! Revoke, suspend, reinstate: what each answers, that a revocation is final and survives a
//! restart, and the cascade to dependents.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

#[tokio::test]
async fn revocation_is_final_and_each_mistake_has_its_own_answer() {
    let app = TestApp::spawn_with(JCS).await;
    let issuer = app.token(Role::Issuer).await;
    let admin = app.token(Role::Admin).await;
    let a = app
        .issue(&issuer, "EXM-F1", "mlops-foundation", "cand-f1")
        .await;
    let b = app
        .issue(&issuer, "EXM-F2", "mlops-foundation", "cand-f2")
        .await;
    let why = "identity fraud";
    let reason = json!({ "reason": why });

    let (status, body) = app.act(&admin, &a, "revoke", why).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["changed"].clone(), body["state"].clone()),
        (json!(true), json!("revoked"))
    );
    let audited = audit_entries(&app, &admin).await.len();

    // Repeats are harmless and say so; refusals change nothing; neither is audited.
    let (status, body) = app.act(&admin, &a, "revoke", why).await;
    assert_eq!(status, 200);
    assert_eq!(
        (body["changed"].clone(), body["state"].clone()),
        (json!(false), json!("revoked"))
    );
    for action in ["reinstate", "suspend"] {
        let (status, body) = app.act(&admin, &a, action, why).await;
        assert_eq!(status, 409, "{action}: {body}");
        assert_eq!(body["code"], "revoked_is_final");
    }
    let (status, body) = app.act(&admin, &b, "reinstate", why).await;
    assert_eq!(status, 200);
    assert_eq!(
        (body["changed"].clone(), body["state"].clone()),
        (json!(false), json!("active"))
    );
    assert_eq!(audit_entries(&app, &admin).await.len(), audited);
    for (action, changed, state) in [
        ("suspend", true, "suspended"),
        ("suspend", false, "suspended"),
        ("reinstate", true, "active"),
        ("reinstate", false, "active"),
    ] {
        let (status, body) = app.act(&admin, &b, action, why).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            (body["changed"].clone(), body["state"].clone()),
            (json!(changed), json!(state))
        );
    }
    assert_eq!(audit_entries(&app, &admin).await.len(), audited + 2);

    let unknown = uuid::Uuid::new_v4().to_string();
    for action in ["revoke", "suspend", "reinstate"] {
        let cases: [(Option<&str>, &str, Value, u16, &str); 10] = [
            (Some(&admin), &unknown, reason.clone(), 404, "not_found"),
            (
                Some(&admin),
                "not-a-uuid",
                reason.clone(),
                400,
                "invalid_id",
            ),
            (
                Some(&admin),
                &format!("{b}x"),
                reason.clone(),
                400,
                "invalid_id",
            ),
            (Some(&admin), &b, json!({}), 400, "invalid_request"),
            (
                Some(&admin),
                &b,
                json!({"reason": "   "}),
                400,
                "invalid_reason",
            ),
            (
                Some(&admin),
                &b,
                json!({"reason": 7}),
                400,
                "invalid_request",
            ),
            (
                Some(&admin),
                &b,
                json!({"reason": "x", "why": "y"}),
                400,
                "invalid_request",
            ),
            (Some(&issuer), &b, reason.clone(), 403, "forbidden"),
            (None, &b, reason.clone(), 401, "unauthenticated"),
            (
                Some("att_nope_nope"),
                &b,
                reason.clone(),
                401,
                "unauthenticated",
            ),
        ];
        for (token, id, body, want, code) in cases {
            let res = app
                .http
                .post(app.url(&format!("/api/v1/credentials/{id}/{action}")))
                .json(&body);
            let res = match token {
                Some(t) => res.bearer_auth(t),
                None => res,
            };
            let res = res.send().await.unwrap();
            assert_eq!(res.status().as_u16(), want, "{action} {id} {body}");
            assert_eq!(res.headers()["content-type"], "application/problem+json");
            let problem: Value = res.json().await.unwrap();
            assert_eq!(problem["code"], code, "{action} {id} {body}: {problem}");
        }
    }
    // None of that touched the state or the list.
    let rev = slot(&app, &a, "revocation").await;
    assert_eq!(bits_of(&app, &rev.path).await, BTreeSet::from([rev.index]));
    let sus = slot(&app, &b, "suspension").await;
    assert!(bits_of(&app, &sus.path).await.is_empty());
    assert_eq!(audit_entries(&app, &admin).await.len(), audited + 2);
}

#[tokio::test]
async fn a_revocation_survives_a_restart() {
    let app = TestApp::spawn_with(JCS).await;
    let issuer = app.token(Role::Issuer).await;
    let admin = app.token(Role::Admin).await;
    let id = app
        .issue(&issuer, "EXM-X1", "mlops-foundation", "cand-x1")
        .await;
    let rev = slot(&app, &id, "revocation").await;
    // A publication without the bit is stored before the revocation.
    assert!(bits_of(&app, &rev.path).await.is_empty());
    let (status, _) = app.act(&admin, &id, "revoke", "misconduct").await;
    assert_eq!(status, 200);
    // Stop right after the answer.
    let (dir, clock) = app.stop().await;

    let app = TestApp::spawn_in(dir, JCS, clock).await;
    assert_eq!(bits_of(&app, &rev.path).await, BTreeSet::from([rev.index]));
    let row = app
        .ctx
        .store
        .credential(&CredentialId::parse(&id).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (row.state.as_str(), row.state_reason.as_deref()),
        ("revoked", Some("misconduct"))
    );
    let admin = app.token(Role::Admin).await;
    let (status, body) = app.act(&admin, &id, "reinstate", "appeal").await;
    assert_eq!(
        (status, body["code"].clone()),
        (409, json!("revoked_is_final"))
    );
}

#[tokio::test]
async fn revoking_a_prerequisite_can_cascade_to_its_dependents() {
    let app = TestApp::spawn_with(JCS).await;
    let issuer = app.token(Role::Issuer).await;
    let admin = app.token(Role::Admin).await;
    // Foundation → Professional → Advanced, and Foundation → DataOps, for one candidate.
    let f = app
        .issue(&issuer, "EXM-K1", "mlops-foundation", "cand-k")
        .await;
    let p = app
        .issue(&issuer, "EXM-K2", "mlops-professional", "cand-k")
        .await;
    let adv = app
        .issue(&issuer, "EXM-K3", "mlops-advanced", "cand-k")
        .await;
    let d = app
        .issue(&issuer, "EXM-K4", "dataops-specialist", "cand-k")
        .await;
    let other = app
        .issue(&issuer, "EXM-K5", "mlops-foundation", "cand-other")
        .await;
    let lineage = app
        .ctx
        .store
        .lineage_of(&CredentialId::parse(&p).unwrap())
        .await
        .unwrap();
    assert_eq!(lineage, [CredentialId::parse(&f).unwrap()]);
    // A suspended dependent is revoked by the cascade as well.
    let (status, _) = app.act(&admin, &d, "suspend", "lapse").await;
    assert_eq!(status, 200);

    let sorted = |v: &Value| {
        let mut ids: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i.as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    };
    let mut everything_below = vec![p.clone(), adv.clone(), d.clone()];
    everything_below.sort();

    // Without cascade: only the prerequisite, and the answer names what depends on it — all of
    // what a cascade would revoke, not only the direct dependents.
    let (status, body) = app.act(&admin, &f, "revoke", "exam leak").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["changed"], true);
    assert_eq!(sorted(&body["cascaded"]), Vec::<String>::new());
    assert_eq!(sorted(&body["dependents"]), everything_below);
    let rev = slot(&app, &f, "revocation").await.path;
    let index = |id: String| {
        let app = &app;
        async move { slot(app, &id, "revocation").await.index }
    };
    assert_eq!(
        bits_of(&app, &rev).await,
        BTreeSet::from([index(f.clone()).await])
    );

    // With cascade (the prerequisite is already revoked: a repeat, but the cascade still runs).
    let (status, body) = app
        .post(
            &format!("/api/v1/credentials/{f}/revoke"),
            Some(&admin),
            &json!({"reason": "exam leak", "cascade": true}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["changed"], false);
    assert_eq!(sorted(&body["cascaded"]), everything_below);
    let mut expected = BTreeSet::new();
    for id in [&f, &p, &adv, &d] {
        expected.insert(index(id.clone()).await);
    }
    assert_eq!(bits_of(&app, &rev).await, expected);
    let sus = slot(&app, &d, "suspension").await;
    assert!(
        bits_of(&app, &sus.path).await.is_empty(),
        "revoked, no longer suspended"
    );
    assert!(
        !bits_of(&app, &rev)
            .await
            .contains(&index(other.clone()).await)
    );
    let entries = audit_entries(&app, &admin).await;
    let e = find(&entries, "credential.revoke", Some(&adv));
    assert!(e["reason"].as_str().unwrap().contains(&f), "{e}");
    assert_eq!(e["detail"]["cause"], f.as_str());

    // Nothing left to cascade: repeats say so.
    let (_, body) = app
        .post(
            &format!("/api/v1/credentials/{f}/revoke"),
            Some(&admin),
            &json!({"reason": "again", "cascade": true}),
        )
        .await;
    assert_eq!(
        (body["changed"].clone(), sorted(&body["cascaded"])),
        (json!(false), Vec::<String>::new())
    );
    let (_, body) = app.act(&admin, &f, "revoke", "again").await;
    assert_eq!(
        sorted(&body["dependents"]),
        Vec::<String>::new(),
        "all already revoked"
    );
}
