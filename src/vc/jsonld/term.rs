//! Create Term Definition — JSON-LD 1.1 Processing Algorithms and API
//! §4.2.2 — for the subset described in [`super`]; step numbers in comments
//! are the algorithm's.

use super::ExpandError;
use super::cache::{Cache, next_id};
use super::context::{
    ActiveContext, GRAPH, LANGUAGE, LIST, Options, SET, Scoped, TermDef, process,
};
use super::iri::{expand_iri_defining, is_absolute_iri, is_keyword};
use foldhash::HashMap;
use serde_json::{Map, Value};
use std::sync::Arc;

/// What §4.2.2 carries between recursive calls for one local context.
pub(crate) struct TermEnv<'a> {
    pub cache: &'a Cache,
    pub local: &'a Map<String, Value>,
    /// true: defined; false: being defined (cycle guard).
    pub defined: &'a mut HashMap<String, bool>,
    pub protected: bool,
    pub override_protected: bool,
}

const DEFINITION_KEYS: &[&str] = &[
    "@id",
    "@reverse",
    "@container",
    "@context",
    "@direction",
    "@index",
    "@language",
    "@nest",
    "@prefix",
    "@protected",
    "@type",
];

/// §4.2.2 Create Term Definition.
pub(crate) fn create_term(
    env: &mut TermEnv<'_>,
    active: &mut ActiveContext,
    term: &str,
) -> Result<(), ExpandError> {
    // 1)
    match env.defined.get(term) {
        Some(true) => return Ok(()),
        Some(false) => return Err(ExpandError::Invalid("cyclic IRI mapping")),
        None => {}
    }
    // 2)
    if term.is_empty() {
        return Err(ExpandError::Invalid("invalid term definition"));
    }
    env.defined.insert(term.to_owned(), false);
    let value = env.local.get(term).cloned().unwrap_or(Value::Null);
    // 4) – 5)
    if term == "@type" {
        return Err(ExpandError::Unsupported("@type term definition"));
    }
    if is_keyword(term) {
        return Err(ExpandError::Invalid("keyword redefinition"));
    }
    if super::iri::has_keyword_form(term) {
        env.defined.insert(term.to_owned(), true);
        return Ok(());
    }
    // 6)
    let previous = active.terms.remove(term);
    // 7) – 9)
    let value = match value {
        Value::Null => {
            let mut m = Map::new();
            m.insert("@id".into(), Value::Null);
            m
        }
        Value::String(s) => {
            let mut m = Map::new();
            m.insert("@id".into(), Value::String(s));
            m
        }
        Value::Object(m) => m,
        _ => return Err(ExpandError::Invalid("invalid term definition")),
    };
    // 26) checked early: nothing below needs to run for a definition we refuse.
    if value.keys().any(|k| !DEFINITION_KEYS.contains(&k.as_str())) {
        return Err(ExpandError::Invalid("invalid term definition"));
    }
    for unsupported in ["@reverse", "@index", "@nest"] {
        if value.contains_key(unsupported) {
            return Err(ExpandError::Unsupported(
                "@reverse, @index or @nest in a term",
            ));
        }
    }
    let mut def = TermDef {
        iri: None,
        prefix: false,
        // 11)
        protected: match value.get("@protected") {
            None => env.protected,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(ExpandError::Invalid("invalid @protected value")),
        },
        type_mapping: None,
        container: 0,
        language: None,
        direction: None,
        context: None,
    };
    // 12)
    if let Some(ty) = value.get("@type") {
        let ty = ty
            .as_str()
            .ok_or(ExpandError::Invalid("invalid type mapping"))?;
        let ty = expand_iri_defining(active, ty, false, true, env)?
            .ok_or(ExpandError::Invalid("invalid type mapping"))?;
        if !matches!(ty.as_str(), "@id" | "@json" | "@none" | "@vocab") && !is_absolute_iri(&ty) {
            return Err(ExpandError::Invalid("invalid type mapping"));
        }
        def.type_mapping = Some(ty);
    }
    // 14)
    match value.get("@id") {
        Some(id) if id.as_str() != Some(term) => match id {
            Value::Null => def.iri = None,
            Value::String(id) => {
                if !is_keyword(id) && super::iri::has_keyword_form(id) {
                    env.defined.insert(term.to_owned(), true);
                    return Ok(());
                }
                let iri = expand_iri_defining(active, id, false, true, env)?
                    .ok_or(ExpandError::Invalid("invalid IRI mapping"))?;
                if iri == "@context" {
                    return Err(ExpandError::Invalid("invalid keyword alias"));
                }
                if !is_keyword(&iri) && !iri.starts_with("_:") && !is_absolute_iri(&iri) {
                    return Err(ExpandError::Invalid("invalid IRI mapping"));
                }
                // 14.2.4)
                let inner_colon = term
                    .char_indices()
                    .any(|(i, c)| c == ':' && i > 0 && i + 1 < term.len());
                if inner_colon || term.contains('/') {
                    env.defined.insert(term.to_owned(), true);
                    if expand_iri_defining(active, term, false, true, env)?.as_deref()
                        != Some(iri.as_str())
                    {
                        return Err(ExpandError::Invalid("invalid IRI mapping"));
                    }
                }
                // 14.2.5), without its "simple term" condition, as oxjsonld 0.2.7 and the
                // W3C toRdf suite (e014) have it.
                if !term.contains([':', '/'])
                    && (iri.ends_with([':', '/', '?', '#', '[', ']', '@']) || iri.starts_with("_:"))
                {
                    def.prefix = true;
                }
                def.iri = Some(iri);
            }
            _ => return Err(ExpandError::Invalid("invalid IRI mapping")),
        },
        // 15) – 18)
        _ => {
            let colon = term.char_indices().skip(1).find(|(_, c)| *c == ':');
            if let Some((prefix, suffix)) = colon.map(|(i, _)| (&term[..i], &term[i + 1..])) {
                if env.local.contains_key(prefix) {
                    create_term(env, active, prefix)?;
                }
                def.iri = Some(match active.term(prefix).and_then(|d| d.iri.as_ref()) {
                    Some(p) => format!("{p}{suffix}"),
                    None => term.to_owned(),
                });
            } else if term.contains('/') {
                return Err(ExpandError::Unsupported("relative IRI as a term"));
            } else if let Some(vocab) = &active.vocab {
                def.iri = Some(format!("{vocab}{term}"));
            } else {
                return Err(ExpandError::Invalid("invalid IRI mapping"));
            }
        }
    }
    // 19)
    if let Some(container) = value.get("@container") {
        def.container = container_bits(container)?;
    }
    // 21)
    if let Some(scoped) = value.get("@context") {
        let check = Arc::new(active.copy());
        process(
            env.cache,
            &check,
            scoped,
            Options {
                override_protected: true,
                propagate: true,
            },
            &mut Vec::new(),
            false,
        )
        .map_err(|e| match e {
            ExpandError::Unsupported(w) => ExpandError::Unsupported(w),
            _ => ExpandError::Invalid("invalid scoped context"),
        })?;
        def.context = Some(Arc::new(Scoped {
            id: next_id(),
            value: scoped.clone(),
        }));
    }
    // 22) – 23)
    if !value.contains_key("@type") {
        if let Some(language) = value.get("@language") {
            def.language = Some(match language {
                Value::Null => None,
                Value::String(l) => Some(l.clone()),
                _ => return Err(ExpandError::Invalid("invalid language mapping")),
            });
        }
        if let Some(direction) = value.get("@direction") {
            def.direction = Some(match direction.as_str() {
                None if direction.is_null() => None,
                Some(d @ ("ltr" | "rtl")) => Some(d.to_owned()),
                _ => return Err(ExpandError::Invalid("invalid base direction")),
            });
        }
    }
    // 25)
    if let Some(prefix) = value.get("@prefix") {
        if term.contains([':', '/']) {
            return Err(ExpandError::Invalid("invalid term definition"));
        }
        def.prefix = prefix
            .as_bool()
            .ok_or(ExpandError::Invalid("invalid @prefix value"))?;
        if def.prefix && def.iri.as_deref().is_some_and(is_keyword) {
            return Err(ExpandError::Invalid("invalid term definition"));
        }
    }
    // 27)
    if !env.override_protected
        && let Some(previous) = previous
        && previous.protected
    {
        if !def.same_as(&previous) {
            return Err(ExpandError::Invalid("protected term redefinition"));
        }
        active.terms.insert(term.to_owned(), previous);
    } else {
        active.terms.insert(term.to_owned(), Arc::new(def));
    }
    // 28)
    env.defined.insert(term.to_owned(), true);
    Ok(())
}

/// §4.2.2 step 19, for the containers the subset supports.
fn container_bits(container: &Value) -> Result<u8, ExpandError> {
    let items: &[Value] = match container {
        Value::Array(items) => items,
        other => std::slice::from_ref(other),
    };
    let mut bits = 0;
    for item in items {
        bits |= match item.as_str() {
            Some("@set") => SET,
            Some("@list") => LIST,
            Some("@graph") => GRAPH,
            Some("@language") => LANGUAGE,
            Some("@index" | "@id" | "@type") => {
                return Err(ExpandError::Unsupported("@index, @id or @type container"));
            }
            _ => return Err(ExpandError::Invalid("invalid container mapping")),
        };
    }
    // Valid 1.1 combinations among these: one keyword, or @graph/@language with @set.
    let valid = matches!(bits, SET | LIST | GRAPH | LANGUAGE)
        || bits == GRAPH | SET
        || bits == LANGUAGE | SET;
    if valid {
        Ok(bits)
    } else {
        Err(ExpandError::Invalid("invalid container mapping"))
    }
}
