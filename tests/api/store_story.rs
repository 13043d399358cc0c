//! One story through the `Store` contract, told to every engine available: SQLite always,
//! PostgreSQL when `TEST_DATABASE_URL` is set. The services rely on both engines meaning the
//! same thing by each call — uniqueness rules firing as `Conflict`, a rolled-back transaction
//! leaving nothing, a state change waiting for a concurrent one, an audit chain that never
//! forks and cannot be edited — so the same sequence must give the same answers.

use crate::common;

use attest::crypto::{IssuerKey, KeyRecord};
use attest::domain::attempt::AttemptOutcome;
use attest::domain::ids::{AchievementCode, AttemptId, CandidateId, CredentialId};
use attest::domain::role::Role;
use attest::domain::status::CredentialState;
use attest::service::{Actor, audit};
use attest::store::{
    AttemptRow, CredentialQuery, CredentialRow, ListBit, ListBits, OpenSlot, PublicationRow,
    SharedStore, StateChange, StoreError, TokenRow,
};
use common::pg::TestDatabase;
use serde_json::json;
use sqlx::Connection;
use std::time::Duration;

const NOW: i64 = 1_795_186_800; // 2026-11-20T15:00:00Z
const SIZE: u32 = 131_072;

fn slot(list_number: i64, next_index: i64) -> OpenSlot {
    OpenSlot {
        list_number,
        next_index,
    }
}

fn key(id: &str, created_at: i64) -> KeyRecord {
    KeyRecord {
        key_id: id.into(),
        public_key: IssuerKey::generate(id).public_key(),
        created_at: time::OffsetDateTime::from_unix_timestamp(created_at).expect("time"),
        retired_at: None,
    }
}

fn credential(attempt: &str, candidate: &str, index: i64) -> CredentialRow {
    CredentialRow {
        credential_id: CredentialId::random(),
        attempt_id: Some(AttemptId::parse(attempt).expect("attempt id")),
        candidate_id: Some(CandidateId::parse(candidate).expect("candidate id")),
        achievement: Some(AchievementCode::parse("mlops-foundation").expect("code")),
        holder_name: "Zoë Ångström".into(),
        issued_at: NOW,
        valid_until: Some(NOW + 3 * 365 * 86_400),
        list_number: 1,
        list_index: index,
        key_id: "key-2".into(),
        state: CredentialState::Active,
        state_reason: None,
        state_changed_at: None,
        json: "{}".into(),
        jwt: "e30.e30.sig".into(),
    }
}

fn attempt(id: &str, credential: &CredentialRow) -> AttemptRow {
    AttemptRow {
        attempt_id: AttemptId::parse(id).expect("attempt id"),
        body_hash: "00".repeat(32),
        candidate_id: credential.candidate_id.clone().expect("candidate"),
        achievement: AchievementCode::parse("mlops-foundation").expect("code"),
        outcome: AttemptOutcome::Issued,
        credential_id: Some(credential.credential_id),
        body: "{}".into(),
        received_at: NOW,
        detail: None,
        candidate_email: None,
    }
}

fn publication(revision: i64, etag: &str) -> PublicationRow {
    PublicationRow {
        list_id: "revocation-1".into(),
        revision,
        etag: etag.into(),
        json: "{}".into(),
        jwt: "e30.e30.sig".into(),
        published_at: NOW,
        valid_until: NOW + 86_400,
    }
}

async fn append_audit(store: &SharedStore, action: &str) {
    let mut tx = store.begin().await.expect("begin");
    let actor = Actor::cli();
    let entry = audit::Entry {
        actor: &actor,
        action,
        credential_id: None,
        reason: None,
        detail: json!({}),
    };
    audit::append(tx.as_mut(), NOW, entry)
        .await
        .expect("append");
    tx.commit().await.expect("commit");
}

