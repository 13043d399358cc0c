//! Safe mode: refuse documents from which JSON-LD → RDF would silently drop
//! data.
//!
//! VC Data Integrity 1.0 requires implementations that use JSON-LD
//! processing (RDF Dataset Canonicalization) to raise an error when the
//! processor would drop data, e.g. when an undefined term or a relative IRI
//! is detected (w3c/vc-data-integrity#131; jsonld.js calls it "safe mode"):
//! anything dropped is not covered by the signature, so it could be changed
//! after signing without detection. Verdicts here were cross-checked against
//! jsonld.js 9 `safe: true` on the test cases.
//!
//! oxjsonld has no "safe" option, so detection works by a *probe conversion*:
//!
//! 1. A copy of the document gets a sentinel inline context
//!    `{"@vocab": SENTINEL_VOCAB, "@base": SENTINEL_BASE}` **prepended** to
//!    every `@context` it declares. Prepending (not appending) means a real
//!    context that sets its own `@vocab` (e.g. undefined-terms/v2) still wins,
//!    so only terms that would really be dropped reach the sentinel.
//! 2. The copy is converted in oxjsonld's lenient mode, which keeps IRIs and
//!    language tags that fail validation instead of dropping them.
//! 3. Every IRI in the output is classified: under `SENTINEL_VOCAB` = a term
//!    no context defines; with the sentinel scheme = a relative IRI
//!    reference (the real conversion has no base, so it would drop it); not a
//!    valid IRI = dropped by a strict conversion. Invalid blank node ids and
//!    language tags are flagged likewise.
//!
//! A plain JSON walk adds what no conversion shows: keys of keyword form that
//! are not JSON-LD keywords (ignored by every processor), `@direction` and
//! `@index` (not carried into this RDF), and inline contexts. A well-formed
//! inline context is ordinary JSON-LD and accepted; what could hide data from
//! the probe as well is refused (see `inline`): a `null` context, a term,
//! `@vocab` or `@base` mapped to `null`, `@import` of an unregistered URL. The
//! `@direction` of the credential's and issuer's `name`/`description` is
//! accepted (see `inline::direction_allowed`).
//!
//! Known limit: a property whose *scoped* context is `@context: null` (in the
//! registry only VC 2.0 `verifiableCredential`, used in presentations)
//! clears the sentinel for values that do not declare their own `@context`.

use super::canon::to_quads;
use super::error::{CanonError, DropKind, DroppedTerm, DroppedTerms};
use super::loader::ContextLoader;
use oxrdf::{BlankNode, Literal, NamedNode, NamedOrBlankNodeRef, TermRef};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// `@vocab` of the probe: every term that no real context defines expands
/// under it. A `urn:` IRI that cannot occur in real credentials.
pub(super) const SENTINEL_VOCAB: &str = "urn:x-attest-safe-mode:undefined-term:";
/// Scheme of the probe's `@base`. A private scheme survives every form of
/// relative reference, including network-path ones (`//host/x`).
pub(super) const SENTINEL_SCHEME: &str = "x-attest-relative-iri:";
/// `@base` of the probe.
const SENTINEL_BASE: &str = "x-attest-relative-iri://relative.invalid/";

/// JSON-LD 1.1 keywords (JSON-LD 1.1 §1.7 "Syntax Tokens and Keywords").
const KEYWORDS: &[&str] = &[
    "@base",
    "@container",
    "@context",
    "@direction",
    "@graph",
    "@id",
    "@import",
    "@included",
    "@index",
    "@json",
    "@language",
    "@list",
    "@nest",
    "@none",
    "@prefix",
    "@propagate",
    "@protected",
    "@reverse",
    "@set",
    "@type",
    "@value",
    "@version",
    "@vocab",
];

/// At most this many JSON paths are reported per dropped term.
const MAX_PATHS: usize = 8;

pub(super) type Findings = BTreeMap<(DropKind, String), Vec<String>>;

/// Fails with [`CanonError::UndefinedTerm`] if converting `doc` to RDF would
/// drop any data, or [`CanonError::InlineContext`] if it embeds a context.
///
/// Costs one extra (lenient) JSON-LD conversion. Callers that canonicalize
/// documents they generated from an already-checked template may skip it.
pub fn check_safe(doc: &Value, loader: &ContextLoader) -> Result<(), CanonError> {
    let mut findings = Findings::new();
    walk(doc, &mut String::from("$"), &mut findings)?;

    for quad in to_quads(&with_sentinel(doc), loader, true)? {
        match quad.subject.as_ref() {
            NamedOrBlankNodeRef::NamedNode(n) => classify_iri(n.as_str(), &mut findings),
            NamedOrBlankNodeRef::BlankNode(b) => classify_bnode(b.as_str(), &mut findings),
        }
        classify_iri(quad.predicate.as_str(), &mut findings);
        match quad.object.as_ref() {
            TermRef::NamedNode(n) => classify_iri(n.as_str(), &mut findings),
            TermRef::BlankNode(b) => classify_bnode(b.as_str(), &mut findings),
            TermRef::Literal(l) => {
                classify_iri(l.datatype().as_str(), &mut findings);
                if let Some(lang) = l.language()
                    && Literal::new_language_tagged_literal(l.value(), lang).is_err()
                {
                    findings
                        .entry((DropKind::InvalidLanguageTag, lang.to_owned()))
                        .or_default();
                }
            }
        }
        if let Some(g) = graph_iri(&quad.graph_name) {
            classify_iri(&g, &mut findings);
        }
    }
    if findings.is_empty() {
        return Ok(());
    }
    let mut dropped: Vec<DroppedTerm> = findings
        .into_iter()
        .map(|((kind, term), paths)| DroppedTerm { kind, term, paths })
        .collect();
    for d in dropped.iter_mut().filter(|d| d.paths.is_empty()) {
        locate(doc, &d.term, &mut String::from("$"), &mut d.paths);
    }
    Err(CanonError::UndefinedTerm(DroppedTerms(dropped)))
}

