//! Two real `attest serve` processes on one PostgreSQL database, as behind a load balancer:
//! same database, same keys directory, same public URL. Started together on an empty database
//! (migrations and the first key race), then hammered with concurrent issuance — including the
//! same attempt sent to both at once — and concurrent revocations and suspensions, some of them
//! contradictory. Afterwards the database, both instances' answers and both instances' published
//! status lists (decoded here by hand) must agree, with nothing lost or handed out twice.
//!
//! Runs only with `TEST_DATABASE_URL`; bounded loops, loopback only.

mod common;

use base64::Engine as _;
use common::exam;
use common::pg::TestDatabase;
use serde_json::{Value, json};
use sqlx::Row as _;
use std::collections::{BTreeSet, HashMap};
use std::io::Read as _;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::AsyncBufReadExt as _;
use tokio::task::JoinSet;

/// What a load balancer would present: both instances sign under this one identity.
const PUBLIC_URL: &str = "http://attest-lb.test";
const UNIQUE: usize = 40;
const DUPLICATED: usize = 15;

fn command(dir: &Path, database_url: &str, config: &str) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_attest"));
    cmd.current_dir(dir)
        .env("ATTEST_CONFIG", dir.join(config))
        .env("ATTEST_DATABASE_URL", database_url)
        .env("ATTEST_KEYS_DIR", dir.join("keys"))
        .env("ATTEST_PUBLIC_BASE_URL", PUBLIC_URL)
        .env("ATTEST_LISTEN", "127.0.0.1:0")
        .env("RUST_LOG", "warn")
        .kill_on_drop(true);
    cmd
}

/// Runs a CLI command to completion; its standard output.
async fn cli(dir: &Path, database_url: &str, args: &[&str]) -> String {
    let out = command(dir, database_url, "cli.toml")
        .args(args)
        .output()
        .await
        .expect("run attest");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "attest {args:?}: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

struct Instance {
    base: String,
    _child: tokio::process::Child,
    log: Arc<Mutex<Vec<String>>>,
}

impl Instance {
    /// Starts `attest serve` and learns its address from the start-up banner; stderr is drained
    /// for the whole run so the pipe never fills.
    async fn start(dir: &Path, database_url: &str, name: &str) -> Self {
        let mut child = command(dir, database_url, &format!("{name}.toml"))
            .arg("serve")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn attest serve");
        let stderr = child.stderr.take().expect("stderr");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = tokio::sync::oneshot::channel();
        let sink = log.clone();
        tokio::spawn(async move {
            let mut lines = tokio::io::BufReader::new(stderr).lines();
            let mut tx = Some(tx);
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(addr) = line.strip_prefix("attest is serving on ")
                    && let Some(tx) = tx.take()
                {
                    let _ = tx.send(addr.trim().to_owned());
                }
                sink.lock().expect("log").push(line);
            }
        });
        let base = tokio::time::timeout(Duration::from_secs(60), rx)
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_else(|| panic!("{name} did not start: {:?}", log.lock().expect("log")));
        Self {
            base,
            _child: child,
            log,
        }
    }
}

