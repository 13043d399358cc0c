//! Differential tests of the JSON-LD fast path on documents it was not
//! written against: random mutations of credentials (seeded, reproducible)
//! and the inputs of the W3C JSON-LD 1.1 `expand` and `toRdf` test suites.
//! oxjsonld alone ([`Engine::Library`]) is the oracle: the production path
//! must give the same canonical N-Quads, safe-mode verdict and errors.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::rdfc_common;

use attest::vc::rdfc::{
    CanonError, ContextLoader, Engine, canonicalize, canonicalize_unchecked, check_safe,
};
use rdfc_common::*;
use serde_json::{Map, Value, json};

/// oxjsonld's error texts depend on hash map order (which of two conflicting
/// terms it meets first), so processor errors compare by kind only.
fn kind<T: std::fmt::Debug>(r: Result<T, CanonError>) -> String {
    match r {
        Err(CanonError::JsonLd(_)) => "Err(JsonLd)".into(),
        other => format!("{other:?}"),
    }
}

fn outcome(doc: &Value, loader: &ContextLoader, safe: bool) -> String {
    let unchecked = kind(canonicalize_unchecked(doc, loader));
    if !safe {
        return unchecked;
    }
    format!(
        "{unchecked}\n{}\n{}",
        kind(check_safe(doc, loader)),
        kind(canonicalize(doc, loader))
    )
}

/// Runs `doc` on all three engines; returns whether the fast path covered it.
///
/// Where oxjsonld alone cannot be used (the `typefix` work-around refuses
/// nodes with several type-scoped contexts it cannot rewrite), the expected
/// result is the library's conversion of `reference`, the suite's expected
/// expanded output, if there is one.
fn compare(
    doc: &Value,
    name: &str,
    safe: bool,
    loaders: &[ContextLoader; 3],
    reference: Option<&Value>,
) -> bool {
    let [library, auto, fast] = loaders;
    let expected = outcome(doc, library, safe);
    if expected.contains("types with type-scoped contexts") {
        let Some(reference) = reference else {
            return false;
        };
        // Either the fast path declined too (the same refusal) or it matches the spec.
        let got = outcome(doc, auto, false);
        if got != outcome(doc, library, false) {
            assert_eq!(got, outcome(reference, library, false), "{name}\n{doc:#}");
            return true;
        }
        return false;
    }
    assert_eq!(outcome(doc, auto, safe), expected, "{name}\n{doc:#}");
    match canonicalize_unchecked(doc, fast) {
        Ok(got) => {
            assert_eq!(
                format!("{:?}", Ok::<_, ()>(got)),
                expected.lines().next().unwrap_or_default(),
                "{name}: fast path\n{doc:#}"
            );
            true
        }
        Err(_) => false,
    }
}

fn loaders() -> [ContextLoader; 3] {
    let base = test_loader();
    [
        base.with_engine(Engine::Library),
        base.with_engine(Engine::Auto),
        base.with_engine(Engine::FastPath),
    ]
}

const TERMS: &[&str] = &[
    "name",
    "description",
    "type",
    "id",
    "image",
    "narrative",
    "achievement",
    "criteria",
    "identifier",
    "alignment",
    "evidence",
    "result",
    "issuer",
    "credentialSubject",
    "validFrom",
    "nickname",
    "statusPurpose",
    "statusListIndex",
    "targetUrl",
    "inLanguage",
    "allowedValue",
    "endorsement",
    "proof",
    "digestMultibase",
    "@id",
    "@type",
    "@foo",
    "ex:thing",
    "https://ex.org/p",
];
const TYPES: &[&str] = &[
    "Profile",
    "Achievement",
    "AchievementSubject",
    "Image",
    "Evidence",
    "Result",
    "Criteria",
    "VerifiableCredential",
    "OpenBadgeCredential",
    "BitstringStatusListEntry",
    "Alignment",
    "DataIntegrityProof",
    "IdentityObject",
    "Person",
    "EmployablePerson",
    "Foo",
    "https://ex.org/T",
    "_:t",
];
const IDS: &[&str] = &[
    "urn:uuid:3f1d8f0c-7b11-4c59-9a52-0f6e3c2a8d0b",
    "did:example:123",
    "relative/path",
    "_:b1",
    "https://ex.org/a b",
    "#frag",
    "//host/x",
    "https://ex.org/x",
    "xsd:string",
];

fn value(rng: &mut Rng, depth: u32) -> Value {
    match rng.below(if depth > 2 { 6 } else { 9 }) {
        0 => json!("text"),
        1 => json!(rng.below(1000)),
        2 => json!(rng.below(2) == 0),
        3 => json!(1.5),
        4 => json!(*rng.pick(IDS)),
        5 => json!({"@value": "hallo", "@language": *rng.pick(&["de", "EN-us", "x y"])}),
        6 => json!([value(rng, depth + 1), value(rng, depth + 1)]),
        7 => {
            let mut m = Map::new();
            m.insert("type".into(), json!(*rng.pick(TYPES)));
            m.insert((*rng.pick(TERMS)).into(), value(rng, depth + 1));
            Value::Object(m)
        }
        _ => json!({"id": *rng.pick(IDS), "name": "nested"}),
    }
}

