//! Micro-benchmarks of what attest does per credential, each beside the floor it cannot beat:
//! a bare Ed25519 sign or verify of the very bytes the operation signs (the 64-byte Data
//! Integrity `hashData`, or the JWS signing input of the vc+jwt).
//!
//! Run: `cargo bench --bench micro` (append `-- rdfc` to run a subset). After the run a table
//! of medians and ratios (ours ÷ floor) is printed and written to `bench-results/micro.json`.
//! Numbers on a shared machine are noisy: compare ratios taken in the same run.

use attest::crypto::IssuerKey;
use attest::domain::catalog::Catalog;
use attest::domain::ids::CredentialId;
use attest::domain::status::{Bitstring, StatusPurpose};
use attest::domain::validity::ValidityPeriod;
use attest::render::{Attachment, CertificateView, Fonts, qr_modules, render_certificate};
use attest::vc::credential::{self, CredentialDraft, IdentityHash, StatusRef};
use attest::vc::proof::{self, Cryptosuite, ProofOptions};
use attest::vc::{jwt, rdfc, status_list};
use criterion::{BatchSize, Criterion};
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use serde_json::{Value, json};
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;
use time::OffsetDateTime;
use time::macros::datetime;

const BASE: &str = "https://attest.example";
const ISSUER: &str = "did:web:attest.example";
const VM: &str = "did:web:attest.example#key-1";
const T0: OffsetDateTime = datetime!(2026-11-20 15:00:00 UTC);

struct Fixture {
    catalog: Catalog,
    key: IssuerKey,
    public: VerifyingKey,
    id: CredentialId,
}

impl Fixture {
    fn new() -> Self {
        let key = IssuerKey::from_secret_bytes("key-1", &[7u8; 32]);
        Self {
            catalog: Catalog::default_program().expect("built-in catalog"),
            public: key.public_key(),
            key,
            id: CredentialId::random(),
        }
    }

    fn unsecured(&self) -> Value {
        let achievement = self
            .catalog
            .find("mlops-foundation")
            .expect("catalog has mlops-foundation");
        credential::build(&CredentialDraft {
            base_url: BASE,
            id: self.id,
            issuer_id: ISSUER,
            issuer_name: "AIOps School",
            program: &self.catalog.program,
            achievement,
            holder_name: "Zoë Ångström",
            identity: IdentityHash::of_email("zoe@example.com", "0123456789abcdef"),
            score: 850,
            validity: ValidityPeriod::starting(T0, achievement.validity),
            status: StatusRef {
                list_number: 1,
                index: 12_345,
            },
            lineage: &[],
        })
    }

    fn options(suite: Cryptosuite) -> ProofOptions {
        Self::options_at(suite, T0)
    }

    fn options_at(suite: Cryptosuite, created: OffsetDateTime) -> ProofOptions {
        ProofOptions {
            cryptosuite: suite,
            verification_method: VM.into(),
            created,
        }
    }

    fn secure(&self, unsecured: &Value, suite: Cryptosuite) -> Value {
        self.secure_at(unsecured, suite, T0)
    }

    fn secure_at(&self, unsecured: &Value, suite: Cryptosuite, created: OffsetDateTime) -> Value {
        let proof = proof::create_proof(unsecured, &Self::options_at(suite, created), |b| {
            self.key.sign(b)
        })
        .expect("signs");
        let mut secured = unsecured.clone();
        secured["proof"] = proof;
        secured
    }

    /// The 64 bytes a Data Integrity proof signs.
    fn hash_data(&self, unsecured: &Value, suite: Cryptosuite) -> Vec<u8> {
        let mut seen = Vec::new();
        proof::create_proof(unsecured, &Self::options(suite), |b| {
            seen = b.to_vec();
            self.key.sign(b)
        })
        .expect("signs");
        seen
    }
}

/// `n` blank nodes, each linked to every other by one predicate.
fn clique_quads(n: usize) -> Vec<oxrdf::Quad> {
    let node = |i: usize| oxrdf::BlankNode::new(format!("n{i}")).expect("blank node");
    let p = oxrdf::NamedNode::new("urn:ex:knows").expect("iri");
    (0..n)
        .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
        .map(|(i, j)| oxrdf::Quad::new(node(i), p.clone(), node(j), oxrdf::GraphName::DefaultGraph))
        .collect()
}

