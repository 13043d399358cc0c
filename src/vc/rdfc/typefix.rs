//! Work-around for an oxjsonld 0.2.7 defect in JSON-LD 1.1 Expansion
//! Algorithm step 11 (type-scoped contexts), JSON-LD 1.1 API §5.1.2.
//!
//! The spec applies the type-scoped context of every `@type` value of a node
//! *cumulatively* (values in code point order, each processed on top of the
//! result of the previous one). oxjsonld processes each of them against the
//! context the node started with and keeps only the last, so on a node such
//! as `"type": ["Person", "EmployablePerson"]` (the W3C employment test
//! vector) the terms of `EmployablePerson`'s context are silently dropped.
//!
//! oxjsonld does accumulate across *separate keys* that expand to `@type`
//! (one call per key). JSON-LD 1.1 allows several such keys on one node
//! (step 13.4.2's "colliding keywords" rule excludes `@type`) and processes
//! them in code point order of the key. So a node whose type values include
//! two terms with type-scoped contexts, `A < B`, is rewritten as
//! `{"@type": [A, <types without scoped contexts>], "type": [B], ...}`:
//! same triples per the spec, and now also per oxjsonld. `type` is the
//! `@type` alias that the VC 2.0 context defines as protected, so the rewrite
//! is only made for documents using that context; three or more scoped types
//! on one node cannot be expressed this way and are refused.
//!
//! Exactness: the spec looks each type's context up in the context the node
//! started with, oxjsonld (for the second key) in the one after `A`'s was
//! applied. They agree unless `A`'s scoped context redefines the term `B`;
//! the registry contains no such redefinition (checked by a unit test).
//! Remove this module once oxjsonld applies type-scoped contexts
//! cumulatively (upstream `map_types` in `expansion.rs`).

use super::error::CanonError;
use super::loader::CREDENTIALS_V2;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::HashSet;

/// Every term that carries a scoped `@context` in `context_doc` (at any
/// depth). A superset of the terms with *type*-scoped contexts, which is all
/// the rewrite needs: splitting a type without one is harmless.
pub(super) fn collect_scoped_terms(context_doc: &Value, out: &mut HashSet<String>) {
    match context_doc {
        Value::Object(map) => {
            for (key, value) in map {
                if let Value::Object(def) = value
                    && def.contains_key("@context")
                {
                    out.insert(key.clone());
                }
                collect_scoped_terms(value, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_scoped_terms(v, out)),
        _ => {}
    }
}

/// `doc`, with every node that has two terms with scoped contexts among its
/// types rewritten as described in the module docs. Borrowed when no node
/// needs it (the common case).
pub(super) fn split_scoped_types<'a>(
    doc: &'a Value,
    registry_scoped: &HashSet<String>,
) -> Result<Cow<'a, Value>, CanonError> {
    // Inline contexts in the document may define scoped terms too.
    let mut inline = HashSet::new();
    collect_inline_scoped_terms(doc, &mut inline);
    let is_scoped = |t: &str| registry_scoped.contains(t) || inline.contains(t);
    if !needs_split(doc, &is_scoped) {
        return Ok(Cow::Borrowed(doc));
    }
    if !uses_vc2_context(doc) {
        return Err(CanonError::Unsupported(
            "a node has several types with type-scoped contexts, which oxjsonld mishandles; \
             the work-around needs the VC 2.0 context (for its protected `type` alias)"
                .into(),
        ));
    }
    let mut fixed = doc.clone();
    rewrite(&mut fixed, &is_scoped)?;
    Ok(Cow::Owned(fixed))
}

fn collect_inline_scoped_terms(v: &Value, out: &mut HashSet<String>) {
    match v {
        Value::Object(map) => {
            for (key, value) in map {
                if key == "@context" {
                    collect_scoped_terms(value, out);
                } else {
                    collect_inline_scoped_terms(value, out);
                }
            }
        }
        Value::Array(items) => items
            .iter()
            .for_each(|i| collect_inline_scoped_terms(i, out)),
        _ => {}
    }
}

fn uses_vc2_context(doc: &Value) -> bool {
    match doc.get("@context") {
        Some(Value::String(s)) => s == CREDENTIALS_V2,
        Some(Value::Array(items)) => items.iter().any(|c| c.as_str() == Some(CREDENTIALS_V2)),
        _ => false,
    }
}

/// The type values of a node: strings under `@type` and `type`.
fn type_values(map: &Map<String, Value>) -> Vec<&str> {
    ["@type", "type"]
        .iter()
        .filter_map(|k| map.get(*k))
        .flat_map(|v| match v {
            Value::String(s) => vec![s.as_str()],
            Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        })
        .collect()
}

fn scoped_among(map: &Map<String, Value>, is_scoped: &impl Fn(&str) -> bool) -> Vec<String> {
    let mut scoped: Vec<String> = type_values(map)
        .into_iter()
        .filter(|t| is_scoped(t))
        .map(str::to_owned)
        .collect();
    scoped.sort_unstable();
    scoped.dedup();
    scoped
}

