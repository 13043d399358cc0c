//! Status indexes: concurrent changes are never lost, an index is never handed out twice,
//! indexes are random, a full list opens the next, and VC API credentials get our entries.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_revocations_and_suspensions_are_never_lost() {
    const N: usize = 500;
    let app = TestApp::spawn_with(JCS).await;
    let issuer = app.token(Role::Issuer).await;
    let admin = app.token(Role::Admin).await;
    let ids = issue_batch(&app, &issuer, "EXM-L", N).await;
    let rev = slot(&app, &ids[0], "revocation").await.path;
    let sus = slot(&app, &ids[0], "suspension").await.path;
    // Publish once first, so that a stale cached publication exists during the storm.
    assert!(bits_of(&app, &rev).await.is_empty());

    let mut writers = tokio::task::JoinSet::new();
    let mut readers = tokio::task::JoinSet::new();
    for (n, id) in ids.iter().enumerate() {
        let (http, base, admin, id) = (
            app.http.clone(),
            app.base.clone(),
            admin.clone(),
            id.clone(),
        );
        let action = if n % 2 == 0 { "revoke" } else { "suspend" };
        writers.spawn(async move {
            let res = http
                .post(format!("{base}/api/v1/credentials/{id}/{action}"))
                .bearer_auth(admin)
                .json(&json!({"reason": format!("batch {n}")}))
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            let body: Value = res.json().await.unwrap();
            (status, body)
        });
        // Readers interleaved with the writers keep re-publishing the lists.
        if n % 25 == 0 {
            let (http, url) = (app.http.clone(), app.url(&rev));
            readers.spawn(async move { http.get(url).send().await.unwrap().status().as_u16() });
        }
    }
    while let Some(done) = writers.join_next().await {
        let (status, body) = done.unwrap();
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["changed"], true, "{body}");
    }
    while let Some(done) = readers.join_next().await {
        assert_eq!(done.unwrap(), 200);
    }

    let mut revoked = BTreeSet::new();
    let mut suspended = BTreeSet::new();
    for (n, id) in ids.iter().enumerate() {
        if n % 2 == 0 {
            revoked.insert(slot(&app, id, "revocation").await.index);
        } else {
            suspended.insert(slot(&app, id, "suspension").await.index);
        }
    }
    assert_eq!(revoked.len() + suspended.len(), N);
    assert_eq!(bits_of(&app, &rev).await, revoked);
    assert_eq!(bits_of(&app, &sus).await, suspended);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_issuance_never_hands_out_an_index_twice() {
    let app = TestApp::spawn_with(JCS).await;
    let issuer = app.token(Role::Issuer).await;
    let mut tasks = tokio::task::JoinSet::new();
    // Single requests and batches, all at once.
    for n in 0..60 {
        let (http, base, token) = (app.http.clone(), app.base.clone(), issuer.clone());
        tasks.spawn(async move {
            let body = exam(
                &format!("EXM-S{n}"),
                "mlops-foundation",
                &format!("cand-s{n}"),
                800,
            );
            let res = http
                .post(format!("{base}/api/v1/exam-results"))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status().as_u16(), 201);
            let body: Value = res.json().await.unwrap();
            vec![body["credential_id"].as_str().unwrap().to_owned()]
        });
    }
    for batch in 0..4 {
        let (http, base, token) = (app.http.clone(), app.base.clone(), issuer.clone());
        tasks.spawn(async move {
            let results: Vec<Value> = (0..100)
                .map(|i| {
                    exam(
                        &format!("EXM-P{batch}-{i}"),
                        "mlops-foundation",
                        &format!("cand-p{batch}-{i}"),
                        800,
                    )
                })
                .collect();
            let res = http
                .post(format!("{base}/api/v1/exam-results/batch"))
                .bearer_auth(token)
                .json(&json!({"results": results}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status().as_u16(), 200);
            let body: Value = res.json().await.unwrap();
            assert_eq!(body["summary"]["issued"], 100, "{}", body["summary"]);
            body["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["credential_id"].as_str().unwrap().to_owned())
                .collect()
        });
    }
    let mut ids = Vec::new();
    while let Some(done) = tasks.join_next().await {
        ids.extend(done.unwrap());
    }
    assert_eq!(ids.len(), 460);
    let mut slots = HashSet::new();
    for id in &ids {
        for (purpose, slot) in status_slots(&app, &stored_credential(&app, id).await) {
            assert!(
                slots.insert((purpose, slot.clone())),
                "{slot:?} handed out twice"
            );
        }
    }
}

#[tokio::test]
async fn indexes_are_drawn_at_random_and_never_repeat() {
    const N: usize = 1000;
    let app = TestApp::spawn_with(JCS).await;
    let issuer = app.token(Role::Issuer).await;
    let ids = issue_batch(&app, &issuer, "EXM-R", N).await;
    let mut indexes = Vec::with_capacity(N);
    for id in &ids {
        let slot = slot(&app, id, "revocation").await;
        assert_eq!(slot.path, "/status/revocation-1");
        indexes.push(slot.index);
    }
    let distinct: HashSet<usize> = indexes.iter().copied().collect();
    assert_eq!(distinct.len(), N, "an index was handed out twice");
    // Not monotonic, and not a rotated or strided sequence either: for independent uniform
    // draws the number of ascents is ~N/2 (standard deviation ~9).
    let ascents = indexes.windows(2).filter(|w| w[1] > w[0]).count();
    assert!((400..=600).contains(&ascents), "{ascents} ascents in {N}");
    let (min, max) = (indexes.iter().min().unwrap(), indexes.iter().max().unwrap());
    assert!(max - min > MIN_LIST_ENTRIES / 2, "spread {min}..{max}");
}

#[tokio::test]
async fn a_full_list_hands_out_its_last_free_index_then_a_new_list_opens() {
    if !sqlite_only("a_full_list_hands_out_its_last_free_index_then_a_new_list_opens") {
        return;
    }
    let app = TestApp::spawn_with(JCS).await;
    let issuer = app.token(Role::Issuer).await;
    let admin = app.token(Role::Admin).await;
    let first = app
        .issue(&issuer, "EXM-Z0", "mlops-foundation", "cand-z0")
        .await;
    let taken = slot(&app, &first, "revocation").await.index as i64;
    // Fill list 1 directly, leaving exactly one index free.
    let last_free: i64 = if taken == 77_777 { 77_778 } else { 77_777 };
    let mut db = raw_db(&app).await;
    let fill = format!(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {max}) \
         INSERT INTO credentials (credential_id, holder_name, issued_at, list_number, list_index, key_id, json, jwt) \
         SELECT printf('00000000-0000-4000-8000-%012x', i), 'filler', 0, 1, i, 'key-1', '{{}}', '' \
         FROM n WHERE i NOT IN ({taken}, {last_free})",
        max = MIN_LIST_ENTRIES - 1
    );
    sqlx::query(sqlx::AssertSqlSafe(fill))
        .execute(&mut db)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE status_lists SET allocated = (SELECT COUNT(*) FROM credentials WHERE list_number = 1)",
    )
    .execute(&mut db)
    .await
    .unwrap();

    let last = app
        .issue(&issuer, "EXM-Z1", "mlops-foundation", "cand-z1")
        .await;
    let slot_last = slot(&app, &last, "revocation").await;
    assert_eq!(slot_last.path, "/status/revocation-1");
    assert_eq!(slot_last.index as i64, last_free, "the one free index");
    let next = app
        .issue(&issuer, "EXM-Z2", "mlops-foundation", "cand-z2")
        .await;
    let slot_next = slot(&app, &next, "revocation").await;
    assert_eq!(
        slot_next.path, "/status/revocation-2",
        "a full list is never reused"
    );

    for id in [&last, &next] {
        let (status, _) = app.act(&admin, id, "revoke", "test").await;
        assert_eq!(status, 200);
    }
    assert_eq!(
        bits_of(&app, "/status/revocation-1").await,
        BTreeSet::from([slot_last.index])
    );
    assert_eq!(
        bits_of(&app, "/status/revocation-2").await,
        BTreeSet::from([slot_next.index])
    );
    let (status, _, _, _) = fetch(&app, "/status/revocation-3", "application/json", None).await;
    assert_eq!(status, 404);
}

