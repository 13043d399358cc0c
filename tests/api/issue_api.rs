//! Issuer core through the real HTTP server: issue, fetch, verify both forms independently,
//! retries, bad input, auth and key rotation.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use attest::service::Role;
use common::independent::{key_from_did_document, verify_jcs_proof, verify_jwt};
use common::{TestApp, exam};
use serde_json::{Value, json};

const JCS: &[(&str, &str)] = &[("ATTEST_CRYPTOSUITE", "eddsa-jcs-2022")];

/// The default embedded proof is eddsa-rdfc-2022; its RDF canonical form is checked against
/// W3C vectors and jsonld.js output in `rdfc_*.rs`, and the signature here by dalek directly.
#[tokio::test]
async fn default_proof_is_eddsa_rdfc_2022_and_verifies() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Issuer).await;
    let id = app
        .issue(&token, "EXM-R1", "mlops-foundation", "cand-r1")
        .await;
    let (_, credential) = app.get_json(&format!("/credentials/{id}")).await;
    assert_eq!(credential["proof"]["cryptosuite"], "eddsa-rdfc-2022");
    assert!(credential["proof"].get("@context").is_none());
    let (_, did) = app.get_json("/.well-known/did.json").await;
    let key = key_from_did_document(
        &did,
        credential["proof"]["verificationMethod"].as_str().unwrap(),
    );
    common::independent::verify_rdfc_proof(&credential, &key).expect("rdfc proof verifies");
    let mut tampered = credential.clone();
    tampered["credentialSubject"]["name"] = json!("Mallory");
    assert!(common::independent::verify_rdfc_proof(&tampered, &key).is_err());
    attest::vc::rdfc::check_safe(&credential, &attest::vc::rdfc::ContextLoader::new())
        .expect("no undefined terms");
}

#[tokio::test]
async fn issued_credential_verifies_in_both_forms_against_published_keys() {
    let app = TestApp::spawn_with(JCS).await;
    let token = app.token(Role::Issuer).await;
    let (status, body) = app
        .post(
            "/api/v1/exam-results",
            Some(&token),
            &exam("EXM-1", "mlops-foundation", "cand-1", 812),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let id = body["credential_id"].as_str().unwrap();
    for link in ["credential", "share", "verify", "pdf", "jwt"] {
        assert!(
            body["links"][link].as_str().unwrap().starts_with(&app.base),
            "{link}"
        );
    }

    let (status, text, headers) = app
        .get_text(&format!("/credentials/{id}"), "application/vc+ld+json")
        .await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/vc+ld+json");
    let credential: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(credential["id"], format!("{}/credentials/{id}", app.base));
    assert_eq!(
        credential["type"],
        json!(["VerifiableCredential", "OpenBadgeCredential"])
    );
    assert_eq!(
        credential["issuer"]["id"],
        "did:web:127.0.0.1%3A".to_owned() + app.base.rsplit(':').next().unwrap()
    );
    assert_eq!(credential["validFrom"], "2026-11-20T15:00:00Z");
    assert_eq!(
        credential["validUntil"], "2029-11-20T15:00:00Z",
        "Foundation is valid 3 years"
    );
    let subject = &credential["credentialSubject"];
    assert_eq!(subject["name"], "Zoë Ångström");
    assert_eq!(subject["identifier"][0]["hashed"], true);
    assert!(
        !text.contains("zoe@example.com"),
        "the email must only appear hashed"
    );
    assert_eq!(subject["result"][0]["value"], "812");
    assert_eq!(
        subject["achievement"]["resultDescription"][0]["requiredValue"],
        "700"
    );
    assert_eq!(subject["achievement"]["achievementType"], "Certification");
    assert_eq!(credential["credentialStatus"].as_array().unwrap().len(), 2);

    let (_, did) = app.get_json("/.well-known/did.json").await;
    let vm = credential["proof"]["verificationMethod"].as_str().unwrap();
    let key = key_from_did_document(&did, vm);
    verify_jcs_proof(&credential, &key).expect("Data Integrity proof verifies");

    let (status, jwt, headers) = app
        .get_text(&format!("/credentials/{id}"), "application/vc+jwt")
        .await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/vc+jwt");
    let (_, jwks) = app.get_json("/.well-known/jwks.json").await;
    let (header, payload) = verify_jwt(&jwt, &jwks).expect("JWT verifies");
    assert_eq!(header["kid"], vm);
    let mut unsecured = credential.clone();
    unsecured.as_object_mut().unwrap().remove("proof");
    for (k, v) in unsecured.as_object().unwrap() {
        assert_eq!(&payload[k], v, "JWT payload differs from the JSON at {k}");
    }
    assert_eq!(
        payload["exp"], 1_889_881_200i64,
        "exp mirrors validUntil (2029-11-20T15:00:00Z)"
    );
    assert_eq!(payload["nbf"], payload["iat"]);
}

#[tokio::test]
async fn retries_are_idempotent_and_conflicts_are_refused() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Issuer).await;
    let body = exam("EXM-2", "mlops-foundation", "cand-2", 750);
    let (first, a) = app.post("/api/v1/exam-results", Some(&token), &body).await;
    let (second, b) = app.post("/api/v1/exam-results", Some(&token), &body).await;
    assert_eq!((first, second), (201, 200));
    assert_eq!(a["credential_id"], b["credential_id"]);
    let mut changed = body.clone();
    changed["exam"]["score"] = json!(751);
    let (status, problem) = app
        .post("/api/v1/exam-results", Some(&token), &changed)
        .await;
    assert_eq!(status, 409);
    assert_eq!(problem["code"], "attempt_conflict");
}

