//! Safe mode and canonical input from one JSON-LD conversion (issue 17
//! item 1), for the documents our own expansion covers (`vc::jsonld`).
//!
//! The safe-mode probe (`safe`, VC Data Integrity 1.0 §2.4.1 "safe mode"
//! and JSON-LD 1.1 toRdf) expands a copy of the document with a sentinel
//! `@vocab`/`@base` and looks for what only the sentinel kept. When it finds
//! nothing, the sentinel was never used: the probe's expanded form is the
//! document's own, so the conversion that produced it also yields the quads
//! RDFC-1.0 canonicalizes (JSON-LD 1.1 Processing Algorithms §6.1 / §4.4 of
//! RDFC-1.0). This module reads the probe's verdict off the expanded form
//! instead of a second, lenient conversion.
//!
//! The reading is deliberately over-cautious: anything it is not sure the
//! probe would accept — a sentinel IRI, an IRI, blank node id or language
//! tag a strict conversion would drop, an unexpected keyword, a finding of
//! the JSON walk, an inline context (its unused terms are processed under
//! the sentinel too), an error of the processor — sends the document down
//! the two-conversion path (probe, then conversion), which then reports the
//! exact findings. So the verdict and the canonical form are always the
//! probe's.

use super::canon::{check_portable, run_oxjsonld};
use super::error::CanonError;
use super::loader::{ContextLoader, Engine};
use super::rdfc10::canonicalize_quads;
use super::safe::{Findings, SENTINEL_SCHEME, SENTINEL_VOCAB, walk, with_sentinel};
use super::tordf;
use crate::vc::jsonld;
use oxrdf::{BlankNode, GraphName, Literal, NamedNode, NamedOrBlankNode, Quad, Term};
use serde_json::Value;

/// Canonical N-Quads of `doc` with the safe-mode check, from one conversion;
/// `None` where only the two-conversion path can decide.
pub(super) fn canonicalize_safe(
    doc: &Value,
    loader: &ContextLoader,
) -> Option<Result<String, CanonError>> {
    if loader.engine() == Engine::Library || has_inline_context(doc) {
        return None;
    }
    let mut findings = Findings::new();
    if let Err(e) = walk(doc, &mut String::from("$"), &mut findings) {
        return Some(Err(e));
    }
    if !findings.is_empty() {
        return None;
    }
    let expanded = jsonld::expand(&with_sentinel(doc), loader.jsonld()).ok()?;
    // Our own conversion refuses anything a strict one would drop, so its quads
    // only need the sentinel looked for; oxjsonld's need the expanded form read.
    let quads = match tordf::quads(&expanded) {
        Some(quads) if quads.iter().any(uses_sentinel) => return None,
        Some(quads) => quads,
        None if !kept(&expanded) => return None,
        None => run_oxjsonld(&serde_json::to_vec(&expanded).ok()?, loader, false).ok()?,
    };
    if let Err(e) = check_portable(doc, &mut String::from("$")) {
        return Some(Err(e));
    }
    Some(canonicalize_quads(&quads))
}

/// Whether any `@context` in `doc` is more than registry URLs.
fn has_inline_context(v: &Value) -> bool {
    match v {
        Value::Array(items) => items.iter().any(has_inline_context),
        Value::Object(map) => map.iter().any(|(key, item)| {
            if key == "@context" {
                match item {
                    Value::String(_) => false,
                    Value::Array(urls) => !urls.iter().all(Value::is_string),
                    _ => true,
                }
            } else {
                has_inline_context(item)
            }
        }),
        _ => false,
    }
}

/// Whether the expanded form `v` converts to RDF with nothing the probe
/// would flag: every IRI absolute and not the sentinel's, every blank node
/// id and language tag valid, only keywords the conversion carries.
fn kept(v: &Value) -> bool {
    match v {
        Value::Array(items) => items.iter().all(kept),
        Value::Object(map) if map.contains_key("@value") => {
            map.iter().all(|(key, item)| match key.as_str() {
                "@value" | "@index" | "@direction" => true,
                "@type" => item.as_str().is_some_and(|t| t == "@json" || iri(t)),
                "@language" => item
                    .as_str()
                    .is_some_and(|l| Literal::new_language_tagged_literal("", l).is_ok()),
                _ => false,
            })
        }
        Value::Object(map) => map.iter().all(|(key, item)| match key.as_str() {
            "@id" => item.as_str().is_some_and(node_id),
            "@type" => match item {
                Value::Array(types) => types.iter().all(|t| t.as_str().is_some_and(node_id)),
                Value::String(t) => node_id(t),
                _ => false,
            },
            "@graph" | "@list" | "@set" => kept(item),
            "@index" => true,
            property => !property.starts_with('@') && iri(property) && kept(item),
        }),
        _ => false,
    }
}

/// Whether the probe's sentinel `@vocab` or `@base` shows in `quad`.
fn uses_sentinel(quad: &Quad) -> bool {
    let sentinel = |iri: &str| iri.starts_with(SENTINEL_VOCAB) || iri.starts_with(SENTINEL_SCHEME);
    let subject = match &quad.subject {
        NamedOrBlankNode::NamedNode(n) => sentinel(n.as_str()),
        NamedOrBlankNode::BlankNode(_) => false,
    };
    let object = match &quad.object {
        Term::NamedNode(n) => sentinel(n.as_str()),
        Term::Literal(l) => sentinel(l.datatype().as_str()),
        _ => false,
    };
    let graph = match &quad.graph_name {
        GraphName::NamedNode(n) => sentinel(n.as_str()),
        _ => false,
    };
    subject || object || graph || sentinel(quad.predicate.as_str())
}

fn iri(value: &str) -> bool {
    !value.starts_with(SENTINEL_VOCAB)
        && !value.starts_with(SENTINEL_SCHEME)
        && NamedNode::new(value).is_ok()
}

fn node_id(value: &str) -> bool {
    match value.strip_prefix("_:") {
        Some(id) => BlankNode::new(id).is_ok(),
        None => iri(value),
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
    fn defined_documents_take_one_conversion() {
        let doc = json!({"@context": "https://www.w3.org/ns/credentials/v2",
                         "type": "VerifiableCredential", "issuer": "did:example:1",
                         "credentialSubject": {"id": "did:example:2"}});
        let one = canonicalize_safe(&doc, &loader()).expect("decided in one pass");
        assert_eq!(
            one.expect("canonical"),
            super::super::canon::canonicalize_unchecked(&doc, &loader()).expect("plain")
        );
    }

    #[test]
    fn anything_the_probe_flags_takes_the_probe_path() {
        for doc in [
            json!({"@context": "https://www.w3.org/ns/credentials/v2", "nickname": "x"}),
            json!({"@context": "https://www.w3.org/ns/credentials/v2", "type": "Nope"}),
            json!({"@context": "https://www.w3.org/ns/credentials/v2", "id": "rel/ative",
                   "type": "VerifiableCredential"}),
            json!({"@context": ["https://www.w3.org/ns/credentials/v2", {"a": "urn:a"}]}),
            json!({"@context": "https://www.w3.org/ns/credentials/v2", "@foo": 1}),
        ] {
            assert!(canonicalize_safe(&doc, &loader()).is_none(), "{doc}");
        }
    }
}
