//! The verifier tried as an attacker would (issue 14): forgeries under our name, borrowed
//! lineages, status lists that make the server fetch for an attacker or vouch for someone
//! else's credential, proofs that cost work before they are refused, and verification load
//! that must not stall the cheap routes.
//!
//! A test binary of its own (not a module of `tests/api/`): the load test starts a server with
//! `ATTEST_CANONICALIZATION_LIMIT` raised, and starting a server sets that limit process-wide
//! (`vc::rdfc::set_canonicalization_limit`), which would let the poison graphs of other tests
//! (tests/api/rdfc_poison.rs) run for minutes; it also times the cheap routes while the CPU is
//! loaded, which other tests in the same process would disturb.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use attest::crypto::IssuerKey;
use attest::domain::status::Bitstring;
use attest::service::Role;
use attest::vc::proof::{Cryptosuite, ProofOptions, create_proof};
use common::{TestApp, check};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const JCS: (&str, &str) = ("ATTEST_CRYPTOSUITE", "eddsa-jcs-2022");
/// Words the fake server sends that no verdict may repeat.
const MARKER: &str = "ZQX-internal-secret-4711";

/// A fresh did:key issuer: its signing key, DID and verification method.
fn did_key_issuer(seed: u8) -> (IssuerKey, String, String) {
    let signer = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
    let did = attest::vc::did::did_key(&signer.verifying_key());
    let vm = format!("{did}#{}", did.trim_start_matches("did:key:"));
    (IssuerKey::from_secret_bytes("x", &[seed; 32]), did, vm)
}

fn sign(unsigned: &Value, key: &IssuerKey, vm: &str) -> Value {
    let mut doc = unsigned.clone();
    doc.as_object_mut().unwrap().remove("proof");
    let options = ProofOptions {
        cryptosuite: Cryptosuite::EddsaJcs2022,
        verification_method: vm.to_owned(),
        created: common::T0,
    };
    let proof = create_proof(&doc, &options, |m| key.sign(m)).unwrap();
    doc["proof"] = proof;
    doc
}

/// Our own active key, as someone holding a copy of the key file (or a bug) would sign.
fn our_key(app: &TestApp) -> IssuerKey {
    IssuerKey::read("key-1", &app.dir.path().join("keys/key-1.pem")).unwrap()
}

async fn verify(app: &TestApp, body: &Value) -> (u16, Value) {
    app.post("/credentials/verify", None, body).await
}

fn detail(verdict: &Value, name: &str) -> String {
    check(verdict, name)["detail"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn issue(app: &TestApp, token: &str, achievement: &str, candidate: &str) -> (String, Value) {
    let attempt = format!("X-{}", uuid::Uuid::new_v4());
    let id = app.issue(token, &attempt, achievement, candidate).await;
    let (_, credential) = app.get_json(&format!("/credentials/{id}")).await;
    (id, credential)
}

/// An HTTP server that counts connections and answers every request with `response`.
struct FakeServer {
    port: u16,
    connections: Arc<AtomicUsize>,
    response: Arc<Mutex<(u16, String)>>,
}

impl FakeServer {
    async fn start(status: u16, body: &str) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections = Arc::new(AtomicUsize::new(0));
        let response = Arc::new(Mutex::new((status, body.to_owned())));
        let (count, answer) = (connections.clone(), response.clone());
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                let (status, body) = answer.lock().unwrap().clone();
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 8192];
                    let mut seen = Vec::new();
                    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => seen.extend_from_slice(&buf[..n]),
                        }
                    }
                    let head = format!(
                        "HTTP/1.1 {status} {MARKER}\r\ncontent-type: application/json\r\n\
                         content-length: {}\r\nconnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = stream.write_all(head.as_bytes()).await;
                    let _ = stream.write_all(body.as_bytes()).await;
                });
            }
        });
        Self {
            port,
            connections,
            response,
        }
    }

    fn serve(&self, status: u16, body: &str) {
        *self.response.lock().unwrap() = (status, body.to_owned());
    }

    fn count(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// A partner credential by `did` with a revocation entry at `list_url`, index 5.
fn partner_credential(did: &str, list_url: &str) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"], "issuer": did, "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:holder", "name": "Pat Partner"},
        "credentialStatus": {"id": format!("{list_url}#5"), "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation", "statusListIndex": "5", "statusListCredential": list_url}
    })
}