#[tokio::test]
async fn below_pass_mark_issues_nothing_but_records_the_attempt() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Issuer).await;
    let body = exam("EXM-3", "mlops-foundation", "cand-3", 699);
    let (status, problem) = app.post("/api/v1/exam-results", Some(&token), &body).await;
    assert_eq!(status, 422);
    assert_eq!(problem["code"], "below_pass_mark");
    let attempt = app
        .ctx
        .store
        .attempt(&attest::domain::ids::AttemptId::parse("EXM-3").unwrap())
        .await
        .unwrap();
    assert_eq!(
        attempt.unwrap().outcome,
        attest::domain::attempt::AttemptOutcome::BelowPassMark
    );
    let admin = app.token(Role::Admin).await;
    let res = app
        .http
        .get(app.url("/api/v1/credentials"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    let list: Value = res.json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
}

async fn raw_post(app: &TestApp, token: &str, body: Vec<u8>) -> (u16, Value) {
    let res = app
        .http
        .post(app.url("/api/v1/exam-results"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    (status, res.json().await.unwrap())
}

#[tokio::test]
async fn each_class_of_bad_input_gets_a_stable_code_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Issuer).await;
    let good = exam("EXM-4", "mlops-foundation", "cand-4", 800);
    let with = |f: &dyn Fn(&mut Value)| {
        let mut v = good.clone();
        f(&mut v);
        serde_json::to_vec(&v).unwrap()
    };
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        (
            "unknown achievement",
            with(&|v| v["achievement"] = json!("mlops-wizard")),
            422,
            "unknown_achievement",
        ),
        (
            "missing field",
            with(&|v| {
                v.as_object_mut().unwrap().remove("candidate");
            }),
            400,
            "schema_violation",
        ),
        (
            "wrong type",
            with(&|v| v["exam"]["score"] = json!("812")),
            400,
            "schema_violation",
        ),
        (
            "unknown field",
            with(&|v| v["extra"] = json!(1)),
            400,
            "schema_violation",
        ),
        (
            "score above max",
            with(&|v| v["exam"]["score"] = json!(1200)),
            400,
            "invalid_exam_result",
        ),
        (
            "bad email",
            with(&|v| v["candidate"]["email"] = json!("not-an-email")),
            400,
            "invalid_exam_result",
        ),
        (
            "other scale",
            with(&|v| {
                v["exam"]["max_score"] = json!(100);
                v["exam"]["score"] = json!(80);
            }),
            422,
            "score_scale_mismatch",
        ),
        (
            "malformed JSON",
            b"{\"attempt_id\": ".to_vec(),
            400,
            "malformed_json",
        ),
        (
            "not UTF-8",
            vec![b'{', 0xff, 0xfe, b'}'],
            400,
            "invalid_utf8",
        ),
        (
            "duplicate key",
            b"{\"attempt_id\":\"a\",\"attempt_id\":\"b\"}".to_vec(),
            400,
            "duplicate_key",
        ),
        (
            "oversized",
            format!("{{\"pad\":\"{}\"}}", "x".repeat(70 * 1024)).into_bytes(),
            413,
            "payload_too_large",
        ),
        ("empty", Vec::new(), 400, "empty_body"),
    ];
    for (name, body, status, code) in cases {
        let (got, problem) = raw_post(&app, &token, body).await;
        assert_eq!(
            (got, problem["code"].as_str().unwrap()),
            (status, code),
            "{name}: {problem}"
        );
        assert!(
            problem["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{name}"
        );
    }
    let admin = app.token(Role::Admin).await;
    let (_, list) = app.get_json_as("/api/v1/credentials", &admin).await;
    assert_eq!(list["items"], json!([]), "nothing was written");
    assert!(
        app.ctx
            .store
            .attempt(&attest::domain::ids::AttemptId::parse("EXM-4").unwrap())
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn tokens_are_checked_and_roles_enforced() {
    let app = TestApp::spawn().await;
    let body = exam("EXM-5", "mlops-foundation", "cand-5", 800);
    let (status, problem) = app.post("/api/v1/exam-results", None, &body).await;
    assert_eq!(
        (status, problem["code"].as_str().unwrap()),
        (401, "unauthenticated")
    );
    let (status, _) = app
        .post("/api/v1/exam-results", Some("att_nope_nope"), &body)
        .await;
    assert_eq!(status, 401);
    let admin = app.token(Role::Admin).await;
    let (status, problem) = app.post("/api/v1/exam-results", Some(&admin), &body).await;
    assert_eq!(
        (status, problem["code"].as_str().unwrap()),
        (403, "forbidden")
    );
    let issuer = app.token(Role::Issuer).await;
    let (status, _) = app
        .post(
            "/api/v1/credentials/00000000-0000-4000-8000-000000000000/revoke",
            Some(&issuer),
            &json!({"reason": "x"}),
        )
        .await;
    assert_eq!(status, 403);

    let created = attest::service::tokens::create(
        &app.ctx,
        &attest::service::Actor::cli(),
        "doomed",
        Role::Issuer,
    )
    .await
    .unwrap();
    let (status, _) = app
        .post("/api/v1/exam-results", Some(&created.token), &body)
        .await;
    assert_eq!(status, 201);
    attest::service::tokens::revoke(&app.ctx, &attest::service::Actor::cli(), "doomed")
        .await
        .unwrap();
    let (status, _) = app
        .post("/api/v1/exam-results", Some(&created.token), &body)
        .await;
    assert_eq!(status, 401, "a revoked token is refused");
    // A token with the right id but a wrong secret is refused too.
    let forged = format!("{}x", &created.token[..created.token.len() - 1]);
    let (status, _) = app.post("/api/v1/exam-results", Some(&forged), &body).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn credentials_signed_before_a_rotation_keep_verifying() {
    let app = TestApp::spawn_with(JCS).await;
    let token = app.token(Role::Issuer).await;
    let old_id = app
        .issue(&token, "EXM-6", "mlops-foundation", "cand-6")
        .await;
    let rotated = attest::service::keys::rotate(&app.ctx, &attest::service::Actor::cli())
        .await
        .unwrap();
    assert_eq!(rotated.key_id, "key-2");
    let new_id = app
        .issue(&token, "EXM-7", "mlops-foundation", "cand-7")
        .await;
    let (_, did) = app.get_json("/.well-known/did.json").await;
    assert_eq!(did["verificationMethod"].as_array().unwrap().len(), 2);
    let (_, jwks) = app.get_json("/.well-known/jwks.json").await;
    for (id, key) in [(&old_id, "#key-1"), (&new_id, "#key-2")] {
        let (_, credential) = app.get_json(&format!("/credentials/{id}")).await;
        let vm = credential["proof"]["verificationMethod"].as_str().unwrap();
        assert!(vm.ends_with(key), "{vm}");
        verify_jcs_proof(&credential, &key_from_did_document(&did, vm)).unwrap();
        let (_, jwt, _) = app.get_text(&format!("/credentials/{id}.jwt"), "*/*").await;
        verify_jwt(&jwt, &jwks).unwrap();
    }
}

/// A rotation whose transaction never committed leaves its key file behind, and its intent in
/// the database; the next rotation (a minute later) sets the file aside instead of failing for
/// good. Without the intent the file is left alone (tests/api/keys_safety.rs).
#[tokio::test]
async fn a_key_file_left_by_an_uncommitted_rotation_does_not_block_the_next() {
    let app = TestApp::spawn_with(JCS).await;
    let dir = app.ctx.keyring.dir().to_path_buf();
    let started = common::T0.unix_timestamp() - 3600;
    app.raw_execute(
        &format!(
            "INSERT INTO key_intents (key_id, token, started_at) VALUES ('key-2', 'crashed', {started})"
        ),
        &[],
    )
    .await;
    std::fs::write(dir.join("key-2.pem"), "left over").unwrap();
    let rotated = attest::service::keys::rotate(&app.ctx, &attest::service::Actor::cli())
        .await
        .unwrap();
    assert_eq!(rotated.key_id, "key-2");
    let aside: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("key-2.pem.orphaned-"))
        .collect();
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert_eq!(
        std::fs::read_to_string(dir.join(&aside[0])).unwrap(),
        "left over"
    );
    let token = app.token(Role::Issuer).await;
    let id = app
        .issue(&token, "EXM-K2", "mlops-foundation", "cand-k2")
        .await;
    let (_, credential) = app.get_json(&format!("/credentials/{id}")).await;
    let (_, did) = app.get_json("/.well-known/did.json").await;
    let vm = credential["proof"]["verificationMethod"].as_str().unwrap();
    assert!(vm.ends_with("#key-2"), "{vm}");
    verify_jcs_proof(&credential, &key_from_did_document(&did, vm)).unwrap();
}

#[tokio::test]
async fn public_resources_and_unknown_ids() {
    let app = TestApp::spawn().await;
    let (status, catalog) = app.get_json("/catalog").await;
    assert_eq!(status, 200);
    assert_eq!(catalog["achievements"].as_array().unwrap().len(), 7);
    let (status, achievement) = app.get_json("/achievements/mlops-professional").await;
    assert_eq!(status, 200);
    assert_eq!(
        achievement["id"],
        app.url("/achievements/mlops-professional")
    );
    let (status, schema) = app.get_json("/schemas/exam-result.schema.json").await;
    assert_eq!(
        (status, schema["title"].as_str().unwrap()),
        (200, "Exam result")
    );
    assert_eq!(app.get_json("/healthz").await.0, 200);
    assert_eq!(app.get_json("/readyz").await.0, 200);
    let (status, problem) = app
        .get_json("/credentials/4f0c2a56-8c55-4a39-9a53-1b1f9f1b2c3d")
        .await;
    assert_eq!(
        (status, problem["code"].as_str().unwrap()),
        (404, "not_found")
    );
    let (status, problem) = app.get_json("/credentials/not-a-uuid").await;
    assert_eq!(
        (status, problem["code"].as_str().unwrap()),
        (400, "invalid_id")
    );
    assert_eq!(app.get_json("/achievements/nope").await.0, 404);
    assert_eq!(app.get_json("/schemas/nope.json").await.0, 404);
}

#[tokio::test]
async fn did_key_identity_works_for_local_use() {
    let app = TestApp::spawn_with(&[("ATTEST_DID_METHOD", "key"), JCS[0]]).await;
    let token = app.token(Role::Issuer).await;
    let id = app
        .issue(&token, "EXM-8", "mlops-foundation", "cand-8")
        .await;
    let (_, credential) = app.get_json(&format!("/credentials/{id}")).await;
    let issuer = credential["issuer"]["id"].as_str().unwrap();
    assert!(issuer.starts_with("did:key:z6Mk"), "{issuer}");
    let vm = credential["proof"]["verificationMethod"].as_str().unwrap();
    let multikey = issuer.trim_start_matches("did:key:");
    assert_eq!(vm, format!("{issuer}#{multikey}"));
    // did:key is self-describing: the key comes from the identifier itself.
    let bytes = bs58::decode(&multikey[1..]).into_vec().unwrap();
    let key = ed25519_dalek::VerifyingKey::from_bytes(bytes[2..].try_into().unwrap()).unwrap();
    verify_jcs_proof(&credential, &key).unwrap();
}

/// A batch shares one `issued_at`: pages that end inside that second must neither lose nor
/// repeat any of it (`GET /api/v1/credentials` and `attest render --all` page this way).
#[tokio::test]
async fn pages_that_end_inside_one_second_lose_nothing() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Issuer).await;
    let admin = app.token(Role::Admin).await;
    let items: Vec<Value> = (0..5)
        .map(|i| {
            exam(
                &format!("EXM-P{i}"),
                "mlops-foundation",
                &format!("cand-p{i}"),
                812,
            )
        })
        .collect();
    let (status, body) = app
        .post("/api/v1/exam-results/batch", Some(&token), &json!(items))
        .await;
    assert!(status < 300, "{body}");
    let (app, admin) = (&app, &admin);
    let list = |query: String| async move {
        app.get_json_as(&format!("/api/v1/credentials?{query}"), admin)
            .await
    };
    let mut seen = Vec::new();
    let mut query = "limit=2".to_owned();
    for _ in 0..5 {
        let (status, page) = list(query.clone()).await;
        assert_eq!(status, 200, "{page}");
        let items = page["items"].as_array().unwrap();
        seen.extend(
            items
                .iter()
                .map(|i| i["credential_id"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => query = format!("limit=2&cursor={cursor}"),
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (5, 5), "{seen:?}");
    let (status, problem) = list("cursor=1795186800".into()).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (400, Some("invalid_cursor"))
    );
    for bad in ["limit=x", "limit=0", "color=red"] {
        let (status, problem) = list(bad.into()).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (400, Some("invalid_query")),
            "{bad}"
        );
    }
    let (status, _) = app.get_json_as("/api/v1/credentials?limit=x", &token).await;
    assert_eq!(status, 403, "the role is checked before the query");
}

/// Runs the real binary's `attest issue` against the server's database and keys.
async fn cli_issue(app: &TestApp, results: &Value) -> (i32, String) {
    cli_issue_text(app, &serde_json::to_string(results).unwrap()).await
}

/// `attest issue` on a file of exactly this text (which `Value` could not hold, e.g. a
/// repeated member name).
async fn cli_issue_text(app: &TestApp, text: &str) -> (i32, String) {
    let config = app.dir.path().join("attest.toml");
    std::fs::write(
        &config,
        format!(
            "public_base_url = \"{}\"\ndatabase_url = \"{}\"\nkeys_dir = \"{}\"\n",
            app.base,
            // The server's own database (SQLite file or the test's PostgreSQL database).
            app.database_url(),
            app.dir.path().join("keys").display(),
        ),
    )
    .unwrap();
    let file = app.dir.path().join("results.json");
    std::fs::write(&file, text).unwrap();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_attest"))
        .arg("--config")
        .arg(&config)
        .arg("issue")
        .arg(&file)
        .env_remove("ATTEST_CONFIG")
        .env_remove("ATTEST_DATABASE_URL")
        .env_remove("ATTEST_KEYS_DIR")
        .env("RUST_LOG", "warn")
        .output()
        .await
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap(), text)
}

/// A result whose object repeats `attempt_id` means two things to two parsers: the API refuses
/// it (400 `duplicate_key`), and so does `attest issue`, as a single object or as a line of
/// JSON Lines (the other lines are still issued), with exit code 1.
#[tokio::test]
async fn the_cli_refuses_a_repeated_attempt_id_as_the_api_does() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Issuer).await;
    let admin = app.token(Role::Admin).await;
    let repeated = |first: &str, second: &str| {
        let body =
            serde_json::to_string(&exam(second, "mlops-foundation", "cand-dup", 812)).unwrap();
        format!("{{\"attempt_id\":\"{first}\",{}", &body[1..])
    };
    let (status, problem) = raw_post(&app, &token, repeated("DUP-0", "DUP-00").into()).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (400, Some("duplicate_key"))
    );

    let (code, out) = cli_issue_text(&app, &repeated("DUP-1", "DUP-2")).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("duplicate_key"), "{out}");
    assert!(
        out.contains("0 issued, 0 repeated or pending, 1 not issued"),
        "{out}"
    );

    let good = serde_json::to_string(&exam("DUP-3", "mlops-foundation", "cand-d3", 812)).unwrap();
    let lines = format!("{good}\n{}\n", repeated("DUP-4", "DUP-5"));
    let (code, out) = cli_issue_text(&app, &lines).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("line 2\tduplicate_key"), "{out}");
    assert!(
        out.contains("1 issued, 0 repeated or pending, 1 not issued"),
        "{out}"
    );

    let (_, list) = app.get_json_as("/api/v1/credentials", &admin).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
}

