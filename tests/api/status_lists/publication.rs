//! The published lists: every credential carries both entries, a list holds exactly the
//! changed bits and verifies independently, is signed once per change, served from cache and
//! by the HTTP rules, and publishing reads only the changed rows.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

#[tokio::test]
async fn every_credential_carries_a_revocation_and_a_suspension_entry() {
    let app = TestApp::spawn_with(JCS).await;
    let token = app.token(Role::Issuer).await;
    let mut seen = HashSet::new();
    for n in 0..3 {
        let id = app
            .issue(
                &token,
                &format!("EXM-E{n}"),
                "mlops-foundation",
                &format!("cand-e{n}"),
            )
            .await;
        // As a verifier sees it: the public JSON.
        let (status, credential) = app.get_json(&format!("/credentials/{id}")).await;
        assert_eq!(status, 200);
        let slots = status_slots(&app, &credential);
        for (purpose, slot) in &slots {
            assert!(
                seen.insert((purpose.clone(), slot.clone())),
                "{slot:?} reused"
            );
            // The list URL dereferences to a list of that purpose.
            let list = list_json(&app, &slot.path).await;
            assert_eq!(list["credentialSubject"]["statusPurpose"], purpose.as_str());
            assert_eq!(list["id"], app.url(&slot.path));
        }
    }
}

#[tokio::test]
async fn published_lists_hold_exactly_the_changed_bits_and_verify_independently() {
    // Default suite: the list credential carries an eddsa-rdfc-2022 proof.
    let app = TestApp::spawn().await;
    let issuer = app.token(Role::Issuer).await;
    let admin = app.token(Role::Admin).await;
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(
            app.issue(
                &issuer,
                &format!("EXM-B{n}"),
                "mlops-foundation",
                &format!("cand-b{n}"),
            )
            .await,
        );
    }
    let (a, b, c, d) = (&ids[0], &ids[1], &ids[2], &ids[3]);
    let rev = slot(&app, a, "revocation").await.path;
    let sus = slot(&app, a, "suspension").await.path;
    assert_ne!(rev, sus);
    assert!(bits_of(&app, &rev).await.is_empty());
    assert!(bits_of(&app, &sus).await.is_empty());

    let why = "exam misconduct";
    for (id, action) in [
        (a, "revoke"),
        (b, "suspend"),
        (c, "suspend"),
        (d, "suspend"),
        (d, "revoke"),
        (c, "reinstate"),
    ] {
        let (status, body) = app.act(&admin, id, action, why).await;
        assert_eq!(status, 200, "{action} {id}: {body}");
        assert_eq!(body["changed"], true, "{body}");
    }
    let index = |id: &str, purpose: &'static str| {
        let app = &app;
        let id = id.to_owned();
        async move { slot(app, &id, purpose).await.index }
    };
    let revoked = BTreeSet::from([index(a, "revocation").await, index(d, "revocation").await]);
    let suspended = BTreeSet::from([index(b, "suspension").await]);
    assert_eq!(bits_of(&app, &rev).await, revoked);
    assert_eq!(bits_of(&app, &sus).await, suspended);

    // Lifting the suspension clears the bit.
    let (status, _) = app.act(&admin, b, "reinstate", why).await;
    assert_eq!(status, 200);
    assert!(bits_of(&app, &sus).await.is_empty());
    assert_eq!(bits_of(&app, &rev).await, revoked);

    // The list credential (§2.2) and its proof, with the key from the DID document.
    let list = list_json(&app, &rev).await;
    assert_eq!(list["@context"][0], "https://www.w3.org/ns/credentials/v2");
    assert_eq!(
        list["type"],
        json!(["VerifiableCredential", "BitstringStatusListCredential"])
    );
    let subject = &list["credentialSubject"];
    assert_eq!(subject["type"], "BitstringStatusList");
    assert_eq!(subject["statusPurpose"], "revocation");
    assert_eq!(subject["ttl"], 300_000, "ttl is in milliseconds");
    // Dated back by the 5 min clock-skew allowance; valid for status_list_validity_seconds.
    assert_eq!(list["validFrom"], "2026-11-20T14:55:00Z");
    assert_eq!(list["validUntil"], "2026-11-20T15:30:00Z");
    let credential = stored_credential(&app, a).await;
    assert_eq!(list["issuer"], credential["issuer"]["id"]);
    assert_eq!(list["proof"]["cryptosuite"], "eddsa-rdfc-2022");
    let (_, did) = app.get_json("/.well-known/did.json").await;
    let key = key_from_did_document(&did, list["proof"]["verificationMethod"].as_str().unwrap());
    verify_rdfc_proof(&list, &key).expect("list proof verifies");
    let mut forged = list.clone();
    let mut cleared = vec![0u8; MIN_LIST_ENTRIES / 8];
    cleared[0] = 0; // an all-clear list
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, &cleared).unwrap();
    forged["credentialSubject"]["encodedList"] = json!(format!(
        "u{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(gz.finish().unwrap())
    ));
    assert!(
        verify_rdfc_proof(&forged, &key).is_err(),
        "a forged list must not verify"
    );

    // The vc+jwt form says the same, signed by a key of the JWK Set.
    let (status, jwt, _, _) = fetch(&app, &rev, "application/vc+jwt", None).await;
    assert_eq!(status, 200);
    let (_, jwks) = app.get_json("/.well-known/jwks.json").await;
    let (header, payload) = verify_jwt(&jwt, &jwks).expect("list JWT verifies");
    assert_eq!(header["kid"], list["proof"]["verificationMethod"]);
    assert!(payload.get("proof").is_none());
    assert_eq!(payload["credentialSubject"], list["credentialSubject"]);
    assert_eq!(published_bits(&payload), revoked);
}