fn needs_split(v: &Value, is_scoped: &impl Fn(&str) -> bool) -> bool {
    match v {
        Value::Object(map) => {
            scoped_among(map, is_scoped).len() >= 2
                || map
                    .iter()
                    .any(|(k, v)| k != "@context" && needs_split(v, is_scoped))
        }
        Value::Array(items) => items.iter().any(|i| needs_split(i, is_scoped)),
        _ => false,
    }
}

fn rewrite(v: &mut Value, is_scoped: &impl Fn(&str) -> bool) -> Result<(), CanonError> {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                if k != "@context" {
                    rewrite(child, is_scoped)?;
                }
            }
            let scoped = scoped_among(map, is_scoped);
            match scoped.as_slice() {
                [] | [_] => {}
                [first, second] => *map = split_node(map, first, second),
                _ => {
                    return Err(CanonError::Unsupported(format!(
                        "a node has {} types with type-scoped contexts ({}); at most two are supported",
                        scoped.len(),
                        scoped.join(", ")
                    )));
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                rewrite(item, is_scoped)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// `@context` (if any), then `"@type": [first, unscoped...]`, then
/// `"type": [second]`, then the remaining entries in their original order.
fn split_node(map: &Map<String, Value>, first: &str, second: &str) -> Map<String, Value> {
    let mut at_type = vec![Value::String(first.to_owned())];
    at_type.extend(
        type_values(map)
            .into_iter()
            .filter(|t| *t != first && *t != second)
            .map(|t| Value::String(t.to_owned())),
    );
    let mut out = Map::new();
    if let Some(ctx) = map.get("@context") {
        out.insert("@context".into(), ctx.clone());
    }
    out.insert("@type".into(), Value::Array(at_type));
    out.insert(
        "type".into(),
        Value::Array(vec![Value::String(second.to_owned())]),
    );
    for (k, v) in map {
        if !matches!(k.as_str(), "@context" | "@type" | "type") {
            out.insert(k.clone(), v.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::loader::ContextLoader;
    use super::*;
    use serde_json::json;

    /// The rewrite is exact unless a type-scoped context redefines another
    /// type term that has a scoped context (module docs). No registry
    /// context does; class terms are the capitalised ones by convention.
    #[test]
    fn no_registry_scoped_context_redefines_a_scoped_type_term() {
        let loader = ContextLoader::with_test_vector_contexts();
        let scoped = loader.scoped_terms();
        for url in loader.urls() {
            let doc: Value =
                serde_json::from_str(loader.get(url).expect("registered")).expect("JSON");
            let mut stack = vec![&doc];
            while let Some(v) = stack.pop() {
                match v {
                    Value::Object(map) => {
                        for (term, def) in map {
                            if let Some(Value::Object(inner)) = def.get("@context") {
                                for redefined in inner.keys() {
                                    let is_class = redefined.starts_with(char::is_uppercase);
                                    assert!(
                                        !(is_class && scoped.contains(redefined)),
                                        "{url}: {term} redefines {redefined}"
                                    );
                                }
                            }
                            stack.push(def);
                        }
                    }
                    Value::Array(items) => stack.extend(items),
                    _ => {}
                }
            }
        }
    }

    #[test]
    fn splits_only_nodes_with_two_scoped_types() {
        let scoped: HashSet<String> = ["A", "B", "C"].map(String::from).into();
        let doc = json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential"],
            "one": {"type": ["A", "X"], "k": 1},
            "two": [{"id": "urn:x", "type": ["X", "B", "A"], "k": 2}]
        });
        let fixed = split_scoped_types(&doc, &scoped).expect("fixable");
        assert_eq!(fixed["one"], doc["one"]);
        assert_eq!(
            serde_json::to_string(&fixed["two"][0]).expect("json"),
            r#"{"@type":["A","X"],"type":["B"],"id":"urn:x","k":2}"#
        );
        let untouched = json!({"type": ["A"], "x": {"type": "B"}});
        assert!(matches!(
            split_scoped_types(&untouched, &scoped),
            Ok(Cow::Borrowed(_))
        ));
    }

    #[test]
    fn refuses_what_it_cannot_express() {
        let scoped: HashSet<String> = ["A", "B", "C"].map(String::from).into();
        let three =
            json!({"@context": "https://www.w3.org/ns/credentials/v2", "type": ["A", "B", "C"]});
        assert!(matches!(
            split_scoped_types(&three, &scoped),
            Err(CanonError::Unsupported(_))
        ));
        let no_vc = json!({"@context": "https://example.org/ctx", "type": ["A", "B"]});
        assert!(matches!(
            split_scoped_types(&no_vc, &scoped),
            Err(CanonError::Unsupported(_))
        ));
    }
}
