//! Differential tests of the JSON-LD fast path (`vc::jsonld`): oxjsonld
//! alone stays the oracle. On every fixture, W3C vector, credential shape
//! attest issues and on generated mutations of them, the production path
//! ([`Engine::Auto`]) must give exactly what [`Engine::Library`] gives —
//! canonical N-Quads, safe-mode verdicts and errors alike — with the context
//! cache cold and warm; and [`Engine::FastPath`] must cover every document
//! attest itself issues (else the fast path silently stopped being used).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::rdfc_common;

use attest::domain::catalog::Catalog;
use attest::domain::ids::CredentialId;
use attest::domain::status::{Bitstring, StatusPurpose};
use attest::domain::validity::ValidityPeriod;
use attest::vc::credential::{self, CredentialDraft, IdentityHash, LineageRef, StatusRef};
use attest::vc::rdfc::{
    CanonError, ContextLoader, Engine, canonicalize, canonicalize_unchecked, check_safe,
    rdfc_canonical_forms,
};
use attest::vc::status_list;
use rdfc_common::*;
use serde_json::{Value, json};
use time::macros::datetime;

/// Canonical form (unchecked), safe-mode verdict and safe canonical form.
fn outcome(doc: &Value, loader: &ContextLoader) -> String {
    format!(
        "{:?}\n{:?}\n{:?}",
        canonicalize_unchecked(doc, loader),
        check_safe(doc, loader),
        canonicalize(doc, loader)
    )
}

/// Asserts Auto ≡ Library on `doc` (cold cache, then warm) and returns
/// whether the fast path alone handled it.
fn same(doc: &Value, name: &str) -> bool {
    let base = test_loader();
    let expected = outcome(doc, &base.with_engine(Engine::Library));
    let auto = base.with_engine(Engine::Auto);
    assert_eq!(outcome(doc, &auto), expected, "{name}: cold cache");
    let misses = auto.context_cache_misses();
    assert_eq!(outcome(doc, &auto), expected, "{name}: warm cache");
    assert_eq!(auto.context_cache_misses(), misses, "{name}: warm run hit");
    match canonicalize_unchecked(doc, &base.with_engine(Engine::FastPath)) {
        Ok(_) => true,
        Err(CanonError::Unsupported(_)) => false,
        // An error of the processor on the expanded form: Auto fell back.
        Err(_) => false,
    }
}

fn fast_only(doc: &Value) -> Result<String, CanonError> {
    canonicalize(doc, &test_loader().with_engine(Engine::FastPath))
}

#[test]
fn reference_fixtures_take_the_fast_path_and_match_jsonld_js() {
    for name in [
        "i18n",
        "numbers",
        "ob",
        "oblist",
        "status",
        "two-scoped-types",
    ] {
        let doc: Value =
            serde_json::from_str(&fixture(&format!("cases/{name}.json"))).expect("JSON");
        assert!(same(&doc, name), "{name} must be inside the fast path");
        let expected = fixture(&format!("cases/{name}.nq"));
        let fast = canonicalize_unchecked(&doc, &test_loader().with_engine(Engine::FastPath));
        assert_eq!(fast.expect("fast path"), expected, "{name}");
    }
}

#[test]
fn w3c_vectors_agree_on_both_paths() {
    for name in [
        "eddsa-rdfc-2022-signedDataInt.json",
        "eddsa-rdfc-2022-employ-signedDataInt.json",
        "proof-chain-signedProofChain2.json",
        "proof-set-signedProofSet2.json",
        "Ed25519Signature2020-signedEdSig.json",
        "eddsa-jcs-2022-signedJCS.json",
    ] {
        let signed = vector(name);
        // The Ed25519Signature2020 vector needs a context we do not hold: both paths fail.
        let covered = same(&signed, name);
        assert_eq!(covered, !name.starts_with("Ed25519Signature2020"), "{name}");
        let (unsecured, mut options) = split_proof_any(&signed);
        assert_eq!(same(&unsecured, name), covered, "{name} (unsecured)");
        options.as_object_mut().unwrap().remove("@context");
        if options.get("cryptosuite").and_then(Value::as_str) == Some("eddsa-rdfc-2022") {
            let lib = test_loader().with_engine(Engine::Library);
            let fast = test_loader().with_engine(Engine::FastPath);
            assert_eq!(
                rdfc_canonical_forms(&unsecured, &options, &fast, true).expect("fast"),
                rdfc_canonical_forms(&unsecured, &options, &lib, true).expect("library"),
                "{name}"
            );
        }
    }
    // The employment vector has two type-scoped contexts on one node: the
    // fast path applies both (no typefix rewrite) and matches the spec's text.
    let employ = vector("eddsa-rdfc-2022-employ-signedDataInt.json");
    let (unsecured, _) = split_proof(&employ);
    assert_eq!(
        fast_only(&unsecured).expect("fast"),
        fixture("employ.doc.nq")
    );
}

/// The document and first proof of a vector, whatever its proof shape.
fn split_proof_any(doc: &Value) -> (Value, Value) {
    let mut unsecured = doc.clone();
    let proof = unsecured.as_object_mut().unwrap().remove("proof").unwrap();
    let mut first = match proof {
        Value::Array(mut items) => items.remove(0),
        other => other,
    };
    first.as_object_mut().unwrap().remove("proofValue");
    (unsecured, first)
}