#[tokio::test]
async fn lists_are_signed_once_per_change_and_served_from_cache() {
    let app = TestApp::spawn().await;
    let issuer = app.token(Role::Issuer).await;
    let admin = app.token(Role::Admin).await;
    let id = app
        .issue(&issuer, "EXM-C1", "mlops-foundation", "cand-c1")
        .await;
    let path = slot(&app, &id, "revocation").await.path;
    let list_id = path.trim_start_matches("/status/").to_owned();
    let published_at = || async {
        let row = app.ctx.store.publication(&list_id).await.unwrap().unwrap();
        (row.published_at, row.etag)
    };

    let (status, first, etag, cache) = fetch(&app, &path, "application/json", None).await;
    assert_eq!(status, 200);
    let etag = etag.expect("ETag");
    assert_eq!(cache.as_deref(), Some("public, max-age=300"));
    let signed_at = published_at().await;
    assert_eq!(signed_at.0, T0.unix_timestamp());

    // No change, time moves on (well within the validity): same bytes, same ETag, not re-signed.
    app.clock.advance(Duration::minutes(10));
    let (status, again, etag_again, _) = fetch(&app, &path, "application/json", None).await;
    assert_eq!(status, 200);
    assert_eq!(again, first);
    assert_eq!(etag_again.as_deref(), Some(etag.as_str()));
    assert_eq!(published_at().await, signed_at, "not re-signed");
    let proof_created = |text: &str| {
        serde_json::from_str::<Value>(text).unwrap()["proof"]["created"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(proof_created(&again), "2026-11-20T15:00:00Z");

    // Conditional requests.
    let (status, body, etag_304, cache_304) =
        fetch(&app, &path, "application/json", Some(&etag)).await;
    assert_eq!((status, body.as_str()), (304, ""));
    assert_eq!(etag_304.as_deref(), Some(etag.as_str()));
    assert!(cache_304.is_some());
    let (status, _, _, _) = fetch(&app, &path, "application/json", Some("\"stale\"")).await;
    assert_eq!(status, 200);
    // The JWT is another representation, so another ETag, with its own 304.
    let (status, jwt, jwt_etag, _) = fetch(&app, &path, "application/vc+jwt", None).await;
    assert_eq!(status, 200);
    let jwt_etag = jwt_etag.unwrap();
    assert_ne!(jwt_etag, etag);
    let (status, _, _, _) = fetch(&app, &path, "application/vc+jwt", Some(&jwt_etag)).await;
    assert_eq!(status, 304);
    let (_, jwt_again, _, _) = fetch(&app, &path, "application/vc+jwt", None).await;
    assert_eq!(jwt_again, jwt);

    // A change is visible on the very next fetch, under a new ETag, even to a conditional GET.
    let (status, _) = app.act(&admin, &id, "revoke", "fraud").await;
    assert_eq!(status, 200);
    let (status, changed, new_etag, _) = fetch(&app, &path, "application/json", Some(&etag)).await;
    assert_eq!(status, 200);
    let new_etag = new_etag.unwrap();
    assert_ne!(new_etag, etag);
    let index = slot(&app, &id, "revocation").await.index;
    let changed: Value = serde_json::from_str(&changed).unwrap();
    assert_eq!(published_bits(&changed), BTreeSet::from([index]));
    assert_eq!(changed["proof"]["created"], "2026-11-20T15:10:00Z");
    let (_, jwt_changed, _, _) = fetch(&app, &path, "application/vc+jwt", None).await;
    assert_ne!(jwt_changed, jwt);
    let signed_at = published_at().await;

    // Re-signed once half of the 30 min validity has passed, not before.
    app.clock
        .advance(Duration::minutes(15) - Duration::seconds(1));
    let (_, _, etag_before, _) = fetch(&app, &path, "application/json", None).await;
    assert_eq!(etag_before.as_deref(), Some(new_etag.as_str()));
    assert_eq!(published_at().await, signed_at);
    app.clock.advance(Duration::seconds(1));
    let (status, renewed, renewed_etag, _) =
        fetch(&app, &path, "application/json", Some(&new_etag)).await;
    assert_eq!(status, 200, "a re-signed list is a new representation");
    assert_ne!(renewed_etag.unwrap(), new_etag);
    let renewed: Value = serde_json::from_str(&renewed).unwrap();
    assert_eq!(renewed["proof"]["created"], "2026-11-20T15:25:00Z");
    assert_eq!(renewed["validUntil"], "2026-11-20T15:55:00Z");
    assert_eq!(published_bits(&renewed), BTreeSet::from([index]));
    assert_eq!(
        published_at().await.0,
        (T0 + Duration::minutes(25)).unix_timestamp()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_fetches_after_a_change_signs_the_list_once() {
    if !sqlite_only("a_burst_of_fetches_after_a_change_signs_the_list_once") {
        return;
    }
    let app = TestApp::spawn().await;
    let issuer = app.token(Role::Issuer).await;
    let admin = app.token(Role::Admin).await;
    let id = app
        .issue(&issuer, "EXM-G1", "mlops-foundation", "cand-g1")
        .await;
    let rev = slot(&app, &id, "revocation").await;
    // Count every write of a publication with a trigger of the test's own.
    let mut db = raw_db(&app).await;
    for statement in [
        "CREATE TABLE test_signatures (list_id TEXT NOT NULL)",
        "CREATE TRIGGER test_count_insert AFTER INSERT ON status_publications \
         BEGIN INSERT INTO test_signatures VALUES (new.list_id); END",
        "CREATE TRIGGER test_count_update AFTER UPDATE ON status_publications \
         BEGIN INSERT INTO test_signatures VALUES (new.list_id); END",
    ] {
        sqlx::query(statement).execute(&mut db).await.unwrap();
    }
    let signatures = |list: &'static str| {
        let app = &app;
        async move {
            let mut db = raw_db(app).await;
            let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM test_signatures WHERE list_id = '{list}'"
            )))
            .fetch_one(&mut db)
            .await
            .unwrap();
            n
        }
    };

    for round in 0..2 {
        if round == 1 {
            let (status, _) = app.act(&admin, &id, "revoke", "x").await;
            assert_eq!(status, 200);
        }
        let mut fetches = tokio::task::JoinSet::new();
        for _ in 0..32 {
            let (http, url) = (app.http.clone(), app.url(&rev.path));
            fetches.spawn(async move {
                let res = http.get(url).send().await.unwrap();
                (res.status().as_u16(), res.text().await.unwrap())
            });
        }
        let mut bodies = HashSet::new();
        while let Some(done) = fetches.join_next().await {
            let (status, body) = done.unwrap();
            assert_eq!(status, 200);
            bodies.insert(body);
        }
        assert_eq!(bodies.len(), 1);
        assert_eq!(
            signatures("revocation-1").await,
            round + 1,
            "32 simultaneous fetches after a change sign the list once"
        );
    }
    assert_eq!(bits_of(&app, &rev.path).await, BTreeSet::from([rev.index]));
}