fn status_bits() -> Bitstring {
    let mut bits = Bitstring::zeroed(131_072);
    // 1% set, spread like random allocation would spread them.
    let mut x: u32 = 12_345;
    for _ in 0..1_311 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        bits.set((x >> 8) % 131_072, true);
    }
    bits
}

fn benches(c: &mut Criterion) {
    let f = Fixture::new();
    let unsecured = f.unsecured();
    let jcs_signed = f.secure(&unsecured, Cryptosuite::EddsaJcs2022);
    let rdfc_signed = f.secure(&unsecured, Cryptosuite::EddsaRdfc2022);
    let token = jwt::encode(&unsecured, &f.key, VM).expect("jwt");
    let jwt_input = &token.as_bytes()[..token.rfind('.').expect("compact JWS")];
    let hash64 = f.hash_data(&unsecured, Cryptosuite::EddsaRdfc2022);
    let resolve = |_: &str| -> Result<VerifyingKey, String> { Ok(f.public) };

    // Floors: bare Ed25519 over the same bytes.
    let mut g = c.benchmark_group("floor");
    let sig64 = Signature::from_bytes(&f.key.sign(&hash64));
    let sig_jwt = Signature::from_bytes(&f.key.sign(jwt_input));
    g.bench_function("ed25519_sign_hashdata", |b| {
        b.iter(|| f.key.sign(black_box(&hash64)))
    });
    // `verify`, not `verify_strict`: what the proof and JWT checks call.
    g.bench_function("ed25519_verify_hashdata", |b| {
        b.iter(|| f.public.verify(black_box(&hash64), &sig64))
    });
    g.bench_function("ed25519_sign_jwt_input", |b| {
        b.iter(|| f.key.sign(black_box(jwt_input)))
    });
    g.bench_function("ed25519_verify_jwt_input", |b| {
        b.iter(|| f.public.verify(black_box(jwt_input), &sig_jwt))
    });
    g.finish();

    let mut g = c.benchmark_group("credential");
    g.bench_function("build", |b| b.iter(|| f.unsecured()));
    g.finish();

    let mut g = c.benchmark_group("jcs");
    g.bench_function("create", |b| {
        b.iter(|| {
            proof::create_proof(
                black_box(&unsecured),
                &Fixture::options(Cryptosuite::EddsaJcs2022),
                |m| f.key.sign(m),
            )
        })
    });
    g.bench_function("verify", |b| {
        b.iter(|| proof::verify_proofs(black_box(&jcs_signed), &resolve))
    });
    g.finish();

    // The canonical proof configuration is remembered per exact configuration (one per
    // signing second), so `create` and `verify` use a new `created` every time: the cost of a
    // credential signed in a second of its own. `*_same_second` is a batch's case.
    let mut g = c.benchmark_group("rdfc");
    g.sample_size(20);
    let mut second = 0i64;
    g.bench_function("create", |b| {
        b.iter(|| {
            second += 1;
            proof::create_proof(
                black_box(&unsecured),
                &Fixture::options_at(
                    Cryptosuite::EddsaRdfc2022,
                    T0 + time::Duration::seconds(second),
                ),
                |m| f.key.sign(m),
            )
        })
    });
    g.bench_function("create_same_second", |b| {
        b.iter(|| {
            proof::create_proof(
                black_box(&unsecured),
                &Fixture::options(Cryptosuite::EddsaRdfc2022),
                |m| f.key.sign(m),
            )
        })
    });
    // More distinct credentials than the memo keeps, so each verification misses it.
    let distinct: Vec<Value> = (1..=300)
        .map(|s| {
            f.secure_at(
                &unsecured,
                Cryptosuite::EddsaRdfc2022,
                T0 - time::Duration::seconds(s),
            )
        })
        .collect();
    let mut next = 0usize;
    g.bench_function("verify", |b| {
        b.iter(|| {
            next = (next + 1) % distinct.len();
            proof::verify_proofs(black_box(&distinct[next]), &resolve)
        })
    });
    g.bench_function("verify_same_second", |b| {
        b.iter(|| proof::verify_proofs(black_box(&rdfc_signed), &resolve))
    });
    // The steps of one canonicalization of the credential (create does two: document and
    // proof configuration; verify adds a safe-mode probe conversion for each).
    let loader = rdfc::ContextLoader::new();
    g.bench_function("step_expand_to_rdf", |b| {
        b.iter(|| rdfc::to_dataset(black_box(&unsecured), &loader))
    });
    // RDFC-1.0 from the quads toRdf produced: ours (what signing and verification run, with
    // the work limit) against oxrdf's (building its dataset first, as it did before).
    let quads = rdfc::to_rdf(&unsecured, &loader).expect("toRdf");
    g.bench_function("step_canonicalize", |b| {
        b.iter(|| rdfc::canonicalize_quads(black_box(&quads)))
    });
    g.bench_function("step_canonicalize_oxrdf", |b| {
        b.iter(|| rdfc::canonical_nquads(black_box(&quads).iter().cloned().collect()))
    });
    // A symmetric graph, where Hash N-Degree Quads does real work: a 5-clique of blank nodes.
    let clique = clique_quads(5);
    g.bench_function("canonicalize_clique5", |b| {
        b.iter(|| rdfc::canonicalize_quads_within(black_box(&clique), u64::MAX))
    });
    g.bench_function("canonicalize_clique5_oxrdf", |b| {
        b.iter(|| rdfc::canonical_nquads(black_box(&clique).iter().cloned().collect()))
    });
    // A 10-clique poison graph: how long until the default limit refuses it.
    let poison = clique_quads(10);
    g.bench_function("refuse_clique10", |b| {
        b.iter(|| rdfc::canonicalize_quads(black_box(&poison)).is_err())
    });
    g.bench_function("step_safe_mode_probe", |b| {
        b.iter(|| rdfc::check_safe(black_box(&unsecured), &loader))
    });
    g.finish();

    rdfc_fast_benches(c, &f, &unsecured);

    let mut g = c.benchmark_group("jwt");
    g.bench_function("encode", |b| {
        b.iter(|| jwt::encode(black_box(&unsecured), &f.key, VM))
    });
    g.bench_function("verify", |b| {
        b.iter(|| jwt::verify_signature(black_box(&token), &f.public))
    });
    g.finish();

    let bits = status_bits();
    let encoded = status_list::encode(&bits);
    let mut g = c.benchmark_group("status_list");
    g.bench_function("encode_131072_1pct", |b| {
        b.iter(|| status_list::encode(black_box(&bits)))
    });
    g.bench_function("decode_131072_1pct", |b| {
        b.iter(|| status_list::decode(black_box(&encoded)))
    });
    for suite in [Cryptosuite::EddsaJcs2022, Cryptosuite::EddsaRdfc2022] {
        // What a publication does: build (gzip), prove, vc+jwt, serialize.
        g.bench_function(format!("publish_{}", suite.name()), |b| {
            b.iter(|| {
                let list = status_list::build(&status_list::ListDraft {
                    base_url: BASE,
                    issuer_id: ISSUER,
                    purpose: StatusPurpose::Revocation,
                    list_number: 1,
                    bits: &bits,
                    valid_from: T0,
                    valid_until: T0 + time::Duration::hours(24),
                    ttl_ms: 300_000,
                });
                let jwt = jwt::encode(&list, &f.key, VM).expect("jwt");
                let signed = f.secure(&list, suite);
                (jwt, serde_json::to_string_pretty(&signed))
            })
        });
    }
    g.finish();

    let verify_url = format!("{BASE}/v/{}", f.id);
    let mut g = c.benchmark_group("render");
    g.bench_function("qr", |b| b.iter(|| qr_modules(black_box(&verify_url))));
    let fonts = Fonts::load().expect("fonts");
    let view = certificate_view(&f, &rdfc_signed, &token, &verify_url);
    g.sample_size(20);
    g.bench_function("pdf", |b| b.iter(|| render_certificate(&view, &fonts)));
    // Shaping, bidi and the fallback fonts (issue 20): Arabic + CJK + emoji.
    let scripts = CertificateView {
        holder_name: "محمد عبد الله 王秀英 🎓".into(),
        ..view.clone()
    };
    render_certificate(&scripts, &fonts).expect("fallback fonts load");
    g.bench_function("pdf_scripts", |b| {
        b.iter(|| render_certificate(&scripts, &fonts))
    });
    g.finish();
}