/// Credentials signed through the VC API get our status entries and are revocable like any
/// other; a caller cannot bring its own entry (it could name another credential's index, and a
/// revocation through our API would flip a bit nobody checks).
#[tokio::test]
async fn vc_api_credentials_carry_our_status_entries_and_cannot_bring_their_own() {
    let app = TestApp::spawn_with(JCS).await;
    let issuer = app.token(Role::Issuer).await;
    let admin = app.token(Role::Admin).await;
    let victim = app
        .issue(&issuer, "EXM-V1", "mlops-foundation", "cand-v1")
        .await;
    let victim_slot = slot(&app, &victim, "revocation").await;
    let unsigned = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:holder", "name": "Ada"},
    });

    let (status, body) = app
        .post(
            "/credentials/issue",
            Some(&issuer),
            &json!({"credential": unsigned}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let signed = &body["verifiableCredential"];
    let slots = status_slots(&app, signed);
    let id = signed["id"].as_str().unwrap().rsplit('/').next().unwrap();
    let (status, _) = app.act(&admin, id, "revoke", "test").await;
    assert_eq!(status, 200);
    let rev = &slots["revocation"];
    assert_eq!(bits_of(&app, &rev.path).await, BTreeSet::from([rev.index]));

    let mut forged = unsigned.clone();
    forged["credentialStatus"] = json!({
        "id": format!("{}/status/revocation-1#{}", app.base, victim_slot.index),
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": victim_slot.index.to_string(),
        "statusListCredential": format!("{}/status/revocation-1", app.base),
    });
    let before = app.ctx.store.audit(0, 1000).await.unwrap().len();
    let (status, body) = app
        .post(
            "/credentials/issue",
            Some(&issuer),
            &json!({"credential": forged}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["code"], "status_assigned_by_issuer");
    assert_eq!(app.ctx.store.audit(0, 1000).await.unwrap().len(), before);
}