/// The objects of `doc` (outside `@context`), depth-first, as JSON pointers.
fn objects(v: &Value, path: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            out.push(path.clone());
            for (k, item) in m.iter().filter(|(k, _)| *k != "@context") {
                objects(
                    item,
                    format!("{path}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                objects(item, format!("{path}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn mutate(doc: &mut Value, rng: &mut Rng) {
    let mut paths = Vec::new();
    objects(doc, String::new(), &mut paths);
    let path = rng.pick(&paths).clone();
    let Some(Value::Object(node)) = doc.pointer_mut(&path) else {
        return;
    };
    let keys: Vec<String> = node.keys().filter(|k| *k != "@context").cloned().collect();
    let key = if keys.is_empty() {
        None
    } else {
        Some(rng.pick(&keys).clone())
    };
    match (rng.below(7), key) {
        (0, Some(k)) => {
            node.remove(&k);
        }
        (1, Some(k)) => {
            let v = node.remove(&k).unwrap_or(Value::Null);
            node.insert((*rng.pick(TERMS)).into(), v);
        }
        (2, Some(k)) => {
            let v = node.get_mut(&k).unwrap();
            *v = match v.take() {
                Value::Array(mut items) if items.len() == 1 => items.remove(0),
                other => json!([other]),
            };
        }
        (3, Some(k)) if k == "type" => {
            let t = json!(*rng.pick(TYPES));
            match node.get_mut(&k).unwrap() {
                Value::Array(items) => items.push(t),
                other => *other = json!([other.take(), t]),
            }
        }
        (4, Some(k)) => {
            let v = node.remove(&k).unwrap_or(Value::Null);
            node.insert(k, json!({"type": *rng.pick(TYPES), "name": v}));
        }
        _ => {
            let v = value(rng, 0);
            node.insert((*rng.pick(TERMS)).into(), v);
        }
    }
}

fn seeds() -> Vec<Value> {
    let mut docs = vec![ob::open_badge_credential()];
    for name in ["ob", "oblist", "status", "i18n", "two-scoped-types"] {
        docs.push(serde_json::from_str(&fixture(&format!("cases/{name}.json"))).expect("JSON"));
    }
    let (employ, _) = split_proof(&vector("eddsa-rdfc-2022-employ-signedDataInt.json"));
    docs.push(employ);
    docs
}

#[test]
fn mutated_credentials_give_identical_results_on_both_paths() {
    let loaders = loaders();
    let seeds = seeds();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut covered, total) = (0, 160);
    for i in 0..total {
        let mut doc = rng.pick(&seeds).clone();
        for _ in 0..=rng.below(4) {
            mutate(&mut doc, &mut rng);
        }
        if compare(&doc, &format!("mutation {i}"), true, &loaders, None) {
            covered += 1;
        }
    }
    // The generator must exercise the fast path, not only the fallback (most mutations add
    // undefined terms, whose nested nodes the fast path leaves to oxjsonld when unchecked).
    eprintln!("fast path covered {covered} of {total} mutations");
    assert!(
        covered * 3 > total,
        "fast path covered {covered} of {total}"
    );
}

const SUITE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/jsonld-api-tests");

#[test]
fn w3c_jsonld_suite_inputs_agree_on_both_paths() {
    let root = std::path::Path::new(SUITE);
    assert!(
        root.exists(),
        "{SUITE} is missing (the W3C JSON-LD suite lives in ../shared)"
    );
    let loaders = loaders();
    let (mut covered, mut total) = (0, 0);
    for dir in ["expand", "toRdf"] {
        let mut files: Vec<_> = std::fs::read_dir(root.join(dir))
            .expect("suite directory")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.to_string_lossy().ends_with("-in.jsonld"))
            .collect();
        files.sort();
        for path in files {
            let Ok(doc) = serde_json::from_str::<Value>(&std::fs::read_to_string(&path).unwrap())
            else {
                continue;
            };
            let out = path.to_string_lossy().replace("-in.jsonld", "-out.jsonld");
            let reference = std::fs::read_to_string(&out)
                .ok()
                .and_then(|t| serde_json::from_str::<Value>(&t).ok())
                .filter(|_| dir == "expand");
            total += 1;
            let name = path.display().to_string();
            if compare(&doc, &name, false, &loaders, reference.as_ref()) {
                covered += 1;
            }
        }
    }
    eprintln!("fast path covered {covered} of {total} suite inputs");
    assert!(covered > 100, "fast path covered {covered} of {total}");
}