fn certificate_view(f: &Fixture, signed: &Value, token: &str, verify_url: &str) -> CertificateView {
    CertificateView {
        issuer_name: "AIOps School".into(),
        program_name: f.catalog.program.name.clone(),
        holder_name: "Zoë Ångström".into(),
        achievement_name: "Certified MLOps Engineer – Foundation".into(),
        track: "MLOps".into(),
        level: "Entry (level 1)".into(),
        score: Some((850, 1000)),
        issued_on: T0.date(),
        expires_on: (T0 + time::Duration::days(3 * 365)).date(),
        lineage: Vec::new(),
        credential_id: format!("{BASE}/credentials/{}", f.id),
        verification_code: f.id.human_code(),
        verify_url: verify_url.to_owned(),
        attachments: vec![
            Attachment {
                file_name: "credential.json".into(),
                mime: "application/vc+ld+json".into(),
                description: "The signed credential".into(),
                bytes: serde_json::to_vec_pretty(signed).unwrap_or_default(),
            },
            Attachment {
                file_name: "credential.jwt".into(),
                mime: "application/vc+jwt".into(),
                description: "The same credential as a vc+jwt".into(),
                bytes: token.as_bytes().to_vec(),
            },
        ],
        created_at: T0,
    }
}

/// (benchmark, floor it is compared with).
const RATIOS: &[(&str, &str)] = &[
    ("credential/build", "floor/ed25519_sign_hashdata"),
    ("jcs/create", "floor/ed25519_sign_hashdata"),
    ("jcs/verify", "floor/ed25519_verify_hashdata"),
    ("rdfc/create", "floor/ed25519_sign_hashdata"),
    ("rdfc/verify", "floor/ed25519_verify_hashdata"),
    ("rdfc/create_same_second", "floor/ed25519_sign_hashdata"),
    ("rdfc/verify_same_second", "floor/ed25519_verify_hashdata"),
    ("rdfc/step_expand_to_rdf", "floor/ed25519_sign_hashdata"),
    ("rdfc/step_canonicalize", "floor/ed25519_sign_hashdata"),
    (
        "rdfc/step_canonicalize_oxrdf",
        "floor/ed25519_sign_hashdata",
    ),
    ("rdfc/canonicalize_clique5", "floor/ed25519_sign_hashdata"),
    (
        "rdfc/canonicalize_clique5_oxrdf",
        "floor/ed25519_sign_hashdata",
    ),
    ("rdfc/refuse_clique10", "floor/ed25519_sign_hashdata"),
    ("rdfc/step_safe_mode_probe", "floor/ed25519_sign_hashdata"),
    ("rdfc_fast/create", "floor/ed25519_sign_hashdata"),
    (
        "rdfc_fast/verify_never_seen",
        "floor/ed25519_verify_hashdata",
    ),
    ("rdfc_fast/verify_seen", "floor/ed25519_verify_hashdata"),
    (
        "rdfc_fast/step_expand_to_rdf",
        "floor/ed25519_sign_hashdata",
    ),
    ("jwt/encode", "floor/ed25519_sign_jwt_input"),
    ("jwt/verify", "floor/ed25519_verify_jwt_input"),
    (
        "status_list/encode_131072_1pct",
        "floor/ed25519_sign_hashdata",
    ),
    (
        "status_list/decode_131072_1pct",
        "floor/ed25519_verify_hashdata",
    ),
    (
        "status_list/publish_eddsa-jcs-2022",
        "floor/ed25519_sign_hashdata",
    ),
    (
        "status_list/publish_eddsa-rdfc-2022",
        "floor/ed25519_sign_hashdata",
    ),
    ("render/qr", "floor/ed25519_sign_hashdata"),
    ("render/pdf", "floor/ed25519_sign_hashdata"),
];