/// An UPDATE and a DELETE on the audit log, through a connection of the test's own.
async fn tamper_with_audit(engine: &str, url: &str) -> Vec<String> {
    let statements = [
        "UPDATE audit_log SET reason = 'edited' WHERE seq = 1",
        "DELETE FROM audit_log WHERE seq = 1",
    ];
    let mut errors = Vec::new();
    for sql in statements {
        let result = if engine == "sqlite" {
            let mut conn = sqlx::SqliteConnection::connect(url).await.expect("connect");
            sqlx::query(sql).execute(&mut conn).await.map(|_| ())
        } else {
            let mut conn = sqlx::PgConnection::connect(url).await.expect("connect");
            sqlx::query(sql).execute(&mut conn).await.map(|_| ())
        };
        errors.push(
            result
                .expect_err("the audit log refused the change")
                .to_string(),
        );
    }
    errors
}

async fn story(engine: &str, url: &str, dir: &std::path::Path) {
    let store = attest::store::connect(url)
        .await
        .expect("connect and migrate");
    let attempt_id = AttemptId::parse("EXM-S1").expect("attempt id");
    assert!(store.keys().await.expect("keys").is_empty(), "{engine}");
    assert!(store.attempt(&attempt_id).await.expect("attempt").is_none());

    // Keys: one active at a time; rotation retires the old one.
    for (id, at) in [("key-1", NOW - 10), ("key-2", NOW)] {
        let mut tx = store.begin().await.expect("begin");
        tx.rotate_key(&key(id, at)).await.expect("rotate");
        tx.commit().await.expect("commit");
    }
    let keys = store.keys().await.expect("keys");
    let states: Vec<(&str, bool)> = keys
        .iter()
        .map(|k| (k.key_id.as_str(), k.is_active()))
        .collect();
    assert_eq!(states, [("key-1", false), ("key-2", true)], "{engine}");
    let mut tx = store.begin().await.expect("begin");
    let active = tx.active_key().await.expect("active").expect("one active");
    assert_eq!(active.key_id, "key-2");
    drop(tx);

    // A transaction dropped without commit leaves nothing.
    let mut tx = store.begin().await.expect("begin");
    let token = TokenRow {
        token_id: "t1".into(),
        name: "rolled-back".into(),
        role: Role::Issuer,
        secret_hash: "00".into(),
        created_at: NOW,
        revoked_at: None,
    };
    tx.insert_token(&token).await.expect("insert token");
    drop(tx);
    assert!(store.tokens().await.expect("tokens").is_empty(), "{engine}");

    // A credential takes a status index; the index and the attempt are then taken for good.
    let first = credential("EXM-S1", "cand-s", 42);
    let mut tx = store.begin().await.expect("begin");
    assert_eq!(
        tx.open_status_list(SIZE, NOW).await.expect("open"),
        slot(1, 0)
    );
    assert_eq!(tx.free_index(1, &[42]).await.expect("free"), Some(42));
    tx.insert_credential(&first)
        .await
        .expect("insert credential");
    tx.insert_attempt(&attempt("EXM-S1", &first))
        .await
        .expect("insert attempt");
    tx.commit().await.expect("commit");
    let mut tx = store.begin().await.expect("begin");
    assert_eq!(
        tx.open_status_list(SIZE, NOW).await.expect("open"),
        slot(1, 1)
    );
    assert_eq!(tx.free_index(1, &[42, 42]).await.expect("taken"), None);
    assert_eq!(tx.taken_indexes(1).await.expect("taken"), [42]);
    drop(tx);

    // Rows are sent in bulk, at the latest on commit: that is where a broken rule shows.
    let mut tx = store.begin().await.expect("begin");
    tx.insert_credential(&credential("EXM-S2", "cand-s", 42))
        .await
        .expect("buffered");
    let same_index = tx.commit().await;
    assert!(
        matches!(same_index, Err(StoreError::Conflict(_))),
        "{engine}: {same_index:?}"
    );
    let mut tx = store.begin().await.expect("begin");
    tx.insert_attempt(&attempt("EXM-S1", &first))
        .await
        .expect("buffered");
    let same_attempt = tx.commit().await;
    assert!(
        matches!(same_attempt, Err(StoreError::Conflict(_))),
        "{engine}: {same_attempt:?}"
    );
    let stored = store
        .attempt(&attempt_id)
        .await
        .expect("attempt")
        .expect("kept");
    assert_eq!(stored.credential_id, Some(first.credential_id));

    // A state change bumps the list's revision; the bits follow the states.
    let mut tx = store.begin().await.expect("begin");
    let change = StateChange {
        state: CredentialState::Revoked,
        reason: "misconduct".into(),
        at: NOW,
    };
    tx.set_state(&first.credential_id, &change)
        .await
        .expect("set state");
    tx.commit().await.expect("commit");
    assert_eq!(store.list_revision(1).await.expect("revision"), Some(1));
    assert_eq!(store.list_revision(2).await.expect("revision"), None);
    let mut tx = store.begin().await.expect("begin");
    let bits = tx.list_bits(1).await.expect("bits");
    let set = vec![ListBit {
        index: 42,
        state: CredentialState::Revoked,
    }];
    assert_eq!(
        bits,
        ListBits {
            revision: 1,
            size: i64::from(SIZE),
            set
        }
    );
    drop(tx);
    let revoked = CredentialQuery {
        state: Some(CredentialState::Revoked),
        limit: 10,
        ..Default::default()
    };
    let page = store.credentials_page(&revoked).await.expect("page");
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].state_reason.as_deref(), Some("misconduct"));

    // A publication built from an older revision never replaces a newer one.
    for p in [publication(1, "\"new\""), publication(0, "\"old\"")] {
        let mut tx = store.begin().await.expect("begin");
        tx.save_publication(&p).await.expect("save");
        tx.commit().await.expect("commit");
    }
    let kept = store
        .publication("revocation-1")
        .await
        .expect("read")
        .expect("saved");
    assert_eq!(
        (kept.revision, kept.etag.as_str()),
        (1, "\"new\""),
        "{engine}"
    );

    // Two writers changing the same credential: the second reads only after the first commits.
    let second = credential("EXM-S3", "cand-t", 7);
    let mut tx = store.begin().await.expect("begin");
    tx.insert_credential(&second).await.expect("insert");
    tx.commit().await.expect("commit");
    let mut first_writer = store.begin().await.expect("begin");
    let seen = first_writer
        .credential(&second.credential_id)
        .await
        .expect("read");
    assert_eq!(seen.expect("row").state, CredentialState::Active);
    let (store2, id) = (store.clone(), second.credential_id);
    let mut second_writer = tokio::spawn(async move {
        let mut tx = store2.begin().await.expect("begin");
        let row = tx.credential(&id).await.expect("read").expect("row");
        row.state
    });
    let waited = tokio::time::timeout(Duration::from_millis(300), &mut second_writer).await;
    assert!(
        waited.is_err(),
        "{engine}: the second writer must wait for the first"
    );
    let suspend = StateChange {
        state: CredentialState::Suspended,
        reason: "inquiry".into(),
        at: NOW,
    };
    first_writer
        .set_state(&second.credential_id, &suspend)
        .await
        .expect("set");
    first_writer.commit().await.expect("commit");
    let state = second_writer.await.expect("second writer");
    assert_eq!(
        state,
        CredentialState::Suspended,
        "{engine}: decided from the committed state"
    );

    // The audit chain: concurrent appends queue, the chain verifies, and it cannot be edited.
    let appends: Vec<_> = (0..6)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move { append_audit(&store, &format!("story.{i}")).await })
        })
        .collect();
    for task in appends {
        task.await.expect("append task");
    }
    let check = audit::verify_chain(&store).await.expect("verify");
    assert_eq!((check.checked, check.broken), (6, None), "{engine}");
    for error in tamper_with_audit(engine, url).await {
        assert!(error.contains("append-only"), "{engine}: {error}");
    }

    // A batch: many rows in one transaction are sent in bulk (1,001: more than one statement
    // takes), yet every read in it sees them.
    let mut tx = store.begin().await.expect("begin");
    let OpenSlot {
        list_number: list,
        next_index: allocated,
    } = tx.open_status_list(SIZE, NOW).await.expect("open");
    let mut rows = Vec::new();
    for i in 0..1001 {
        let row = credential(&format!("EXM-B{i}"), "cand-b", 1000 + i);
        if i % 2 == 0 {
            tx.insert_credential(&row).await.expect("insert");
        } else {
            let body = attest::store::CredentialBody {
                json: format!("{{\"n\":{i}}}"),
                jwt: format!("jwt-{i}"),
            };
            let unsigned = CredentialRow {
                json: String::new(),
                jwt: String::new(),
                ..row.clone()
            };
            tx.insert_credential_later(unsigned, Box::new(move || Ok(body)))
                .await
                .expect("insert later");
        }
        tx.insert_attempt(&attempt(&format!("EXM-B{i}"), &row))
            .await
            .expect("attempt");
        rows.push(row);
    }
    assert_eq!(
        tx.open_status_list(SIZE, NOW).await.expect("open"),
        slot(list, allocated + 1001),
        "{engine}: unsent rows count against the list"
    );
    assert_eq!(
        tx.free_index(list, &[1000, 2000]).await.expect("free"),
        None,
        "{engine}: unsent rows hold their indexes"
    );
    tx.prefetch_attempts(&["EXM-B3", "EXM-S1", "EXM-NONE"])
        .await
        .expect("prefetch");
    let known = |id: &str| AttemptId::parse(id).expect("attempt id");
    assert!(
        tx.attempt(&known("EXM-NONE"))
            .await
            .expect("read")
            .is_none()
    );
    let b3 = tx.attempt(&known("EXM-B3")).await.expect("read");
    assert_eq!(
        b3.and_then(|a| a.credential_id),
        Some(rows[3].credential_id)
    );
    let s1 = tx.attempt(&known("EXM-S1")).await.expect("read");
    assert_eq!(s1.and_then(|a| a.credential_id), Some(first.credential_id));
    let held = tx.candidate_credentials("cand-b").await.expect("held");
    assert_eq!(held.len(), 1001, "{engine}");
    assert!(
        held.iter()
            .any(|c| c.json == "{\"n\":3}" && c.jwt == "jwt-3")
    );
    tx.commit().await.expect("commit");
    let last = store
        .credential(&rows[999].credential_id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(
        (last.json.as_str(), last.jwt.as_str()),
        ("{\"n\":999}", "jwt-999")
    );
    let mut tx = store.begin().await.expect("begin");
    assert_eq!(
        tx.open_status_list(SIZE, NOW).await.expect("open"),
        slot(list, allocated + 1001)
    );
    drop(tx);

    // A body that cannot be computed fails the commit, and nothing of the transaction stays.
    let mut tx = store.begin().await.expect("begin");
    let doomed = credential("EXM-F1", "cand-f", 5000);
    tx.insert_credential_later(doomed.clone(), Box::new(|| Err("signing failed".into())))
        .await
        .expect("buffered");
    tx.insert_attempt(&attempt("EXM-F1", &doomed))
        .await
        .expect("buffered");
    let failed = tx.commit().await;
    assert!(
        matches!(failed, Err(StoreError::Deferred(ref m)) if m == "signing failed"),
        "{engine}: {failed:?}"
    );
    assert!(
        store
            .credential(&doomed.credential_id)
            .await
            .expect("read")
            .is_none()
    );
    assert!(
        store
            .attempt(&known("EXM-F1"))
            .await
            .expect("read")
            .is_none()
    );

    // Backups are the engine's own business.
    let target = dir.join("backup.db");
    let backup = store.backup(&target.display().to_string()).await;
    if engine == "sqlite" {
        backup.expect("VACUUM INTO");
        assert!(target.exists());
    } else {
        let message = backup.expect_err("refused").to_string();
        assert!(message.contains("pg_dump"), "{message}");
    }
}

#[tokio::test]
async fn the_store_contract_holds_on_every_engine() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite = format!("sqlite://{}", dir.path().join("story.db").display());
    story("sqlite", &sqlite, dir.path()).await;
    if common::pg::enabled("store story on PostgreSQL") {
        let database = TestDatabase::create().await;
        story("postgres", &database.url, dir.path()).await;
    }
}
