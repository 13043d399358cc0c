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

mod allocation;
mod audit_trail;
mod changes;
mod publication;
mod validity;

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
    let (status, body) = app.get_json_as("/api/v1/audit?limit=1000", token).await;
    assert_eq!(status, 200, "{body}");
    body["entries"].as_array().unwrap().clone()
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

fn find<'a>(entries: &'a [Value], action: &str, credential: Option<&str>) -> &'a Value {
    entries
        .iter()
        .find(|e| e["action"] == action && credential.is_none_or(|c| e["credential_id"] == c))
        .unwrap_or_else(|| panic!("no {action} entry for {credential:?} in {entries:#?}"))
}
