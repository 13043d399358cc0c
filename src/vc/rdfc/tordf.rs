//! Expanded JSON-LD → RDF quads (JSON-LD 1.1 Processing Algorithms and API,
//! "Deserialize JSON-LD to RDF Algorithm", "Object to RDF Conversion" and
//! "List to RDF Conversion"), for the expanded form our own expansion
//! (`vc::jsonld`) produces: the quads go straight to RDFC-1.0 instead of
//! being serialized and expanded once more by oxjsonld.
//!
//! Only the plain cases are converted here: node objects, node references,
//! `@graph`, `@list`, and value objects holding a string (plain, typed or
//! language-tagged), a boolean or an integer. Everything a processor could
//! treat in more than one way — a non-integer number (its canonical
//! `xsd:double` form), `@json`, `@direction`, an IRI, blank node id or
//! language tag a strict processor drops, a blank node predicate, any other
//! keyword — returns `None`, and the caller hands the expanded form to
//! oxjsonld as before. The differential tests hold both to identical output.

use oxrdf::vocab::{rdf, xsd};
use oxrdf::{BlankNode, GraphName, Literal, NamedNode, NamedOrBlankNode, Quad, Term};
use serde_json::{Map, Value};

/// The quads of expanded document `expanded` (a top-level array of node
/// objects), or `None` where oxjsonld must decide.
pub(super) fn quads(expanded: &Value) -> Option<Vec<Quad>> {
    let mut out = ToRdf {
        quads: Vec::with_capacity(64),
    };
    for item in expanded.as_array()? {
        out.node(item.as_object()?, &GraphName::DefaultGraph)?;
    }
    Some(out.quads)
}

struct ToRdf {
    quads: Vec<Quad>,
}

fn items(v: &Value) -> &[Value] {
    match v {
        Value::Array(items) => items,
        other => std::slice::from_ref(other),
    }
}

fn node_id(id: &str) -> Option<NamedOrBlankNode> {
    match id.strip_prefix("_:") {
        Some(label) => BlankNode::new(label).ok().map(Into::into),
        None => NamedNode::new(id).ok().map(Into::into),
    }
}

impl ToRdf {
    fn push(
        &mut self,
        subject: &NamedOrBlankNode,
        predicate: NamedNode,
        object: Term,
        graph: &GraphName,
    ) {
        self.quads
            .push(Quad::new(subject.clone(), predicate, object, graph.clone()));
    }

    /// Emits the statements of node object `m` in `graph` and returns its
    /// subject (a fresh blank node where it has no `@id`).
    fn node(&mut self, m: &Map<String, Value>, graph: &GraphName) -> Option<NamedOrBlankNode> {
        if m.contains_key("@value") || m.contains_key("@list") {
            return None;
        }
        let subject = match m.get("@id") {
            Some(id) => node_id(id.as_str()?)?,
            None => BlankNode::default().into(),
        };
        for (key, v) in m {
            match key.as_str() {
                "@id" | "@index" => {}
                "@type" => {
                    for t in items(v) {
                        let object = node_id(t.as_str()?)?;
                        self.push(&subject, rdf::TYPE.into_owned(), object.into(), graph);
                    }
                }
                "@graph" => {
                    let inner = GraphName::from(subject.clone());
                    for item in items(v) {
                        self.node(item.as_object()?, &inner)?;
                    }
                }
                p if p.starts_with('@') || p.starts_with("_:") => return None,
                p => {
                    let predicate = NamedNode::new(p).ok()?;
                    for item in items(v) {
                        let object = self.object(item, graph)?;
                        self.push(&subject, predicate.clone(), object, graph);
                    }
                }
            }
        }
        Some(subject)
    }

    fn object(&mut self, item: &Value, graph: &GraphName) -> Option<Term> {
        let m = item.as_object()?;
        if m.contains_key("@value") {
            return literal(m).map(Into::into);
        }
        if let Some(list) = m.get("@list") {
            if m.len() > 1 && !(m.len() == 2 && m.contains_key("@index")) {
                return None;
            }
            return self.list(items(list), graph);
        }
        self.node(m, graph).map(Into::into)
    }