async fn post(http: &reqwest::Client, url: String, token: &str, body: Value) -> (u16, Value) {
    let res = http
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn get_json(http: &reqwest::Client, url: String) -> Value {
    let res = http
        .get(url)
        .header("accept", "application/json")
        .send()
        .await
        .expect("get");
    assert_eq!(res.status().as_u16(), 200);
    res.json().await.expect("json")
}

/// Bitstring Status List §2.1 by hand: multibase `u` + base64url, GZIP, then bit `i` is bit
/// `7 - i % 8` of byte `i / 8` (index 0 is the most significant bit of the first byte).
fn set_bits(list: &Value) -> BTreeSet<i64> {
    let encoded = list["credentialSubject"]["encodedList"]
        .as_str()
        .expect("encodedList");
    let compressed = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(encoded.strip_prefix('u').expect("multibase base64url"))
        .expect("base64url");
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(compressed.as_slice())
        .read_to_end(&mut bytes)
        .expect("gzip");
    assert_eq!(bytes.len(), 131_072 / 8);
    let mut set = BTreeSet::new();
    for (i, byte) in bytes.iter().enumerate() {
        for bit in 0..8 {
            if byte & (0x80 >> bit) != 0 {
                set.insert((i * 8 + bit) as i64);
            }
        }
    }
    set
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_database_agree() {
    if !common::pg::enabled("two_instances_on_one_database_agree") {
        return;
    }
    let database = TestDatabase::create().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let (a, b) = tokio::join!(
        Instance::start(dir.path(), &database.url, "a"),
        Instance::start(dir.path(), &database.url, "b")
    );
    let url = database.url.as_str();
    assert!(
        cli(dir.path(), url, &["migrate"])
            .await
            .contains("migrated")
    );
    let keys = cli(dir.path(), url, &["keys", "list"]).await;
    assert_eq!(
        keys.lines().count(),
        1,
        "one first key, whoever started first: {keys}"
    );
    let last_line = |s: String| s.lines().last().expect("token line").trim().to_owned();
    let issuer = last_line(
        cli(
            dir.path(),
            url,
            &["token", "create", "--role", "issuer", "--name", "platform"],
        )
        .await,
    );
    let admin = last_line(
        cli(
            dir.path(),
            url,
            &["token", "create", "--role", "admin", "--name", "registrar"],
        )
        .await,
    );
    let instances = [a.base.clone(), b.base.clone()];
    attest::install_tls_provider();
    let http = reqwest::Client::new();

    // Issuance: unique attempts spread over both, duplicated attempts sent to both at once.
    let mut tasks = JoinSet::new();
    for i in 0..UNIQUE + DUPLICATED {
        let duplicated = i >= UNIQUE;
        let attempt = format!("MI-{i}");
        let targets: Vec<String> = if duplicated {
            instances.to_vec()
        } else {
            vec![instances[i % 2].clone()]
        };
        for base in targets {
            let (http, token, attempt) = (http.clone(), issuer.clone(), attempt.clone());
            let body = exam(&attempt, "mlops-foundation", &format!("cand-{i}"), 800);
            tasks.spawn(async move {
                let (status, body) =
                    post(&http, format!("{base}/api/v1/exam-results"), &token, body).await;
                (
                    attempt,
                    status,
                    body["credential_id"].as_str().map(String::from),
                )
            });
        }
    }
    let mut answers: HashMap<String, Vec<(u16, Option<String>)>> = HashMap::new();
    while let Some(done) = tasks.join_next().await {
        let (attempt, status, id) = done.expect("issuance task");
        answers.entry(attempt).or_default().push((status, id));
    }
    let mut issued: Vec<(String, String)> = Vec::new(); // (attempt, credential id)
    for (attempt, mut got) in answers {
        got.sort();
        let statuses: Vec<u16> = got.iter().map(|g| g.0).collect();
        let expected: &[u16] = if got.len() == 2 { &[200, 201] } else { &[201] };
        assert_eq!(statuses, expected, "{attempt}: {got:?}");
        let id = got[0].1.clone().expect("credential id");
        assert!(
            got.iter().all(|g| g.1.as_deref() == Some(id.as_str())),
            "{attempt}: one credential, {got:?}"
        );
        issued.push((attempt, id));
    }
    issued.sort_by_key(|(attempt, _)| attempt[3..].parse::<usize>().expect("number"));
    let ids: Vec<String> = issued.iter().map(|(_, id)| id.clone()).collect();

    // Status changes: plain ones on either instance, and contradictory ones racing.
    let mut tasks = JoinSet::new();
    let action =
        |base: &str, id: &str, what: &str| format!("{base}/api/v1/credentials/{id}/{what}");
    for (n, id) in ids.iter().enumerate() {
        let mut steps: Vec<Vec<(String, &str)>> = Vec::new();
        match n {
            0..10 => steps.push(vec![(action(&instances[0], id, "revoke"), "revoke")]),
            10..20 => steps.push(vec![(action(&instances[1], id, "suspend"), "suspend")]),
            20..26 => {
                steps.push(vec![(action(&instances[0], id, "revoke"), "revoke")]);
                steps.push(vec![(action(&instances[1], id, "suspend"), "suspend")]);
                steps.push(vec![(action(&instances[1], id, "revoke"), "revoke")]);
            }
            26..30 => steps.push(vec![
                (action(&instances[0], id, "suspend"), "suspend"),
                (action(&instances[1], id, "reinstate"), "reinstate"),
            ]),
            _ => {}
        }
        for sequence in steps {
            let (http, token) = (http.clone(), admin.clone());
            tasks.spawn(async move {
                let mut results = Vec::new();
                for (url, what) in sequence {
                    let (status, body) =
                        post(&http, url, &token, json!({"reason": "multi-instance test"})).await;
                    results.push((what, status, body));
                }
                results
            });
        }
    }
    while let Some(done) = tasks.join_next().await {
        for (what, status, body) in done.expect("status task") {
            let refused_after_revoke =
                what == "suspend" && status == 409 && body["code"] == "revoked_is_final";
            assert!(
                status == 200 || refused_after_revoke,
                "{what}: {status} {body}"
            );
        }
    }
    let expected_state = |n: usize| match n {
        0..10 | 20..26 => "revoked",
        10..20 => "suspended",
        _ => "active",
    };

    // The database: one credential per attempt, one index per credential, the expected states.
    let pool = sqlx::PgPool::connect(url).await.expect("connect");
    let rows = sqlx::query(
        "SELECT credential_id, attempt_id, list_number, list_index, state FROM credentials",
    )
    .fetch_all(&pool)
    .await
    .expect("credentials");
    assert_eq!(
        rows.len(),
        UNIQUE + DUPLICATED,
        "exactly one credential per attempt"
    );
    let mut by_id: HashMap<String, (String, i64, String)> = HashMap::new();
    let mut slots = BTreeSet::new();
    for row in &rows {
        let list: i64 = row.get("list_number");
        let index: i64 = row.get("list_index");
        assert_eq!(list, 1);
        assert!(slots.insert(index), "index {index} handed out twice");
        let attempt: Option<String> = row.get("attempt_id");
        by_id.insert(
            row.get("credential_id"),
            (attempt.expect("attempt"), index, row.get("state")),
        );
    }
    for (n, (attempt, id)) in issued.iter().enumerate() {
        let (stored_attempt, index, state) = by_id.get(id).expect("credential stored");
        assert_eq!(stored_attempt, attempt);
        assert_eq!(state, expected_state(n), "credential {n}: no change lost");
        // Each instance serves the credential with the index the database holds.
        let credential = get_json(
            &http,
            format!("{}/credentials/{id}", instances[(n + 1) % 2]),
        )
        .await;
        for entry in credential["credentialStatus"]
            .as_array()
            .expect("credentialStatus")
        {
            assert_eq!(entry["statusListIndex"], index.to_string());
        }
    }
    let indexes_in = |wanted: &str| -> BTreeSet<i64> {
        by_id
            .values()
            .filter(|v| v.2 == wanted)
            .map(|v| v.1)
            .collect()
    };
    let (revoked, suspended) = (indexes_in("revoked"), indexes_in("suspended"));
    assert_eq!((revoked.len(), suspended.len()), (16, 10));

    // Both instances publish exactly the database's sets, at once (no stale cache).
    for base in &instances {
        let list = get_json(&http, format!("{base}/status/revocation-1")).await;
        assert_eq!(list["credentialSubject"]["statusPurpose"], "revocation");
        assert_eq!(set_bits(&list), revoked, "{base} revocation list");
        let list = get_json(&http, format!("{base}/status/suspension-1")).await;
        assert_eq!(set_bits(&list), suspended, "{base} suspension list");
    }
    let attempts: i64 = sqlx::query_scalar("SELECT count(*) FROM exam_attempts")
        .fetch_one(&pool)
        .await
        .expect("attempts");
    assert_eq!(attempts as usize, UNIQUE + DUPLICATED);
    let audit = cli(dir.path(), url, &["audit", "verify"]).await;
    assert!(audit.contains("audit trail intact"), "{audit}");

    // A rotation made by a third process: both instances sign with the new key from now on.
    cli(dir.path(), url, &["keys", "rotate"]).await;
    for (n, base) in instances.iter().enumerate() {
        let body = exam(&format!("MI-R{n}"), "mlops-foundation", "cand-r", 800);
        let (status, answer) =
            post(&http, format!("{base}/api/v1/exam-results"), &issuer, body).await;
        assert_eq!(status, 201, "{answer}");
        let id = answer["credential_id"].as_str().expect("id");
        let credential = get_json(&http, format!("{base}/credentials/{id}")).await;
        let vm = credential["proof"]["verificationMethod"]
            .as_str()
            .expect("vm");
        assert!(vm.ends_with("#key-2"), "{base} signed with {vm}");
        let did = get_json(&http, format!("{base}/.well-known/did.json")).await;
        assert_eq!(did["verificationMethod"].as_array().expect("vms").len(), 2);
    }
    pool.close().await;
    for instance in [&a, &b] {
        let log = instance.log.lock().expect("log");
        assert!(!log.iter().any(|l| l.contains("panicked")), "{log:?}");
    }
}