/// eddsa-rdfc-2022 with the JSON-LD fast path and the verified-hash cache (issue 17): create
/// (a new `created` each time, so nothing is remembered), verification of a credential never
/// seen before (signed outside the process-wide cache, a new one per iteration) and of one
/// seen before (signed through `create_proof`, which remembers it, as issuance does).
fn rdfc_fast_benches(c: &mut Criterion, f: &Fixture, unsecured: &Value) {
    let resolve = |_: &str| -> Result<VerifyingKey, String> { Ok(f.public) };
    let mut g = c.benchmark_group("rdfc_fast");
    g.sample_size(30);
    let mut second = 0i64;
    g.bench_function("create", |b| {
        b.iter(|| {
            second += 1;
            proof::create_proof(
                black_box(unsecured),
                &Fixture::options_at(
                    Cryptosuite::EddsaRdfc2022,
                    T0 + time::Duration::days(1) + time::Duration::seconds(second),
                ),
                |m| f.key.sign(m),
            )
        })
    });
    // Signed with a registry of its own, so the verifier's cache has never seen it.
    let elsewhere = rdfc::ContextLoader::new();
    let mut n = 0u64;
    g.bench_function("verify_never_seen", |b| {
        b.iter_batched(
            || {
                n += 1;
                let mut doc = unsecured.clone();
                doc["id"] = format!("urn:uuid:00000000-0000-4000-8000-{n:012}").into();
                let options = json!({"type": "DataIntegrityProof",
                    "cryptosuite": "eddsa-rdfc-2022", "created": "2026-11-20T15:00:00Z",
                    "verificationMethod": VM, "proofPurpose": "assertionMethod"});
                let hash = rdfc::rdfc_hash_data(&doc, &options, &elsewhere, false).expect("hash");
                let mut proof = options;
                proof["proofValue"] = rdfc::encode_multibase(&f.key.sign(&hash)).into();
                doc["proof"] = proof;
                doc
            },
            |doc| proof::verify_proofs(black_box(&doc), &resolve),
            BatchSize::SmallInput,
        )
    });
    let seen = f.secure_at(
        unsecured,
        Cryptosuite::EddsaRdfc2022,
        T0 + time::Duration::days(9),
    );
    g.bench_function("verify_seen", |b| {
        b.iter(|| proof::verify_proofs(black_box(&seen), &resolve))
    });
    let loader = rdfc::ContextLoader::new();
    g.bench_function("step_expand_to_rdf", |b| {
        b.iter(|| rdfc::to_dataset(black_box(unsecured), &loader))
    });
    g.finish();
}