    fn list(&mut self, list: &[Value], graph: &GraphName) -> Option<Term> {
        let Some((first, rest)) = list.split_first() else {
            return Some(rdf::NIL.into_owned().into());
        };
        let head: NamedOrBlankNode = BlankNode::default().into();
        let value = self.object(first, graph)?;
        self.push(&head, rdf::FIRST.into_owned(), value, graph);
        let tail = self.list(rest, graph)?;
        self.push(&head, rdf::REST.into_owned(), tail, graph);
        Some(head.into())
    }
}

/// A value object as a literal, for the plain cases only.
fn literal(m: &Map<String, Value>) -> Option<Literal> {
    let mut value = None;
    let mut datatype = None;
    let mut language = None;
    for (key, v) in m {
        match key.as_str() {
            "@value" => value = Some(v),
            "@type" => datatype = Some(NamedNode::new(v.as_str()?).ok()?),
            "@language" => language = Some(v.as_str()?),
            "@index" => {}
            _ => return None,
        }
    }
    match (value?, datatype, language) {
        (Value::String(s), None, None) => Some(Literal::new_simple_literal(s)),
        (Value::String(s), Some(t), None) => Some(Literal::new_typed_literal(s, t)),
        (Value::String(s), None, Some(l)) => Literal::new_language_tagged_literal(s, l).ok(),
        (Value::Bool(b), t, None) => Some(Literal::new_typed_literal(
            if *b { "true" } else { "false" },
            t.unwrap_or_else(|| xsd::BOOLEAN.into_owned()),
        )),
        (Value::Number(n), t, None) if t.as_ref().is_none_or(|t| t.as_ref() != xsd::DOUBLE) => {
            let digits = match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => i.to_string(),
                (None, Some(u)) => u.to_string(),
                _ => return None,
            };
            Some(Literal::new_typed_literal(
                digits,
                t.unwrap_or_else(|| xsd::INTEGER.into_owned()),
            ))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::canon::run_oxjsonld;
    use super::super::loader::ContextLoader;
    use super::super::rdfc10::canonicalize_quads;
    use super::*;
    use crate::vc::jsonld;
    use serde_json::json;

    /// Ours and oxjsonld's conversion of the same expanded form.
    fn both(doc: &Value) -> (Option<String>, String) {
        let loader = ContextLoader::with_test_vector_contexts();
        let expanded = jsonld::expand(doc, loader.jsonld()).expect("in the subset");
        let ours = quads(&expanded).map(|q| canonicalize_quads(&q).expect("canonical"));
        let bytes = serde_json::to_vec(&expanded).expect("json");
        let theirs = run_oxjsonld(&bytes, &loader, false).expect("oxjsonld");
        (ours, canonicalize_quads(&theirs).expect("canonical"))
    }

    #[test]
    fn plain_credentials_convert_like_oxjsonld() {
        let doc = json!({
            "@context": ["https://www.w3.org/ns/credentials/v2",
                         "https://www.w3.org/ns/credentials/examples/v2"],
            "id": "urn:uuid:1", "type": ["VerifiableCredential", "ExampleCredential"],
            "issuer": {"id": "did:example:issuer", "name": {"@value": "Ex", "@language": "EN-us"}},
            "validFrom": "2026-01-01T00:00:00Z",
            "credentialSubject": {"id": "_:subject", "age": 42, "minor": false, "negative": -7,
                                  "nested": [{"n": 1}, {"n": 2}], "ordered": {"@list": ["a", {"b": 1}, []]},
                                  "empty": {"@list": []}},
            "credentialStatus": [{"type": "BitstringStatusListEntry", "statusPurpose": "revocation"}]
        });
        let (ours, theirs) = both(&doc);
        assert_eq!(ours.expect("converted here"), theirs);
    }

    #[test]
    fn doubles_and_json_are_left_to_oxjsonld() {
        for doc in [
            json!({"@context": "https://www.w3.org/ns/credentials/examples/v2", "x": 1.5}),
            json!({"@context": {"j": {"@id": "urn:j", "@type": "@json"}}, "j": {"a": 1}}),
        ] {
            let (ours, _) = both(&doc);
            assert!(ours.is_none(), "{doc}");
        }
    }
}