#[tokio::test]
async fn fetches_follow_http_negotiation_and_conditional_rules() {
    let app = TestApp::spawn_with(JCS).await;
    let issuer = app.token(Role::Issuer).await;
    let id = app
        .issue(&issuer, "EXM-H1", "mlops-foundation", "cand-h1")
        .await;
    let path = slot(&app, &id, "revocation").await.path;
    let (_, _, etag, _) = fetch(&app, &path, "application/json", None).await;
    let etag = etag.unwrap();
    // RFC 9110 §13.1.2: If-None-Match uses the weak comparison (a proxy may weaken the tag).
    let weak = format!("W/{etag}");
    for tags in [weak.as_str(), &format!("\"other\", {weak}"), "*"] {
        let (status, _, _, _) = fetch(&app, &path, "application/json", Some(tags)).await;
        assert_eq!(status, 304, "If-None-Match: {tags}");
    }
    // The client's order of preference decides the form, as for credentials.
    for (accept, jwt) in [
        ("application/vc+jwt", true),
        ("application/vc+ld+json, application/vc+jwt;q=0.5", false),
        ("application/vc+jwt;q=0.9, application/json;q=0.1", true),
        ("application/json", false),
        ("*/*", false),
    ] {
        let res = app
            .http
            .get(app.url(&path))
            .header("accept", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
        let content_type = res.headers()["content-type"].to_str().unwrap().to_owned();
        assert_eq!(
            content_type == "application/vc+jwt",
            jwt,
            "{accept}: {content_type}"
        );
        let body = res.text().await.unwrap();
        assert_eq!(body.starts_with("ey"), jwt, "{accept}");
    }
}

/// Publishing reads only the changed credentials of a list (a covering partial index), not all
/// 131,072 rows: the query plan is checked, nothing is timed.
#[tokio::test]
async fn publishing_reads_only_the_changed_rows() {
    if !sqlite_only("publishing_reads_only_the_changed_rows") {
        return;
    }
    let app = TestApp::spawn_with(JCS).await;
    let mut db = raw_db(&app).await;
    let plan: Vec<(i64, i64, i64, String)> = sqlx::query_as(
        "EXPLAIN QUERY PLAN SELECT list_index, state FROM credentials \
         WHERE list_number = $1 AND state <> 'active'",
    )
    .bind(1_i64)
    .fetch_all(&mut db)
    .await
    .unwrap();
    let detail: Vec<&str> = plan.iter().map(|row| row.3.as_str()).collect();
    assert!(
        detail
            .iter()
            .any(|d| d.contains("COVERING INDEX credentials_not_active")),
        "{detail:?}"
    );
}