/// Every credential and status list shape attest issues, built by the same
/// code the issuance service calls.
fn issued_documents() -> Vec<(String, Value)> {
    let catalog = Catalog::default_program().expect("catalog");
    let t0 = datetime!(2026-11-20 15:00:00 UTC);
    let lineage = vec![LineageRef {
        credential_url: "https://attest.example/credentials/1".into(),
        achievement_name: "Earlier".into(),
        issued_on: "2026-01-02".into(),
        digest_sri: credential::digest_sri(b"earlier credential"),
    }];
    let mut docs = Vec::new();
    for (i, achievement) in catalog.achievements().iter().enumerate() {
        let draft = CredentialDraft {
            base_url: "https://attest.example",
            id: CredentialId::random(),
            issuer_id: "did:web:attest.example",
            issuer_name: "AIOps School",
            program: &catalog.program,
            achievement,
            holder_name: "Zoë Ångström",
            identity: IdentityHash::of_email("zoe@example.com", "0123456789abcdef"),
            score: 850,
            validity: ValidityPeriod::starting(t0, achievement.validity),
            status: StatusRef {
                list_number: 1,
                index: 12_345,
            },
            lineage: if i % 2 == 0 { &lineage } else { &[] },
        };
        docs.push((format!("credential {i}"), credential::build(&draft)));
    }
    let bits = Bitstring::zeroed(131_072);
    for purpose in StatusPurpose::ALL {
        let list = status_list::build(&status_list::ListDraft {
            base_url: "https://attest.example",
            issuer_id: "did:web:attest.example",
            purpose,
            list_number: 3,
            bits: &bits,
            valid_from: t0,
            valid_until: t0 + time::Duration::hours(24),
            ttl_ms: 300_000,
        });
        docs.push((format!("status list {purpose:?}"), list));
    }
    docs
}

#[test]
fn every_issued_shape_takes_the_fast_path_with_identical_results() {
    let proof_options = json!({
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2026-11-20T15:00:00Z",
        "verificationMethod": "did:web:attest.example#key-1",
        "proofPurpose": "assertionMethod"
    });
    for (name, doc) in issued_documents() {
        assert!(same(&doc, &name), "{name} must be inside the fast path");
        let lib = ob_loader().with_engine(Engine::Library);
        let fast = ob_loader().with_engine(Engine::FastPath);
        assert_eq!(
            rdfc_canonical_forms(&doc, &proof_options, &fast, true).expect("fast"),
            rdfc_canonical_forms(&doc, &proof_options, &lib, true).expect("library"),
            "{name}"
        );
    }
}

#[test]
fn outside_the_subset_falls_back_and_never_differs() {
    let cases = [
        // @reverse, @included, @nest, @index maps and @import are not covered.
        json!({"@context": [{"@vocab": "https://ex.org/", "rev": {"@reverse": "https://ex.org/p"}}],
               "@id": "urn:a", "rev": {"@id": "urn:b"}}),
        json!({"@context": {"@vocab": "https://ex.org/"}, "@id": "urn:a",
               "@included": [{"@id": "urn:b", "p": 1}]}),
        json!({"@context": {"@vocab": "https://ex.org/", "n": "@nest"}, "@id": "urn:a",
               "n": {"p": 1}}),
        json!({"@context": {"@vocab": "https://ex.org/", "m": {"@container": "@index"}},
               "@id": "urn:a", "m": {"k": "v"}}),
        // Malformed IRIs are left to the processor's own rules.
        json!({"@context": {"@vocab": "https://ex.org/"}, "@id": "urn:a", "bad key": 1,
               "p": {"@id": "http://ex.org/a b"}}),
        // A relative @base and a term mapped to null used as an @id.
        json!({"@context": {"@base": "rel/", "@vocab": "https://ex.org/"}, "@id": "x", "p": 1}),
    ];
    for (i, doc) in cases.iter().enumerate() {
        assert!(
            !same(doc, &format!("case {i}")),
            "case {i} is outside the subset"
        );
    }
    // Errors the processor reports come from the processor, on either path.
    let unknown =
        json!({"@context": ["https://www.w3.org/ns/credentials/v2", "https://ex.org/nope"]});
    same(&unknown, "unknown context");
    let protected = json!({"@context": ["https://www.w3.org/ns/credentials/v2", {"id": "https://ex.org/id"}],
                           "id": "urn:a"});
    same(&protected, "protected redefinition");
}

#[test]
fn the_context_cache_is_shared_across_documents() {
    let loader = ob_loader();
    let docs = issued_documents();
    canonicalize(&docs[0].1, &loader).expect("first");
    let after_first = loader.context_cache_misses();
    assert!(after_first > 0, "the fast path processed contexts");
    for (name, doc) in &docs[1..docs.len() - 2] {
        canonicalize(doc, &loader).expect(name);
    }
    assert_eq!(
        loader.context_cache_misses(),
        after_first,
        "credentials of the same shape reuse every processed context"
    );
}
