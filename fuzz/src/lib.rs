//! The fuzz harnesses: one function per parser an anonymous client can reach, each taking raw
//! bytes and running them through the same public entry points the server uses. A harness
//! returns normally for every input (refusals are fine); a panic, an abort or a hang is a
//! finding. The fuzz targets in `fuzz_targets/` call these, and `tests/api/fuzz_regressions.rs`
//! includes this file to replay the seed corpora and every crash reproducer under `cargo test`.
//!
//! Properties checked beyond "no panic" are ones the parsers promise: an encoder and its
//! decoder agree, and strict JSON accepts nothing serde_json itself refuses.

use attest::domain::exam::ExamResult;
use attest::http::body::parse_strict;
use attest::service::context::{CREDENTIAL_SCHEMA, EXAM_RESULT_SCHEMA};
use attest::service::verify::{Presented, parse_input};
use attest::vc::check::{check_unsigned, parse_datetime};
use attest::vc::did::{key_from_did_document, resolve_did_key};
use attest::vc::jwt;
use attest::vc::multibase::{
    base58btc, base64url, decode_base58btc, decode_base64url, parse_ed25519_multikey,
};
use attest::vc::proof::verify_proofs;
use attest::vc::rdfc::{ContextLoader, canonicalize, decode_multibase};
use attest::vc::status_list;
use ed25519_dalek::VerifyingKey;
use serde_json::{Value, json};
use std::sync::LazyLock;

/// A harness: raw input in, a panic on a finding.
pub type Harness = fn(&[u8]);

/// The harnesses, by the name of their fuzz target and corpus directory.
pub const HARNESSES: &[(&str, Harness)] = &[
    ("strict_json", strict_json),
    ("verify_input", verify_input),
    ("enveloped", enveloped),
    ("jwt", jwt_token),
    ("status_list", status_list_decode),
    ("did_document", did_document),
    ("multibase", multibase),
    ("exam_result", exam_result),
    ("rdfc", rdfc),
    ("baked_badge", baked_badge),
];

fn compile(schema: &str) -> Option<jsonschema::Validator> {
    let schema: Value = serde_json::from_str(schema).ok()?;
    jsonschema::validator_for(&schema).ok()
}

static EXAM_SCHEMA: LazyLock<Option<jsonschema::Validator>> =
    LazyLock::new(|| compile(EXAM_RESULT_SCHEMA));
static CREDENTIAL_SCHEMA_VALIDATOR: LazyLock<Option<jsonschema::Validator>> =
    LazyLock::new(|| compile(CREDENTIAL_SCHEMA));
static LOADER: LazyLock<ContextLoader> = LazyLock::new(ContextLoader::new);

/// A fixed public key (the did:key of the W3C vc-di-eddsa vectors) for signature checks:
/// the harness exercises the decoding on the way to a signature, not forgery.
static SPEC_KEY: LazyLock<Option<VerifyingKey>> =
    LazyLock::new(|| parse_ed25519_multikey("z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"));

/// `src/http/body.rs`: the strict reader every JSON endpoint uses (UTF-8, no duplicate names,
/// a depth limit). Whatever it accepts, serde_json accepts too, with the same value.
pub fn strict_json(data: &[u8]) {
    if let Ok(value) = parse_strict(data) {
        let plain: Value = serde_json::from_slice(data).expect("strict JSON is JSON");
        // Duplicate names are refused, so the last-wins plain parse must agree exactly;
        // serde_json keeps NaN-free floats, so equality is well defined.
        assert_eq!(value, plain, "strict and plain parses differ");
    }
}

/// `POST /credentials/verify` and `POST /verify` up to the point where a database or the
/// network would be needed: strict body, input shapes, the JWT or embedded proofs (did:key
/// only), the validity dates and the structure checks a verdict runs.
pub fn verify_input(data: &[u8]) {
    let Ok(value) = parse_strict(data) else {
        return;
    };
    verify_value(value);
}

fn verify_value(value: Value) {
    let Ok((presented, _checks)) = parse_input(value) else {
        return;
    };
    match presented {
        Presented::Jwt(token) => {
            jwt_token(token.as_bytes());
        }
        Presented::Json(doc) => {
            let resolve = |vm: &str| {
                resolve_did_key(vm).ok_or_else(|| format!("{vm} is not an Ed25519 did:key"))
            };
            let _ = verify_proofs(&doc, &resolve);
            credential_checks(&doc);
        }
    }
}

/// What the `validity` and `schema` checks read from a presented credential.
fn credential_checks(doc: &Value) {
    for field in ["validFrom", "validUntil"] {
        if let Some(v) = doc.get(field) {
            let _ = parse_datetime(field, v);
        }
    }
    let _ = jwt::issuer_id(doc);
    if let Some(schema) = CREDENTIAL_SCHEMA_VALIDATOR.as_ref() {
        for e in schema.iter_errors(doc).take(20) {
            let _ = format!("{} {}", e.instance_path(), e);
        }
    }
    let mut unsigned = doc.clone();
    if let Some(map) = unsigned.as_object_mut() {
        map.remove("proof");
    }
    let _ = check_unsigned(&unsigned);
}

/// An `EnvelopedVerifiableCredential` whose `data:` URL carries the fuzzed bytes: the envelope
/// is built here so the fuzzer spends its time inside the URL and the token.
pub fn enveloped(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let envelope = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": "EnvelopedVerifiableCredential",
        "id": format!("data:application/vc+jwt,{text}"),
    });
    verify_value(json!({ "verifiableCredential": envelope }));
    verify_value(json!({ "verifiableCredential": text }));
}

