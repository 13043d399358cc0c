//! The audit trail of status changes (through the API and the CLI) and its tamper evidence.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

#[tokio::test]
async fn the_audit_trail_records_every_change_and_exposes_tampering() {
    if !sqlite_only("the_audit_trail_records_every_change_and_exposes_tampering") {
        return;
    }
    let app = TestApp::spawn_with(JCS).await;
    let admin = named_token(&app, "admin-alice", Role::Admin).await;
    let issuer = named_token(&app, "exam-platform", Role::Issuer).await;
    let a = app
        .issue(&issuer, "EXM-A1", "mlops-foundation", "cand-a1")
        .await;
    let b = app
        .issue(&issuer, "EXM-A2", "mlops-foundation", "cand-a2")
        .await;
    for (id, action, reason) in [
        (&b, "suspend", "continuing-education lapse"),
        (&b, "reinstate", "hours completed"),
        (&a, "revoke", "exam misconduct"),
    ] {
        let (status, _) = app.act(&admin, id, action, reason).await;
        assert_eq!(status, 200);
    }
    let ops = Actor {
        name: "ops-bob".into(),
        role: Role::Admin,
    };
    keys::rotate(&app.ctx, &ops).await.unwrap();

    let entries = audit_entries(&app, &admin).await;
    let at = T0.unix_timestamp();
    let token = find(&entries, "token.create", None);
    assert!(token["actor"].as_str().unwrap().starts_with("cli:"));
    assert_eq!(token["detail"]["name"], "admin-alice");
    let issued = find(&entries, "credential.issue", Some(&a));
    assert_eq!(
        (issued["actor"].clone(), issued["at"].clone()),
        (json!("exam-platform"), json!(at))
    );
    for (id, action, reason, from, to) in [
        (
            &b,
            "credential.suspend",
            "continuing-education lapse",
            "active",
            "suspended",
        ),
        (
            &b,
            "credential.reinstate",
            "hours completed",
            "suspended",
            "active",
        ),
        (
            &a,
            "credential.revoke",
            "exam misconduct",
            "active",
            "revoked",
        ),
    ] {
        let e = find(&entries, action, Some(id));
        assert_eq!(e["actor"], "admin-alice");
        assert_eq!(e["reason"], reason);
        assert_eq!(e["at"], at);
        assert_eq!(
            (e["detail"]["from"].as_str(), e["detail"]["to"].as_str()),
            (Some(from), Some(to))
        );
    }
    assert!(
        entries
            .iter()
            .any(|e| e["action"] == "key.rotate" && e["actor"] == "ops-bob"),
        "{entries:#?}"
    );
    // One chain: consecutive, each entry linked to the one before.
    for (n, pair) in entries.windows(2).enumerate() {
        assert_eq!(pair[0]["seq"], n + 1);
        assert_eq!(pair[1]["prev_hash"], pair[0]["hash"]);
    }
    assert_eq!(entries[0]["prev_hash"], audit::GENESIS);

    // Readable by admins only.
    let (status, _) = app.get_json_as("/api/v1/audit", &issuer).await;
    assert_eq!(status, 403);
    let (status, _) = app.get_json("/api/v1/audit").await;
    assert_eq!(status, 401);

    let audit::ChainCheck { checked, broken } = audit::verify_chain(&app.ctx.store).await.unwrap();
    assert_eq!((checked as usize, broken), (entries.len(), None));

    // The table refuses edits; a test connection that drops the guard can edit, and is caught.
    let revoke_seq = find(&entries, "credential.revoke", Some(&a))["seq"]
        .as_i64()
        .unwrap();
    let mut db = raw_db(&app).await;
    let edit = format!("UPDATE audit_log SET reason = 'routine check' WHERE seq = {revoke_seq}");
    let refused = sqlx::query(sqlx::AssertSqlSafe(edit.clone()))
        .execute(&mut db)
        .await;
    assert!(refused.unwrap_err().to_string().contains("append-only"));
    sqlx::query("DROP TRIGGER audit_log_no_update")
        .execute(&mut db)
        .await
        .unwrap();
    sqlx::query("DROP TRIGGER audit_log_no_delete")
        .execute(&mut db)
        .await
        .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(edit))
        .execute(&mut db)
        .await
        .unwrap();
    let audit::ChainCheck { checked, broken } = audit::verify_chain(&app.ctx.store).await.unwrap();
    let audit::Break { seq, why } = broken.expect("tampering is detected");
    assert_eq!(seq, revoke_seq, "{why}");
    assert_eq!(checked as i64, revoke_seq - 1);

    // Put it back: intact again. Deleting an entry in the middle is caught too.
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE audit_log SET reason = 'exam misconduct' WHERE seq = {revoke_seq}"
    )))
    .execute(&mut db)
    .await
    .unwrap();
    assert_eq!(
        audit::verify_chain(&app.ctx.store).await.unwrap().broken,
        None
    );

    // A detail edited into text that is not JSON, or a credential id into something that is
    // not one, is tampering like any other edit: reported at its entry, not a failure of the
    // check; the listing still shows the entry as stored.
    for (column, bogus) in [
        ("detail", "nothing to see"),
        ("credential_id", "someone else"),
    ] {
        let (original,): (String,) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {column} FROM audit_log WHERE seq = {revoke_seq}"
        )))
        .fetch_one(&mut db)
        .await
        .unwrap();
        let set = |value: &str| {
            format!("UPDATE audit_log SET {column} = '{value}' WHERE seq = {revoke_seq}")
        };
        sqlx::query(sqlx::AssertSqlSafe(set(bogus)))
            .execute(&mut db)
            .await
            .unwrap();
        let audit::ChainCheck { checked, broken } = audit::verify_chain(&app.ctx.store)
            .await
            .expect("the check runs to its verdict");
        assert_eq!(broken.map(|b| b.seq), Some(revoke_seq), "{column}");
        assert_eq!(checked as i64, revoke_seq - 1, "{column}");
        let listed = audit_entries(&app, &admin).await;
        let edited = listed.iter().find(|e| e["seq"] == revoke_seq).unwrap();
        assert_eq!(edited[column], bogus);
        sqlx::query(sqlx::AssertSqlSafe(set(&original)))
            .execute(&mut db)
            .await
            .unwrap();
        assert_eq!(
            audit::verify_chain(&app.ctx.store).await.unwrap().broken,
            None,
            "{column} restored"
        );
    }
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM audit_log WHERE seq = {}",
        revoke_seq - 1
    )))
    .execute(&mut db)
    .await
    .unwrap();
    let audit::ChainCheck { broken, .. } = audit::verify_chain(&app.ctx.store).await.unwrap();
    assert_eq!(broken.unwrap().seq, revoke_seq - 1);
}