fn status_list(issuer: &str, url: &str, revoked: &[u32]) -> Value {
    let mut bits = Bitstring::zeroed(131_072);
    for i in revoked {
        bits.set(*i, true);
    }
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url, "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer, "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": format!("{url}#list"), "type": "BitstringStatusList",
            "statusPurpose": "revocation", "encodedList": attest::vc::status_list::encode(&bits)}
    })
}

#[tokio::test]
async fn a_copy_signed_by_an_unknown_key_is_never_shown_as_valid() {
    let app = TestApp::spawn_with(&[JCS]).await;
    let token = app.token(Role::Issuer).await;
    let (_, genuine) = issue(&app, &token, "mlops-foundation", "cand-real").await;
    let (key, did, vm) = did_key_issuer(21);
    let mut copy = genuine.clone();
    copy["id"] = json!(format!("urn:uuid:{}", uuid::Uuid::new_v4()));
    copy["issuer"]["id"] = json!(did);
    copy["credentialSubject"]["name"] = json!("Mallory Forger");
    copy.as_object_mut().unwrap().remove("credentialStatus");
    let forged = sign(&copy, &key, &vm);

    // VC API semantics: a sound signature by a did:key verifies; the issuer check says who.
    let (status, verdict) = verify(&app, &forged).await;
    assert_eq!(
        (status, &verdict["verified"]),
        (200, &json!(true)),
        "{verdict}"
    );
    assert_eq!(check(&verdict, "issuer")["status"], "unknown", "{verdict}");
    let why = detail(&verdict, "issuer");
    assert!(
        why.contains(&did) && why.contains("not an issuer this service knows"),
        "{why}"
    );
    // The issuer check may be asked for alone.
    let only = json!({"verifiableCredential": forged, "options": {"checks": ["issuer"]}});
    let (_, verdict) = verify(&app, &only).await;
    assert_eq!(check(&verdict, "issuer")["status"], "unknown");
    assert_eq!(check(&verdict, "proof")["status"], "skipped");
    // Our own credential: the issuer check passes.
    let (_, verdict) = verify(&app, &genuine).await;
    assert_eq!(check(&verdict, "issuer")["status"], "passed", "{verdict}");

    // The employer's paste form: no VALID, no ok tone, our name never shown as the issuer.
    let res = app.paste(forged.to_string()).await;
    let page = res.text().await.unwrap();
    assert!(!page.contains(">VALID<"), "{page}");
    assert!(!page.contains("class=\"verdict tone-ok\""), "{page}");
    assert!(
        page.contains("SIGNED BY AN UNKNOWN ISSUER — not issued by AIOps School"),
        "{page}"
    );
    assert!(page.contains("claims to be “AIOps School”"), "{page}");

    // The CLI: not exit 0.
    let file = app.dir.path().join("forged.json");
    std::fs::write(&file, forged.to_string()).unwrap();
    let cli_dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(common::process::BIN)
        .current_dir(cli_dir.path())
        .env(
            "ATTEST_DATABASE_URL",
            format!("sqlite://{}", cli_dir.path().join("attest.db").display()),
        )
        .env("ATTEST_KEYS_DIR", cli_dir.path().join("keys"))
        .env("ATTEST_PUBLIC_BASE_URL", "http://127.0.0.1:8080")
        .args(["verify", file.to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("SIGNED BY AN UNKNOWN ISSUER"), "{stdout}");
    assert!(!stdout.lines().any(|l| l == "VALID"), "{stdout}");
}

#[tokio::test]
async fn a_lineage_passes_only_for_our_stored_credential_and_its_own_holder() {
    let app = TestApp::spawn_with(&[JCS]).await;
    let token = app.token(Role::Issuer).await;
    issue(&app, &token, "mlops-foundation", "cand-a").await;
    let (a_prof, _) = issue(&app, &token, "mlops-professional", "cand-a").await;
    let (a_adv, advanced) = issue(&app, &token, "mlops-advanced", "cand-a").await;
    issue(&app, &token, "mlops-foundation", "cand-b").await;
    let (b_prof, _) = issue(&app, &token, "mlops-professional", "cand-b").await;
    let (status, verdict) = verify(&app, &advanced).await;
    assert_eq!(status, 200, "{verdict}");
    assert_eq!(check(&verdict, "lineage")["status"], "passed");

    // The Advanced credential repointed (with correct digests) at B's real Professional one.
    let (_, b_bytes, _) = app
        .get_text(&format!("/credentials/{b_prof}"), "application/json")
        .await;
    let b_digest = attest::vc::credential::digest_sri(b_bytes.as_bytes());
    let text = advanced.to_string().replace(&a_prof, &b_prof);
    let mut borrowed: Value = serde_json::from_str(&text).unwrap();
    for r in borrowed["relatedResource"].as_array_mut().unwrap() {
        if r["id"].as_str().unwrap().contains(&b_prof) {
            r["digestSRI"] = json!(b_digest);
        }
    }
    borrowed["credentialSubject"]["name"] = json!("Mallory Forger");

    // (1) signed by a fresh did:key: not our credential, so no lineage of ours.
    let (key, did, vm) = did_key_issuer(22);
    let mut foreign = borrowed.clone();
    foreign["id"] = json!(format!("urn:uuid:{}", uuid::Uuid::new_v4()));
    foreign["issuer"]["id"] = json!(did);
    foreign.as_object_mut().unwrap().remove("credentialStatus");
    let (_, verdict) = verify(&app, &sign(&foreign, &key, &vm)).await;
    assert_eq!(check(&verdict, "lineage")["status"], "failed", "{verdict}");

    // (2) signed with our own key under an id we never stored (a stolen key, or a bug).
    let mut unrecorded = borrowed.clone();
    unrecorded["id"] = json!(format!("{}/credentials/{}", app.base, uuid::Uuid::new_v4()));
    let vm = advanced["proof"]["verificationMethod"].as_str().unwrap();
    let (_, verdict) = verify(&app, &sign(&unrecorded, &our_key(&app), vm)).await;
    assert_eq!(check(&verdict, "proof")["status"], "passed", "{verdict}");
    assert_eq!(check(&verdict, "lineage")["status"], "failed", "{verdict}");
    assert!(
        detail(&verdict, "lineage").contains("no record"),
        "{verdict}"
    );

    // (3) the store says the prerequisite was issued to another candidate.
    app.raw_execute(
        "UPDATE credentials SET candidate_id = 'cand-b' WHERE credential_id = $1",
        &[&a_adv],
    )
    .await;
    let (status, verdict) = verify(&app, &advanced).await;
    assert_eq!(status, 422, "{verdict}");
    assert_eq!(check(&verdict, "lineage")["status"], "failed", "{verdict}");
    assert!(
        detail(&verdict, "lineage").contains("someone else"),
        "{verdict}"
    );
}

#[tokio::test]
async fn a_credential_whose_proof_failed_makes_no_request() {
    let server = FakeServer::start(500, MARKER).await;
    let (_, partner, partner_vm) = did_key_issuer(23);
    let app = TestApp::spawn_with(&[
        JCS,
        ("ATTEST_OUTBOUND_ALLOW", "127.0.0.0/8"),
        ("ATTEST_TRUSTED_ISSUERS", partner.as_str()),
    ])
    .await;
    let token = app.token(Role::Issuer).await;
    let (_, genuine) = issue(&app, &token, "mlops-foundation", "cand-s").await;
    let url = format!("http://127.0.0.1:{}/x", server.port);
    // Claims our DID, proof no longer matches.
    let mut unsigned = genuine.clone();
    for entry in unsigned["credentialStatus"].as_array_mut().unwrap() {
        entry["statusListCredential"] = json!(url);
    }
    let (_, verdict) = verify(&app, &unsigned).await;
    assert_eq!(check(&verdict, "proof")["status"], "failed", "{verdict}");
    assert_eq!(check(&verdict, "revocation")["status"], "unknown");
    // Our DID in an unproven document is only a claim.
    assert_eq!(check(&verdict, "issuer")["status"], "unknown", "{verdict}");
    // Claims a trusted partner, with a proof that does not verify.
    let mut partner_claim = partner_credential(&partner, &url);
    partner_claim["proof"] = genuine["proof"].clone();
    partner_claim["proof"]["verificationMethod"] = json!(partner_vm);
    let (_, verdict) = verify(&app, &partner_claim).await;
    assert_eq!(check(&verdict, "proof")["status"], "failed", "{verdict}");
    assert_eq!(server.count(), 0, "an unproven credential made a request");

    // Signed with our key but naming a list that is not ours: failed, and still no fetch.
    let mut ours = genuine.clone();
    ours["id"] = json!(format!("{}/credentials/{}", app.base, uuid::Uuid::new_v4()));
    for entry in ours["credentialStatus"].as_array_mut().unwrap() {
        entry["statusListCredential"] = json!(url);
    }
    let vm = genuine["proof"]["verificationMethod"].as_str().unwrap();
    let (_, verdict) = verify(&app, &sign(&ours, &our_key(&app), vm)).await;
    assert_eq!(check(&verdict, "proof")["status"], "passed", "{verdict}");
    assert_eq!(check(&verdict, "revocation")["status"], "failed");
    assert!(detail(&verdict, "revocation").contains("not a status list of this issuer"));
    assert_eq!(server.count(), 0, "our own credential caused a fetch");
}

#[tokio::test]
async fn outbound_fetches_reach_only_allowed_addresses_and_echo_nothing() {
    let server = FakeServer::start(500, &format!("{{\"error\": \"{MARKER}\"}}")).await;
    let (key, partner, vm) = did_key_issuer(24);
    let port = server.port;
    let refused = [
        format!("http://127.0.0.1:{port}/x"),
        format!("http://2130706433:{port}/x"),
        format!("http://0x7f000001:{port}/x"),
        format!("http://127.1:{port}/x"),
        format!("http://localhost:{port}/x"),
        format!("http://[::ffff:127.0.0.1]:{port}/x"),
        format!("http://[::1]:{port}/x"),
    ];
    let app = TestApp::spawn_with(&[("ATTEST_TRUSTED_ISSUERS", partner.as_str())]).await;
    for url in &refused {
        let (_, verdict) = verify(&app, &sign(&partner_credential(&partner, url), &key, &vm)).await;
        assert_eq!(check(&verdict, "proof")["status"], "passed", "{verdict}");
        assert_eq!(check(&verdict, "revocation")["status"], "unknown", "{url}");
        assert!(
            detail(&verdict, "revocation").contains("could not be fetched"),
            "{verdict}"
        );
    }
    assert_eq!(server.count(), 0, "a non-public address was contacted");

    // An operator may allow loopback; userinfo stays refused.
    let app = TestApp::spawn_with(&[
        ("ATTEST_TRUSTED_ISSUERS", partner.as_str()),
        ("ATTEST_OUTBOUND_ALLOW", "127.0.0.0/8"),
    ])
    .await;
    let with_user = format!("http://user:pw@127.0.0.1:{port}/x");
    let (_, verdict) = verify(
        &app,
        &sign(&partner_credential(&partner, &with_user), &key, &vm),
    )
    .await;
    assert_eq!(check(&verdict, "revocation")["status"], "unknown");
    assert_eq!(server.count(), 0, "a URL with userinfo was fetched");

    let url = format!("http://127.0.0.1:{port}/x");
    let credential = sign(&partner_credential(&partner, &url), &key, &vm);
    for (status, body) in [
        (500, format!("{{\"error\": \"{MARKER}\"}}")),
        (401, MARKER.to_owned()),
        (200, MARKER.to_owned()),
        (
            200,
            format!("{{\"issuer\": \"{partner}\", \"{MARKER}\": 1}}"),
        ),
    ] {
        server.serve(status, &body);
        let before = server.count();
        let (_, verdict) = verify(&app, &credential).await;
        assert_eq!(server.count(), before + 1, "allowed, so fetched");
        let text = verdict.to_string();
        assert!(!text.contains(MARKER), "{text}");
        let why = detail(&verdict, "revocation").replace(&url, "");
        assert!(!why.contains(&status.to_string()), "{why}");
        assert_eq!(check(&verdict, "revocation")["status"], "unknown", "{text}");
    }
}

#[tokio::test]
async fn a_trusted_issuers_status_list_counts_only_when_that_issuer_signed_it() {
    let server = FakeServer::start(404, "").await;
    let (key, partner, vm) = did_key_issuer(25);
    let (other_key, other, other_vm) = did_key_issuer(26);
    let app = TestApp::spawn_with(&[
        ("ATTEST_TRUSTED_ISSUERS", partner.as_str()),
        ("ATTEST_OUTBOUND_ALLOW", "127.0.0.0/8"),
    ])
    .await;
    let url = format!("http://127.0.0.1:{}/list", server.port);
    let credential = sign(&partner_credential(&partner, &url), &key, &vm);
    let revocation = |v: &Value| check(v, "revocation")["status"].clone();

    // The partner's own list says revoked.
    server.serve(
        200,
        &sign(&status_list(&partner, &url, &[5]), &key, &vm).to_string(),
    );
    let (status, verdict) = verify(&app, &credential).await;
    assert_eq!(
        (status, revocation(&verdict)),
        (422, json!("failed")),
        "{verdict}"
    );
    // An all-zero list by someone else, in the list's own name or in the partner's.
    for list in [
        sign(&status_list(&other, &url, &[]), &other_key, &other_vm),
        sign(&status_list(&partner, &url, &[]), &other_key, &other_vm),
    ] {
        server.serve(200, &list.to_string());
        let (status, verdict) = verify(&app, &credential).await;
        assert_eq!(status, 422, "{verdict}");
        assert_ne!(revocation(&verdict), json!("passed"), "{verdict}");
    }
    // The partner's own all-zero list: passed (the path works at all).
    server.serve(
        200,
        &sign(&status_list(&partner, &url, &[]), &key, &vm).to_string(),
    );
    let (status, verdict) = verify(&app, &credential).await;
    assert_eq!(
        (status, revocation(&verdict)),
        (200, json!("passed")),
        "{verdict}"
    );
}

#[tokio::test]
async fn cheap_checks_come_before_any_canonicalization() {
    let app = TestApp::spawn_with(&[JCS]).await;
    let token = app.token(Role::Issuer).await;
    let (_, genuine) = issue(&app, &token, "mlops-foundation", "cand-p").await;
    let mut many = genuine.clone();
    many["proof"] = Value::Array(vec![genuine["proof"].clone(); 300]);
    let (status, verdict) = verify(&app, &many).await;
    assert_eq!(status, 422, "{verdict}");
    assert!(
        detail(&verdict, "proof").contains("more than 4 proofs"),
        "{verdict}"
    );
    // The cap is the operator's: a proof set of two is refused under a cap of one.
    let strict = TestApp::spawn_with(&[JCS, ("ATTEST_MAX_PROOFS", "1")]).await;
    let (_, one) = issue(
        &strict,
        &strict.token(Role::Issuer).await,
        "mlops-foundation",
        "cand-q",
    )
    .await;
    let mut two = one.clone();
    two["proof"] = json!([one["proof"], one["proof"]]);
    let (_, verdict) = verify(&strict, &two).await;
    assert!(
        detail(&verdict, "proof").contains("more than 1 proofs"),
        "{verdict}"
    );
    assert_eq!(verify(&strict, &one).await.0, 200);

    // A document JSON-LD would refuse, under a proof by a key no one can resolve: the key error.
    let bad = "did:key:z6MkNOTAKEYATALL";
    let doc = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"], "issuer": bad, "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:x", "undefinedTermNoContextHas": 1},
        "proof": {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022",
            "created": "2026-01-01T00:00:00Z", "proofPurpose": "assertionMethod",
            "verificationMethod": format!("{bad}#z6MkNOTAKEYATALL"),
            "proofValue": attest::vc::multibase::base58btc(&[7u8; 64])}
    });
    let (_, verdict) = verify(&app, &doc).await;
    let why = detail(&verdict, "proof");
    assert!(why.contains("is not an Ed25519 did:key"), "{why}");
    assert!(!why.contains("canonicalize"), "{why}");
}

