//! Revocation, suspension and the audit trail through the real server (issue 3). The published
//! lists are decoded here with a decoder written for the test (base64 crate + flate2, index 0 =
//! most significant bit of byte 0), never with the server's own decoder; list proofs are checked
//! with the key taken from the published DID document.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use attest::domain::ids::CredentialId;
use attest::service::{Actor, Role, audit, keys, tokens};
use base64::Engine;
use common::independent::{key_from_did_document, verify_jwt, verify_rdfc_proof};
use common::{T0, TestApp, exam};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::Read;
use time::Duration;

const JCS: &[(&str, &str)] = &[("ATTEST_CRYPTOSUITE", "eddsa-jcs-2022")];
/// Bitstring Status List v1.0 §2.1: at least 16 KB of bits.
const MIN_LIST_ENTRIES: usize = 131_072;

// ---------------------------------------------------------------------------------------------
// An independent reader of status lists and status entries.

/// §2.1 / §3.2 decoding done by hand: multibase prefix `u`, base64url without padding, GZIP.
fn decode_encoded_list(encoded: &str) -> Vec<u8> {
    let text = encoded
        .strip_prefix('u')
        .expect("multibase base64url prefix `u`");
    let gz = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .expect("base64url without padding");
    assert_eq!(&gz[..2], &[0x1f, 0x8b], "GZIP (RFC 1952), not zlib");
    let mut bits = Vec::new();
    flate2::read::GzDecoder::new(gz.as_slice())
        .read_to_end(&mut bits)
        .expect("gunzip");
    bits
}

/// Indexes of the set bits; index 0 is the left-most (most significant) bit of byte 0.
fn set_bits(bytes: &[u8]) -> BTreeSet<usize> {
    bytes
        .iter()
        .enumerate()
        .flat_map(|(i, byte)| {
            (0..8)
                .filter(move |bit| byte & (0x80u8 >> bit) != 0)
                .map(move |bit| i * 8 + bit)
        })
        .collect()
}

/// The bits a list credential publishes, checking its size on the way.
fn published_bits(list: &Value) -> BTreeSet<usize> {
    let bytes = decode_encoded_list(
        list["credentialSubject"]["encodedList"]
            .as_str()
            .expect("encodedList"),
    );
    assert!(
        bytes.len() * 8 >= MIN_LIST_ENTRIES,
        "a list holds at least {MIN_LIST_ENTRIES} entries, this one {}",
        bytes.len() * 8
    );
    set_bits(&bytes)
}

/// Where one purpose's bit of a credential lives: the list path on our server and the index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Slot {
    path: String,
    index: usize,
}

/// Checks the shape of `credentialStatus` (two `BitstringStatusListEntry`, §2.1) and returns
/// the slot per purpose.
fn status_slots(app: &TestApp, credential: &Value) -> BTreeMap<String, Slot> {
    let entries = credential["credentialStatus"]
        .as_array()
        .expect("credentialStatus is a list");
    assert_eq!(entries.len(), 2, "{entries:?}");
    let mut slots = BTreeMap::new();
    for entry in entries {
        assert_eq!(entry["type"], "BitstringStatusListEntry");
        let purpose = entry["statusPurpose"].as_str().expect("statusPurpose");
        let index_text = entry["statusListIndex"]
            .as_str()
            .expect("statusListIndex is a string");
        let index: usize = index_text.parse().expect("base-10 integer");
        assert_eq!(index.to_string(), index_text, "canonical base-10");
        assert!(index < MIN_LIST_ENTRIES, "{index}");
        let list_url = entry["statusListCredential"]
            .as_str()
            .expect("statusListCredential");
        let path = list_url
            .strip_prefix(&format!("{}/status/", app.base))
            .map(|rest| format!("/status/{rest}"))
            .unwrap_or_else(|| panic!("{list_url} is not {{base}}/status/{{list}}"));
        let id = entry["id"].as_str().expect("entry id");
        assert_ne!(id, list_url, "the entry id is not the list URL");
        assert!(id.starts_with("http"), "{id}");
        let previous = slots.insert(purpose.to_owned(), Slot { path, index });
        assert!(previous.is_none(), "purpose {purpose} twice");
    }
    assert_eq!(
        slots.keys().map(String::as_str).collect::<Vec<_>>(),
        ["revocation", "suspension"]
    );
    slots
}

async fn stored_credential(app: &TestApp, id: &str) -> Value {
    let row = app
        .ctx
        .store
        .credential(&CredentialId::parse(id).unwrap())
        .await
        .unwrap()
        .expect("stored");
    serde_json::from_str(&row.json).unwrap()
}

async fn slot(app: &TestApp, id: &str, purpose: &str) -> Slot {
    status_slots(app, &stored_credential(app, id).await)[purpose].clone()
}

