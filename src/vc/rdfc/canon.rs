//! JSON-LD 1.1 → RDF (JSON-LD 1.1 Processing Algorithms and API §6
//! "RDF Serialization/Deserialization Algorithms", "Deserialize JSON-LD to
//! RDF") followed by RDFC-1.0 (`rdfc10`, with its work limit): the
//! "transformation" half of eddsa-rdfc-2022.
//!
//! Conversion is done by oxjsonld (streaming expansion + toRdf, JSON-LD 1.1
//! processing mode, no base IRI, contexts only from the [`ContextLoader`]),
//! fed with our own expansion (`vc::jsonld`, contexts processed once and
//! cached) whenever the document is inside that module's subset; the
//! expanded form of the plain cases becomes quads in `tordf` without
//! oxjsonld, and safe mode shares that one conversion (`onepass`).
//! oxjsonld's output was cross-checked against jsonld.js + rdf-canonize on
//! the W3C vc-di-eddsa vectors (see the tests) — byte-for-byte identical.

use super::error::CanonError;
use super::loader::{ContextLoader, Engine};
use super::onepass::canonicalize_safe;
use super::rdfc10::canonicalize_quads;
use super::safe::check_safe;
use super::tordf;
use super::typefix::split_scoped_types;
use crate::vc::jsonld;
use oxjsonld::JsonLdParser;
use oxrdf::{Dataset, Quad};
use serde_json::Value;
use std::sync::{Arc, Mutex};

/// Canonical N-Quads of `doc` (JSON-LD toRdf + RDFC-1.0), with the safe-mode
/// check: fails with [`CanonError::UndefinedTerm`] instead of silently
/// signing less than the JSON says.
///
/// Documents inside the fast path's subset take one conversion (`onepass`);
/// the rest are probed first, then converted.
pub fn canonicalize(doc: &Value, loader: &ContextLoader) -> Result<String, CanonError> {
    if let Some(result) = canonicalize_safe(doc, loader) {
        return result;
    }
    check_safe(doc, loader)?;
    canonicalize_unchecked(doc, loader)
}

/// Canonical N-Quads of `doc` **without** the safe-mode check.
///
/// Only for documents the caller built itself from a shape already proved
/// to be fully defined (and for verifying third-party documents exactly as
/// a permissive verifier would). Terms no context defines are dropped
/// silently here, exactly as JSON-LD processors do.
pub fn canonicalize_unchecked(doc: &Value, loader: &ContextLoader) -> Result<String, CanonError> {
    canonicalize_quads(&to_rdf(doc, loader)?)
}

/// JSON-LD toRdf of `doc` (no safe-mode check): the quads that
/// [`canonicalize_quads`] turns into the canonical form.
pub fn to_rdf(doc: &Value, loader: &ContextLoader) -> Result<Vec<Quad>, CanonError> {
    check_portable(doc, &mut String::from("$"))?;
    to_quads(doc, loader, false)
}

/// JSON-LD toRdf of `doc` as an oxrdf [`Dataset`] (no safe-mode check).
///
/// For the oxrdf oracle ([`canonical_nquads`](super::canonical_nquads)) in differential tests and
/// benchmarks; signing and verification use [`to_rdf`].
pub fn to_dataset(doc: &Value, loader: &ContextLoader) -> Result<Dataset, CanonError> {
    Ok(to_rdf(doc, loader)?.into_iter().collect())
}

/// JSON-LD → RDF of `doc`: through our own expansion with cached contexts
/// (`vc::jsonld`) when the document stays inside its subset, then oxjsonld
/// on the expanded form (no context work left); through oxjsonld alone,
/// with the `typefix` work-around, otherwise. [`Engine`] on the loader can
/// pin either path (differential tests).
///
/// `lenient` keeps IRIs and language tags that fail validation instead of
/// dropping them; safe mode uses it to *see* what a strict run would drop.
pub(super) fn to_quads(
    doc: &Value,
    loader: &ContextLoader,
    lenient: bool,
) -> Result<Vec<Quad>, CanonError> {
    let engine = loader.engine();
    if engine != Engine::Library {
        match jsonld::expand(doc, loader.jsonld()) {
            Ok(expanded) => {
                if !lenient && let Some(quads) = tordf::quads(&expanded) {
                    return Ok(quads);
                }
                let bytes = serde_json::to_vec(&expanded)
                    .map_err(|e| CanonError::InvalidInput(format!("cannot serialize JSON: {e}")))?;
                match run_oxjsonld(&bytes, loader, lenient) {
                    Ok(quads) => return Ok(quads),
                    Err(e) if engine == Engine::FastPath => return Err(e),
                    Err(_) => {}
                }
            }
            Err(e) if engine == Engine::FastPath => {
                return Err(CanonError::Unsupported(format!("JSON-LD fast path: {e}")));
            }
            Err(_) => {}
        }
    }
    let doc = split_scoped_types(doc, loader.scoped_terms())?;
    let bytes = serde_json::to_vec(&*doc)
        .map_err(|e| CanonError::InvalidInput(format!("cannot serialize JSON: {e}")))?;
    run_oxjsonld(&bytes, loader, lenient)
}