fn graph_iri(g: &oxrdf::GraphName) -> Option<String> {
    match g {
        oxrdf::GraphName::NamedNode(n) => Some(n.as_str().to_owned()),
        _ => None,
    }
}

fn classify_iri(iri: &str, findings: &mut Findings) {
    let finding = if let Some(term) = iri.strip_prefix(SENTINEL_VOCAB) {
        (DropKind::UndefinedTerm, term.to_owned())
    } else if iri.starts_with(SENTINEL_SCHEME) {
        let reference = iri
            .strip_prefix(SENTINEL_BASE)
            .or_else(|| iri.strip_prefix(SENTINEL_SCHEME))
            .unwrap_or(iri);
        (DropKind::RelativeIri, reference.to_owned())
    } else if NamedNode::new(iri).is_err() {
        (DropKind::InvalidIri, iri.to_owned())
    } else {
        return;
    };
    findings.entry(finding).or_default();
}

fn classify_bnode(id: &str, findings: &mut Findings) {
    if BlankNode::new(id).is_err() {
        findings
            .entry((DropKind::InvalidBlankNode, format!("_:{id}")))
            .or_default();
    }
}

/// JSON-only checks: `@context` shape, ignored keyword-like keys, and
/// keywords whose content does not reach the RDF.
pub(super) fn walk(
    v: &Value,
    path: &mut String,
    findings: &mut Findings,
) -> Result<(), CanonError> {
    match v {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                walk(item, path, findings)?;
                path.truncate(len);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                let len = path.len();
                path.push('.');
                path.push_str(key);
                if key == "@context" {
                    if !super::inline::context_is_safe(item) {
                        return Err(CanonError::InlineContext { path: path.clone() });
                    }
                    path.truncate(len);
                    continue;
                }
                let kind = if key == "@direction" && super::inline::direction_allowed(path) {
                    None
                } else if key == "@direction" || key == "@index" {
                    Some(DropKind::NotInRdf)
                } else if has_keyword_form(key) && !KEYWORDS.contains(&key.as_str()) {
                    Some(DropKind::IgnoredKeyword)
                } else {
                    None
                };
                if let Some(kind) = kind {
                    let paths = findings.entry((kind, key.clone())).or_default();
                    if paths.len() < MAX_PATHS {
                        paths.push(path.clone());
                    }
                }
                walk(item, path, findings)?;
                path.truncate(len);
            }
        }
        _ => {}
    }
    Ok(())
}

/// JSON-LD 1.1: `@` followed by one or more ASCII letters.
fn has_keyword_form(key: &str) -> bool {
    key.strip_prefix('@')
        .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphabetic()))
}

/// The probe document: the sentinel context prepended to every `@context`
/// (added at the top level if the document declares none).
pub(super) fn with_sentinel(doc: &Value) -> Value {
    let mut probe = doc.clone();
    match &mut probe {
        Value::Object(map) => {
            map.entry("@context")
                .or_insert_with(|| Value::Array(Vec::new()));
        }
        Value::Array(items) => {
            for item in items.iter_mut() {
                if let Value::Object(map) = item {
                    map.entry("@context")
                        .or_insert_with(|| Value::Array(Vec::new()));
                }
            }
        }
        _ => {}
    }
    prepend_sentinel(&mut probe);
    probe
}

fn prepend_sentinel(v: &mut Value) {
    match v {
        Value::Array(items) => items.iter_mut().for_each(prepend_sentinel),
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                if key == "@context" {
                    let existing = match item.take() {
                        Value::Array(items) => items,
                        other => vec![other],
                    };
                    let mut contexts = Vec::with_capacity(existing.len() + 1);
                    contexts.push(sentinel_context());
                    contexts.extend(existing);
                    *item = Value::Array(contexts);
                } else {
                    prepend_sentinel(item);
                }
            }
        }
        _ => {}
    }
}

fn sentinel_context() -> Value {
    let mut ctx = Map::new();
    ctx.insert("@vocab".into(), Value::String(SENTINEL_VOCAB.into()));
    ctx.insert("@base".into(), Value::String(SENTINEL_BASE.into()));
    Value::Object(ctx)
}

/// Collects the JSON paths where `term` appears as a key or a string value
/// (outside `@context`), so the error points at the offending input.
fn locate(v: &Value, term: &str, path: &mut String, out: &mut Vec<String>) {
    if out.len() >= MAX_PATHS {
        return;
    }
    match v {
        Value::String(s) if s == term => out.push(path.clone()),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                locate(item, term, path, out);
                path.truncate(len);
            }
        }
        Value::Object(map) => {
            for (key, item) in map.iter().filter(|(k, _)| *k != "@context") {
                let len = path.len();
                path.push('.');
                path.push_str(key);
                if key == term && out.len() < MAX_PATHS {
                    out.push(path.clone());
                }
                locate(item, term, path, out);
                path.truncate(len);
            }
        }
        _ => {}
    }
}