/// `src/vc/jwt.rs`: compact JWS parsing and EdDSA signature checking.
pub fn jwt_token(data: &[u8]) {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(parsed) = jwt::parse(token) {
        let body = Value::Object(parsed.payload);
        credential_checks(&body);
        if let Some(kid) = parsed.header.get("kid").and_then(Value::as_str) {
            let _ = resolve_did_key(kid);
        }
    }
    if let Some(key) = SPEC_KEY.as_ref() {
        let _ = jwt::verify_signature(token, key);
    }
}

/// `src/vc/status_list.rs`: `encodedList` (multibase base64url of GZIP) of a fetched status
/// list. A decoded list never exceeds the cap and answers every index query.
pub fn status_list_decode(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(bits) = status_list::decode(text) {
        assert!(bits.len_bits() <= status_list::MAX_DECODED_BYTES * 8);
        for index in [
            0,
            1,
            7,
            8,
            bits.len_bits().saturating_sub(1),
            bits.len_bits(),
            u64::MAX,
        ] {
            let _ = bits.get(index);
        }
        let again = status_list::decode(&status_list::encode(&bits)).expect("re-encoded list");
        assert_eq!(again, bits, "a decoded list re-encodes to itself");
    }
}

/// `src/vc/did.rs`: the verification method a trusted did:web document publishes, for the
/// methods the document itself names (so the fuzzer reaches the key parsing).
pub fn did_document(data: &[u8]) {
    let Ok(doc) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let did = doc["id"]
        .as_str()
        .unwrap_or("did:web:example.com")
        .to_owned();
    let mut vms = vec![format!("{did}#key-1")];
    if let Some(methods) = doc["assertionMethod"].as_array() {
        vms.extend(
            methods
                .iter()
                .take(4)
                .filter_map(|m| m.as_str().or_else(|| m["id"].as_str()).map(str::to_owned)),
        );
    }
    for vm in &vms {
        let _ = key_from_did_document(&doc, &did, vm);
        let _ = resolve_did_key(vm);
    }
}

/// `src/vc/multibase.rs` and the rdfc `proofValue` decoder: whatever decodes re-encodes to
/// the same text (both encodings are canonical), and keys parse only from 34-byte values.
pub fn multibase(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(bytes) = decode_base58btc(text) {
        assert_eq!(base58btc(&bytes), text, "base58btc round trip");
    }
    if let Some(bytes) = decode_base64url(text) {
        assert_eq!(base64url(&bytes), text, "base64url round trip");
    }
    if let Some(key) = parse_ed25519_multikey(text) {
        assert_eq!(attest::vc::multibase::ed25519_multikey(&key), text);
    }
    let _ = decode_multibase(text);
    let _ = resolve_did_key(text);
    let _ = resolve_did_key(&format!("did:key:{text}#{text}"));
}

/// `POST /api/v1/exam-results`: strict body, the exam-result schema, the typed result and the
/// rules beyond the schema, in the order `service::issue::prepare` applies them.
pub fn exam_result(data: &[u8]) {
    let Ok(body) = parse_strict(data) else {
        return;
    };
    if let Some(schema) = EXAM_SCHEMA.as_ref() {
        let mut problems = schema.iter_errors(&body).take(20).peekable();
        if problems.peek().is_some() {
            for e in problems {
                let _ = format!("{} {}", e.instance_path(), e);
            }
            return;
        }
    }
    if let Ok(result) = serde_json::from_value::<ExamResult>(body)
        && result.check().is_ok()
    {
        let _ = result.holder_name();
    }
}

/// `src/vc/rdfc`: JSON-LD to RDF and RDFC-1.0 with the production (embedded) contexts, safe
/// mode on, as eddsa-rdfc-2022 runs it on a presented credential. Keep inputs small: RDFC-1.0
/// work grows factorially with symmetric blank nodes (issue 14 §2).
pub fn rdfc(data: &[u8]) {
    let Ok(doc) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    if let Ok(first) = canonicalize(&doc, &LOADER) {
        let again = canonicalize(&doc, &LOADER).expect("canonicalization is repeatable");
        assert_eq!(first, again, "canonical form is deterministic");
    }
}

/// A baked badge posted to `POST /credentials/verify` or uploaded to `/verify` (Open Badges 3.0
/// §5.3): PNG chunks and iTXt fields (CRCs, bounded inflation), SVG through the XML parser, then
/// the credential found inside as the verifiers read it. Baking what was found back into the
/// image must give an image that yields it again.
pub fn baked_badge(data: &[u8]) {
    use attest::vc::baking::{ImageKind, Payload, bake_png, bake_svg, extract, kind_of};
    let Ok(payload) = extract(data) else {
        return;
    };
    let rebaked = match kind_of(data) {
        Some(ImageKind::Png) => bake_png(data, &payload).ok(),
        Some(ImageKind::Svg) => std::str::from_utf8(data)
            .ok()
            .and_then(|svg| bake_svg(svg, &payload).ok())
            .map(String::into_bytes),
        None => None,
    };
    if let Some(image) = rebaked
        && kind_of(&image) == Some(ImageKind::Png)
    {
        assert_eq!(
            extract(&image).ok(),
            Some(payload.clone()),
            "a baked PNG reads back"
        );
    }
    match payload {
        Payload::Json(text) => verify_input(text.as_bytes()),
        Payload::Jwt(text) => jwt_token(text.as_bytes()),
    }
}