/// Where criterion wrote its estimates (it follows `CRITERION_HOME`, else the target dir).
fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("criterion")
}

/// Median in nanoseconds of the latest run of `id` ("group/function").
fn median_ns(id: &str) -> Option<f64> {
    let path = criterion_dir().join(id).join("new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let v: Value = serde_json::from_str(&text).ok()?;
    v.pointer("/median/point_estimate")?.as_f64()
}

fn human(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.1} µs", ns / 1e3)
    }
}

fn report() {
    let mut rows = Vec::new();
    println!(
        "\n{:<38} {:>11} {:>11} {:>9}",
        "benchmark (median)", "ours", "floor", "ratio"
    );
    for (id, floor) in RATIOS {
        let (Some(ours), Some(base)) = (median_ns(id), median_ns(floor)) else {
            continue;
        };
        println!(
            "{id:<38} {:>11} {:>11} {:>8.1}×",
            human(ours),
            human(base),
            ours / base
        );
        rows.push(json!({"benchmark": id, "median_ns": ours, "floor": floor,
                         "floor_median_ns": base, "ratio": ours / base}));
    }
    // What one issuance signs: an embedded proof (default suite) and a vc+jwt.
    if let (Some(r), Some(j)) = (median_ns("rdfc/create"), median_ns("jwt/encode")) {
        println!(
            "{:<38} {:>11}",
            "issue proofs (rdfc create + jwt)",
            human(r + j)
        );
        rows.push(json!({"benchmark": "issue_proofs_rdfc_plus_jwt", "median_ns": r + j}));
    }
    if let (Some(r), Some(j)) = (median_ns("jcs/create"), median_ns("jwt/encode")) {
        println!(
            "{:<38} {:>11}",
            "issue proofs (jcs create + jwt)",
            human(r + j)
        );
        rows.push(json!({"benchmark": "issue_proofs_jcs_plus_jwt", "median_ns": r + j}));
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("bench-results");
    if !rows.is_empty() && std::fs::create_dir_all(&dir).is_ok() {
        let _ = std::fs::write(
            dir.join("micro.json"),
            serde_json::to_string_pretty(&json!({"results": rows})).unwrap_or_default(),
        );
    }
}

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    benches(&mut c);
    c.final_summary();
    report();
}