/// GET with optional `If-None-Match`: status, body, ETag, Cache-Control.
async fn fetch(
    app: &TestApp,
    path: &str,
    accept: &str,
    if_none_match: Option<&str>,
) -> (u16, String, Option<String>, Option<String>) {
    let mut req = app.http.get(app.url(path)).header("accept", accept);
    if let Some(tag) = if_none_match {
        req = req.header("if-none-match", tag);
    }
    let res = req.send().await.unwrap();
    let header = |name: &str| {
        res.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let (etag, cache) = (header("etag"), header("cache-control"));
    (
        res.status().as_u16(),
        res.text().await.unwrap(),
        etag,
        cache,
    )
}

async fn list_json(app: &TestApp, path: &str) -> Value {
    let (status, body, _, _) = fetch(app, path, "application/json", None).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

async fn bits_of(app: &TestApp, path: &str) -> BTreeSet<usize> {
    published_bits(&list_json(app, path).await)
}

async fn named_token(app: &TestApp, name: &str, role: Role) -> String {
    tokens::create(&app.ctx, &Actor::cli(), name, role)
        .await
        .unwrap()
        .token
}

/// Issues `n` Foundation credentials in one batch, in order; returns their ids.
async fn issue_batch(app: &TestApp, token: &str, prefix: &str, n: usize) -> Vec<String> {
    let results: Vec<Value> = (0..n)
        .map(|i| {
            exam(
                &format!("{prefix}-{i:04}"),
                "mlops-foundation",
                &format!("cand-{prefix}-{i}"),
                812,
            )
        })
        .collect();
    let (status, body) = app
        .post(
            "/api/v1/exam-results/batch",
            Some(token),
            &json!({"results": results}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["summary"]["issued"], n, "{}", body["summary"]);
    body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["credential_id"].as_str().unwrap().to_owned())
        .collect()
}

async fn audit_entries(app: &TestApp, token: &str) -> Vec<Value> {
    let (status, body) = app.get_json_auth("/api/v1/audit?limit=1000", token).await;
    assert_eq!(status, 200, "{body}");
    body["entries"].as_array().unwrap().clone()
}

trait AuthGet {
    async fn get_json_auth(&self, path: &str, token: &str) -> (u16, Value);
}

impl AuthGet for TestApp {
    async fn get_json_auth(&self, path: &str, token: &str) -> (u16, Value) {
        let res = self
            .http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
}

/// Tests that reach into the SQLite file itself (tampering, query plans, direct edits) run on
/// SQLite only; the same behaviours through the API run on both engines.
fn sqlite_only(test: &str) -> bool {
    let on = common::engine() == "sqlite";
    if !on {
        eprintln!(
            "{test}: skipped on {}, it edits the SQLite file directly",
            common::engine()
        );
    }
    on
}

/// A connection of the test's own to the server's SQLite file (for tampering).
async fn raw_db(app: &TestApp) -> sqlx::SqliteConnection {
    use sqlx::Connection;
    let url = format!("sqlite://{}", app.dir.path().join("attest.db").display());
    sqlx::SqliteConnection::connect(&url).await.unwrap()
}

// ---------------------------------------------------------------------------------------------

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

fn instant(list: &Value, field: &str) -> time::OffsetDateTime {
    let text = list[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field}: {list}"));
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).unwrap()
}

/// A list superseded by a revocation must stop being a valid credential soon, not 24 h later:
/// someone replaying the old copy to hide the revocation is refused once its `validUntil` has
/// passed, which comes `status_list_validity_seconds` (default 30 min) after its signing, while
/// the list served then is re-signed and still shows the revocation.
#[tokio::test]
async fn a_superseded_list_expires_within_the_configured_validity() {
    let app = TestApp::spawn().await;
    let issuer = app.token(Role::Issuer).await;
    let admin = app.token(Role::Admin).await;
    let id = app
        .issue(&issuer, "EXM-RP1", "mlops-foundation", "cand-rp1")
        .await;
    let path = slot(&app, &id, "revocation").await.path;
    let old = list_json(&app, &path).await;
    assert!(published_bits(&old).is_empty());
    assert_eq!(old["validUntil"], "2026-11-20T15:30:00Z");
    assert!(instant(&old, "validUntil") - T0 <= Duration::minutes(30));
    // The JWT form says the same (exp = validUntil).
    let (_, jwt, _, _) = fetch(&app, &path, "application/vc+jwt", None).await;
    let (_, jwks) = app.get_json("/.well-known/jwks.json").await;
    let (_, payload) = verify_jwt(&jwt, &jwks).expect("list JWT verifies");
    assert_eq!(
        payload["exp"].as_i64(),
        Some(instant(&old, "validUntil").unix_timestamp())
    );

    app.clock.advance(Duration::minutes(1));
    let (status, _) = app.act(&admin, &id, "revoke", "fraud").await;
    assert_eq!(status, 200);
    let index = slot(&app, &id, "revocation").await.index;

    // Past the old copy's validUntil: it no longer passes anywhere, and what is served now is
    // valid, freshly signed and carries the revocation.
    app.clock
        .advance(Duration::minutes(29) + Duration::seconds(1));
    let now = T0 + Duration::minutes(30) + Duration::seconds(1);
    assert!(
        now > instant(&old, "validUntil"),
        "the replayed copy has expired"
    );
    let current = list_json(&app, &path).await;
    assert!(instant(&current, "validFrom") <= now && now < instant(&current, "validUntil"));
    assert!(
        instant(&current, "validUntil") - now > Duration::minutes(5),
        "outlives its ttl"
    );
    assert_eq!(published_bits(&current), BTreeSet::from([index]));

    // The validity is configurable; too short a one (less than twice ttl plus the clock skew
    // allowance, so a fetched copy could expire inside its cache period) is refused.
    let short = TestApp::spawn_with(&[("ATTEST_STATUS_LIST_VALIDITY_SECONDS", "1200")]).await;
    let token = short.token(Role::Issuer).await;
    let id = short
        .issue(&token, "EXM-RP2", "mlops-foundation", "cand-rp2")
        .await;
    let list = list_json(&short, &slot(&short, &id, "revocation").await.path).await;
    assert_eq!(list["validUntil"], "2026-11-20T15:20:00Z");
    let env = |key: &str| (key == "ATTEST_STATUS_LIST_VALIDITY_SECONDS").then(|| "1199".into());
    let refused = attest::config::Config::load(&short.dir.path().join("none.toml"), false, env);
    let message = refused.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        message.contains("status_list_validity_seconds"),
        "{message}"
    );
}

/// A list is dated back by the 5 min clock-skew allowance: a verifier whose clock is a little
/// behind ours does not find a list re-signed at the moment of a change "not yet valid". The
/// proof still carries the true signing time.
#[tokio::test]
async fn a_list_signed_now_is_already_valid_for_a_verifier_a_little_behind() {
    let app = TestApp::spawn().await;
    let issuer = app.token(Role::Issuer).await;
    let admin = app.token(Role::Admin).await;
    let id = app
        .issue(&issuer, "EXM-SK1", "mlops-foundation", "cand-sk1")
        .await;
    let path = slot(&app, &id, "revocation").await.path;
    app.clock.advance(Duration::minutes(1));
    let (status, _) = app.act(&admin, &id, "revoke", "fraud").await;
    assert_eq!(status, 200);
    let list = list_json(&app, &path).await;
    assert_eq!(list["proof"]["created"], "2026-11-20T15:01:00Z");
    assert_eq!(list["validFrom"], "2026-11-20T14:56:00Z");
    let behind = T0 + Duration::minutes(1) - Duration::seconds(90);
    assert!(instant(&list, "validFrom") <= behind);
}

/// Our own verifier allows the same skew for "not yet valid" (only): a credential from an
/// issuer whose clock runs a minute or two ahead verifies; one dated further ahead does not.
#[tokio::test]
async fn the_verifier_allows_the_clock_skew_for_not_yet_valid_only() {
    let app = TestApp::spawn().await;
    let issuer = app.token(Role::Issuer).await;
    let id = app
        .issue(&issuer, "EXM-SK2", "mlops-foundation", "cand-sk2")
        .await;
    let credential = stored_credential(&app, &id).await;
    let validity = |verdict: &Value| common::check(verdict, "validity").clone();
    app.clock.set(T0 - Duration::minutes(2));
    let (_, verdict) = app.post("/credentials/verify", None, &credential).await;
    assert_eq!(validity(&verdict)["status"], "passed", "{verdict}");
    app.clock.set(T0 - Duration::minutes(6));
    let (_, verdict) = app.post("/credentials/verify", None, &credential).await;
    assert_eq!(validity(&verdict)["status"], "failed", "{verdict}");
}

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

fn find<'a>(entries: &'a [Value], action: &str, credential: Option<&str>) -> &'a Value {
    entries
        .iter()
        .find(|e| e["action"] == action && credential.is_none_or(|c| e["credential_id"] == c))
        .unwrap_or_else(|| panic!("no {action} entry for {credential:?} in {entries:#?}"))
}

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
    let (status, _) = app.get_json_auth("/api/v1/audit", &issuer).await;
    assert_eq!(status, 403);
    let (status, _) = app.get_json("/api/v1/audit").await;
    assert_eq!(status, 401);

    let (checked, broken) = audit::verify_chain(&app.ctx.store).await.unwrap();
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
    let (checked, broken) = audit::verify_chain(&app.ctx.store).await.unwrap();
    let (seq, why) = broken.expect("tampering is detected");
    assert_eq!(seq, revoke_seq, "{why}");
    assert_eq!(checked as i64, revoke_seq - 1);

    // Put it back: intact again. Deleting an entry in the middle is caught too.
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE audit_log SET reason = 'exam misconduct' WHERE seq = {revoke_seq}"
    )))
    .execute(&mut db)
    .await
    .unwrap();
    assert_eq!(audit::verify_chain(&app.ctx.store).await.unwrap().1, None);
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM audit_log WHERE seq = {}",
        revoke_seq - 1
    )))
    .execute(&mut db)
    .await
    .unwrap();
    let (_, broken) = audit::verify_chain(&app.ctx.store).await.unwrap();
    assert_eq!(broken.unwrap().0, revoke_seq - 1);
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