/// Names that show nothing, or that carry bidi embeddings, overrides, isolates or marks (which
/// would reorder the text printed around them), are refused with 422 `invalid_name` on every
/// way in; real names in any script, with the joiners Persian and Indic names need, pass.
#[tokio::test]
async fn invisible_names_and_bidi_controls_are_refused_on_every_way_in() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Issuer).await;
    let named = |attempt: &str, name: &str| {
        let mut v = exam(attempt, "mlops-foundation", &format!("cand-{attempt}"), 812);
        v["candidate"]["name"] = json!(name);
        v
    };
    let bad = [
        "\u{200B}",
        "\u{2060}\u{200B}",
        " \u{3164} ",
        "\u{115F}\u{1160}",
        "\u{FFA0}",
        "\u{FE0F}\u{FE00}",
        "\u{E0041}\u{E007F}",
        "\u{0301}",
        "\u{00A0}\u{2003}",
        "Eve\u{202E}nomis",
        "\u{202B}Mallory\u{202C}",
        "\u{2067}Eve\u{2069}",
        "Eve\u{200F}",
        "Eve\u{061C}",
    ];
    for (i, name) in bad.iter().enumerate() {
        let (status, problem) = app
            .post(
                "/api/v1/exam-results",
                Some(&token),
                &named(&format!("N-{i}"), name),
            )
            .await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (422, Some("invalid_name")),
            "{name:?}: {problem}"
        );
    }
    // Batch items: each refused on its own, the good one issued.
    let mut items: Vec<Value> = bad
        .iter()
        .enumerate()
        .map(|(i, name)| named(&format!("B-{i}"), name))
        .collect();
    items.push(named("B-ok", "می\u{200C}خواهم Ångström"));
    let (status, outcome) = app
        .post("/api/v1/exam-results/batch", Some(&token), &json!(items))
        .await;
    assert_eq!(status, 200, "{outcome}");
    let results = outcome["results"].as_array().unwrap();
    for r in &results[..bad.len()] {
        assert_eq!(
            (r["code"].as_str(), r["http_status"].as_u64()),
            (Some("invalid_name"), Some(422)),
            "{r}"
        );
    }
    assert_eq!(results[bad.len()]["http_status"], 201, "{outcome}");
    assert_eq!(outcome["summary"]["issued"], 1);
    // Nothing but the good one was written.
    let admin = app.token(Role::Admin).await;
    let (_, list) = app.get_json_as("/api/v1/credentials", &admin).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");

    // The CLI goes through the same rules.
    let (code, out) = cli_issue(
        &app,
        &json!([
            named("C-1", "Eve\u{202E}nomis"),
            named("C-2", "\u{3164}"),
            named("C-3", "Ada Lovelace")
        ]),
    )
    .await;
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("1 issued, 0 repeated or pending, 2 not issued"),
        "{out}"
    );
    let (_, list) = app.get_json_as("/api/v1/credentials", &admin).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2, "{list}");

    // The VC API: the same rules on a caller's credentialSubject.name (400, as the VC API
    // answers a credential it will not sign).
    let (status, problem) = app
        .post(
            "/credentials/issue",
            Some(&token),
            &json!({"credential": {
                "@context": ["https://www.w3.org/ns/credentials/v2",
                             "https://www.w3.org/ns/credentials/undefined-terms/v2"],
                "type": ["VerifiableCredential"],
                "credentialSubject": {"id": "did:example:holder", "name": "\u{202E}Ada"},
                "validFrom": "2026-01-01T00:00:00Z"}}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (400, Some("invalid_name")),
        "{problem}"
    );
}

/// The holder's name is isolated with `<bdi>` on the share page and the verification page,
/// so even a name from another issuer's credential cannot reorder the text around it.
#[tokio::test]
async fn names_are_isolated_with_bdi_on_the_pages() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Issuer).await;
    let id = app
        .issue(&token, "EXM-BDI", "mlops-foundation", "cand-bdi")
        .await;
    for page in [format!("/c/{id}"), format!("/v/{id}")] {
        let (status, html, _) = app.get_text(&page, "text/html").await;
        assert_eq!(status, 200, "{page}");
        assert!(
            html.contains("<dd id=\"holder\"><bdi>Zoë Ångström</bdi></dd>"),
            "{page}: {html}"
        );
    }
    // The paste-and-verify form shows the presented credential's holder the same way.
    let (_, credential) = app.get_json(&format!("/credentials/{id}")).await;
    let res = app.paste(credential.to_string()).await;
    let html = res.text().await.unwrap();
    assert!(html.contains("<bdi>Zoë Ångström</bdi>"), "{html}");
}