/// Runs oxjsonld on JSON text. The first processor error aborts; an unknown
/// context URL takes priority because it explains every error that follows.
pub(super) fn run_oxjsonld(
    bytes: &[u8],
    loader: &ContextLoader,
    lenient: bool,
) -> Result<Vec<Quad>, CanonError> {
    let misses = Arc::new(Mutex::new(Vec::new()));
    let mut parser = JsonLdParser::new();
    if lenient {
        parser = parser.lenient();
    }
    let mut quads = Vec::new();
    let mut error = None;
    for item in parser
        .for_slice(bytes)
        .with_load_document_callback(loader.callback(Arc::clone(&misses)))
    {
        match item {
            Ok(q) => quads.push(q),
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    if let Some(url) = misses.lock().ok().and_then(|m| m.first().cloned()) {
        return Err(CanonError::UnknownContext(url));
    }
    match error {
        Some(e) => Err(CanonError::JsonLd(e.to_string())),
        None => Ok(quads),
    }
}

/// Largest integer every JSON-LD processor converts exactly (2^53).
const MAX_SAFE_INTEGER: u64 = 1 << 53;

/// Refuses values without a portable canonical form (see
/// [`CanonError::NotPortable`]).
pub(super) fn check_portable(v: &Value, path: &mut String) -> Result<(), CanonError> {
    let fail = |path: &String, reason| {
        Err(CanonError::NotPortable {
            path: path.clone(),
            reason,
        })
    };
    let nonchar = |s: &str| s.contains(['\u{FFFE}', '\u{FFFF}']);
    match v {
        Value::String(s) if nonchar(s) => fail(path, "contains U+FFFE or U+FFFF"),
        Value::Number(n)
            if n.as_u64().is_some_and(|u| u > MAX_SAFE_INTEGER)
                || n.as_i64()
                    .is_some_and(|i| i.unsigned_abs() > MAX_SAFE_INTEGER) =>
        {
            fail(path, "integer beyond ±2^53")
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                check_portable(item, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        Value::Object(map) => {
            for (k, item) in map {
                let len = path.len();
                path.push('.');
                path.push_str(k);
                if nonchar(k) {
                    return fail(path, "key contains U+FFFE or U+FFFF");
                }
                check_portable(item, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn loader() -> ContextLoader {
        ContextLoader::with_test_vector_contexts()
    }

    #[test]
    fn unknown_context_is_reported_by_url() {
        let doc = json!({"@context": ["https://www.w3.org/ns/credentials/v2", "https://example.com/nope"],
                         "type": "VerifiableCredential"});
        match canonicalize_unchecked(&doc, &loader()) {
            Err(CanonError::UnknownContext(url)) => assert_eq!(url, "https://example.com/nope"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn values_without_portable_form_are_refused() {
        let doc = json!({"@context": "https://www.w3.org/ns/credentials/v2", "name": "a\u{FFFF}"});
        assert!(matches!(
            canonicalize_unchecked(&doc, &loader()),
            Err(CanonError::NotPortable { path, .. }) if path == "$.name"
        ));
        let doc = json!({"@context": "https://www.w3.org/ns/credentials/examples/v2",
                         "n": [1, 9_007_199_254_740_993_u64]});
        assert!(matches!(
            canonicalize_unchecked(&doc, &loader()),
            Err(CanonError::NotPortable { path, .. }) if path == "$.n[1]"
        ));
        let ok = json!({"@context": "https://www.w3.org/ns/credentials/examples/v2",
                        "n": [9_007_199_254_740_992_u64, -9_007_199_254_740_992_i64, 1.5e300]});
        assert!(canonicalize_unchecked(&ok, &loader()).is_ok());
    }

    #[test]
    fn blank_nodes_are_canonically_labelled() {
        let doc = json!({
            "@context": "https://www.w3.org/ns/credentials/v2",
            "type": "VerifiableCredential",
            "credentialStatus": [
                {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
                {"type": "BitstringStatusListEntry", "statusPurpose": "suspension"}
            ]
        });
        let a = canonicalize(&doc, &loader()).expect("canonical");
        assert!(a.contains("_:c14n0") && a.contains("_:c14n2") && !a.contains("_:c14n3"));
        assert_eq!(a, canonicalize(&doc, &loader()).expect("stable"));
    }
}