/// A subject whose blank nodes all link to each other: RDFC-1.0's hash-N-degree step explores
/// permutations of them, so canonicalizing it costs far more CPU than its size suggests.
fn clique_credential(n: usize, did: &str, vm: &str) -> Value {
    let knows = "https://example.org/knows";
    let nodes: Vec<Value> = (0..n)
        .map(|i| {
            let others: Vec<Value> = (0..n)
                .filter(|j| *j != i)
                .map(|j| json!({"id": format!("_:b{j}")}))
                .collect();
            json!({"id": format!("_:b{i}"), knows: others})
        })
        .collect();
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"], "issuer": did, "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"https://example.org/member": nodes},
        "proof": {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022",
            "created": "2026-01-01T00:00:00Z", "proofPurpose": "assertionMethod",
            "verificationMethod": vm, "proofValue": attest::vc::multibase::base58btc(&[7u8; 64])}
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verification_load_leaves_the_cheap_routes_fast() {
    let app = TestApp::spawn_with(&[
        ("ATTEST_CPU_WORKERS", "1"),
        // Keep the poison expensive once a canonicalization limit exists: this test is about
        // where the work runs, not whether it is refused.
        ("ATTEST_CANONICALIZATION_LIMIT", "1000000000"),
    ])
    .await;
    let (_, did, vm) = did_key_issuer(27);
    let poison = clique_credential(7, &did, &vm);
    let mut in_flight = Vec::new();
    // ~1 s of CPU each in a debug build: more than the two async workers could absorb.
    for _ in 0..6 {
        let (http, url, body) = (
            app.http.clone(),
            app.url("/credentials/verify"),
            poison.clone(),
        );
        in_flight.push(tokio::spawn(async move {
            let res = http.post(url).json(&body).send().await.unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap())
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    for path in ["/healthz", "/.well-known/did.json", "/healthz"] {
        let started = std::time::Instant::now();
        let res = app.http.get(app.url(path)).send().await.unwrap();
        let took = started.elapsed();
        eprintln!("{path} answered in {took:?} under verification load");
        assert_eq!(res.status().as_u16(), 200, "{path}");
        assert!(
            took < std::time::Duration::from_secs(1),
            "{path} took {took:?} while proofs were being verified"
        );
    }
    assert!(
        in_flight.iter().any(|t| !t.is_finished()),
        "the verifications ended too soon for this test to show anything"
    );
    for task in in_flight {
        let (status, verdict) = task.await.unwrap();
        assert_eq!(status, 422, "{verdict}");
        assert_eq!(check(&verdict, "proof")["status"], "failed", "{verdict}");
    }
}