/// Runs the real binary against the server's database and keys.
async fn cli(app: &TestApp, args: &[&str]) -> (i32, String) {
    let config = app.dir.path().join("attest.toml");
    if !config.exists() {
        std::fs::write(
            &config,
            format!(
                "public_base_url = \"{}\"\ndatabase_url = \"sqlite://{}\"\nkeys_dir = \"{}\"\ncryptosuite = \"eddsa-jcs-2022\"\n",
                app.base,
                app.dir.path().join("attest.db").display(),
                app.dir.path().join("keys").display(),
            ),
        )
        .unwrap();
    }
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_attest"))
        .arg("--config")
        .arg(&config)
        .args(args)
        .env_remove("ATTEST_CONFIG")
        .env_remove("ATTEST_DATABASE_URL")
        .env_remove("ATTEST_KEYS_DIR")
        .env("RUST_LOG", "warn")
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap(), format!("{stdout}{stderr}"))
}

#[tokio::test]
async fn the_cli_revokes_and_verifies_the_audit_trail() {
    if !sqlite_only("the_cli_revokes_and_verifies_the_audit_trail") {
        return;
    }
    let app = TestApp::spawn_with(JCS).await;
    let issuer = app.token(Role::Issuer).await;
    let id = app
        .issue(&issuer, "EXM-CLI1", "mlops-foundation", "cand-cli1")
        .await;
    let rev = slot(&app, &id, "revocation").await;
    assert!(bits_of(&app, &rev.path).await.is_empty());

    let url = format!("{}/credentials/{id}", app.base);
    let (code, out) = cli(&app, &["revoke", &url, "--reason", "identity fraud"]).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("now revoked"), "{out}");
    let (code, out) = cli(&app, &["revoke", &id, "--reason", "identity fraud"]).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("already revoked"), "{out}");
    let (code, out) = cli(&app, &["reinstate", &id, "--reason", "appeal"]).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("final"), "{out}");

    // The running server sees the change made by another process on its next fetch.
    assert_eq!(bits_of(&app, &rev.path).await, BTreeSet::from([rev.index]));

    let (code, out) = cli(&app, &["audit"]).await;
    assert_eq!(code, 0, "{out}");
    let line = out
        .lines()
        .find(|l| l.contains("credential.revoke"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        line.contains(&id) && line.contains("identity fraud") && line.contains("cli:"),
        "{line}"
    );
    let (code, out) = cli(&app, &["audit", "verify"]).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("intact"), "{out}");

    let entries = app.ctx.store.audit(0, 1000).await.unwrap();
    let seq = entries
        .iter()
        .find(|e| e.action == "credential.revoke")
        .unwrap()
        .seq;
    let mut db = raw_db(&app).await;
    sqlx::query("DROP TRIGGER audit_log_no_update")
        .execute(&mut db)
        .await
        .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE audit_log SET actor = 'someone-else' WHERE seq = {seq}"
    )))
    .execute(&mut db)
    .await
    .unwrap();
    let (code, out) = cli(&app, &["audit", "verify"]).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&format!("BROKEN at entry {seq}")), "{out}");
}
