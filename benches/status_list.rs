//! Publishing a changed status list (issue 3 benchmark): a list of 131,072 entries, every entry
//! taken by a credential, about 1% of them revoked at random positions. Measures the encoding
//! alone (gzip + multibase), a full re-publication after a change (read the states, build the
//! bitstring, gzip, sign the embedded proof and the vc+jwt, store), for each cryptosuite, and a
//! fetch from cache. `cargo bench --bench status_list`; prints medians, asserts nothing timed.
//!
//! HTTP throughput from cache is measured against the release binary instead: `attest serve`
//! on loopback with such a list, then e.g. `wrk -t2 -c64 -d20s --latency
//! http://127.0.0.1:PORT/status/revocation-1` (add `-H 'Accept: application/vc+jwt'` for the
//! JWT, or `-H 'If-None-Match: <etag>'` for 304s).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use attest::clock::FixedClock;
use attest::config::Config;
use attest::domain::status::{Bitstring, StatusPurpose};
use attest::service::{Context, keys, signing, status};
use attest::vc::status_list::{ListDraft, build};
use sqlx::Connection;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use time::macros::datetime;

const ENTRIES: u32 = 131_072;
const LIST: &str = "revocation-1";

fn summary(label: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let pick = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    println!(
        "{label:<48} n={:<4} median {:>9.3?}  p90 {:>9.3?}  min {:>9.3?}",
        samples.len(),
        pick(0.5),
        pick(0.9),
        samples[0]
    );
}

/// A context on a fresh database whose list 1 is full, ~1% revoked.
async fn context(dir: &std::path::Path, suite: &str) -> (Arc<Context>, sqlx::SqliteConnection) {
    let db = format!("sqlite://{}", dir.join("attest.db").display());
    let env: HashMap<String, String> = HashMap::from([
        ("ATTEST_DATABASE_URL".into(), db.clone()),
        (
            "ATTEST_KEYS_DIR".into(),
            dir.join("keys").display().to_string(),
        ),
        ("ATTEST_CRYPTOSUITE".into(), suite.into()),
    ]);
    let config = Config::load(&dir.join("attest.toml"), false, |k| env.get(k).cloned())
        .unwrap()
        .config;
    let clock = FixedClock::new(datetime!(2026-11-20 15:00:00 UTC));
    let (ctx, _) = Context::open(config, Arc::new(clock)).await.unwrap();
    let mut conn = sqlx::SqliteConnection::connect(&db).await.unwrap();
    let fill = format!(
        "INSERT INTO status_lists (list_number, size, allocated, revision, created_at) \
         VALUES (1, {ENTRIES}, {ENTRIES}, 0, 0); \
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {max}) \
         INSERT INTO credentials (credential_id, holder_name, issued_at, list_number, list_index, \
         key_id, state, json, jwt) \
         SELECT printf('00000000-0000-4000-8000-%012x', i), 'bench', 0, 1, i, 'key-1', \
         CASE WHEN abs(random()) % 100 = 0 THEN 'revoked' ELSE 'active' END, '{{}}', '' FROM n",
        max = ENTRIES - 1
    );
    sqlx::raw_sql(sqlx::AssertSqlSafe(fill))
        .execute(&mut conn)
        .await
        .unwrap();
    (ctx, conn)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        // Encoding alone, on the same kind of list.
        let mut bits = Bitstring::zeroed(ENTRIES);
        for _ in 0..ENTRIES / 100 {
            bits.set(rand::random::<u32>() % ENTRIES, true);
        }
        let encoded = attest::vc::status_list::encode(&bits);
        println!(
            "list of {ENTRIES} entries, {} set: encodedList is {} characters",
            (0..u64::from(ENTRIES))
                .filter(|i| bits.get(*i) == Some(true))
                .count(),
            encoded.len()
        );
        let samples = (0..200)
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(attest::vc::status_list::encode(&bits));
                start.elapsed()
            })
            .collect();
        summary("encode (gzip + base64url)", samples);

        for suite in ["eddsa-rdfc-2022", "eddsa-jcs-2022"] {
            let dir = tempfile::tempdir().unwrap();
            let (ctx, mut conn) = context(dir.path(), suite).await;
            let revoked: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM credentials WHERE state = 'revoked'")
                    .fetch_one(&mut conn)
                    .await
                    .unwrap();
            // Signing alone (embedded proof + vc+jwt) of the list credential.
            let mut tx = ctx.store.begin().await.unwrap();
            let (record, key) = keys::active_signer(&ctx, tx.as_mut()).await.unwrap();
            drop(tx);
            let now = ctx.now();
            let issuer = ctx.identity.issuer_for(&record);
            let draft = ListDraft {
                base_url: ctx.base_url(),
                issuer_id: &issuer,
                purpose: StatusPurpose::Revocation,
                list_number: 1,
                bits: &bits,
                valid_from: now,
                valid_until: now + time::Duration::hours(24),
                ttl_ms: 300_000,
            };
            let mut sign = Vec::new();
            for _ in 0..100 {
                let unsecured = build(&draft);
                let start = Instant::now();
                let signed = signing::SigningJob::new(&ctx, &record, &key, unsecured, now, None)
                    .and_then(signing::SigningJob::run)
                    .unwrap();
                sign.push(start.elapsed());
                std::hint::black_box(signed);
            }
            summary(&format!("sign list credential ({suite} + vc+jwt)"), sign);

            status::publication(&ctx, LIST).await.unwrap();
            let mut publish = Vec::new();
            for _ in 0..40 {
                // What a status change does to the list: a new revision.
                sqlx::query("UPDATE status_lists SET revision = revision + 1")
                    .execute(&mut conn)
                    .await
                    .unwrap();
                let start = Instant::now();
                let p = status::publication(&ctx, LIST).await.unwrap();
                publish.push(start.elapsed());
                std::hint::black_box(p);
            }
            summary(
                &format!("publish after a change ({suite}, {revoked} set)"),
                publish,
            );
            let mut cached = Vec::new();
            for _ in 0..2000 {
                let start = Instant::now();
                let p = status::publication(&ctx, LIST).await.unwrap();
                cached.push(start.elapsed());
                std::hint::black_box(p);
            }
            summary(&format!("fetch from cache ({suite})"), cached);
        }
    });
}
