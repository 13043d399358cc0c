//! Active contexts and term definitions — JSON-LD 1.1 Processing Algorithms
//! and API §4.1 "Context Processing Algorithm" and §4.2 "Create Term
//! Definition", restricted to the subset described in [`super`].
//!
//! Step numbers in comments are those of the two algorithms. Everything the
//! subset leaves out returns [`ExpandError::Unsupported`], so the caller can
//! hand the document to the full processor instead.

use super::ExpandError;
use super::cache::{Cache, next_id};
use super::iri::{expand_iri, expand_iri_defining, is_absolute_iri, is_keyword};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// Container mapping bits (§4.2.2 step 19), the subset supported.
pub(crate) const SET: u8 = 1;
pub(crate) const LIST: u8 = 2;
pub(crate) const GRAPH: u8 = 4;
pub(crate) const LANGUAGE: u8 = 8;

/// A scoped (`@context` inside a term definition) context, with an identity
/// that keys the processed-context cache.
#[derive(Debug)]
pub(crate) struct Scoped {
    pub id: u64,
    pub value: Value,
}

/// A term definition (§4.2.2); fields the subset never sets are absent.
#[derive(Debug)]
pub(crate) struct TermDef {
    /// `None`: the term maps to null (its values are dropped).
    pub iri: Option<String>,
    pub prefix: bool,
    pub protected: bool,
    pub type_mapping: Option<String>,
    pub container: u8,
    /// `Some(None)`: explicitly no language.
    pub language: Option<Option<String>>,
    pub direction: Option<Option<String>>,
    pub context: Option<Arc<Scoped>>,
}

impl TermDef {
    /// §4.2.2 step 27: same definition apart from `@protected`.
    fn same_as(&self, other: &TermDef) -> bool {
        self.iri == other.iri
            && self.prefix == other.prefix
            && self.type_mapping == other.type_mapping
            && self.container == other.container
            && self.language == other.language
            && self.direction == other.direction
            && match (&self.context, &other.context) {
                (None, None) => true,
                (Some(a), Some(b)) => a.value == b.value,
                _ => false,
            }
    }
}

/// An active context. Shared behind `Arc`: expansion never copies one, and
/// processing a context copies only the term table (of `Arc`ed definitions).
#[derive(Debug, Default)]
pub(crate) struct ActiveContext {
    /// Identity in the processed-context cache.
    pub id: u64,
    pub terms: HashMap<String, Arc<TermDef>>,
    pub base: Option<String>,
    pub vocab: Option<String>,
    pub language: Option<String>,
    pub direction: Option<String>,
    pub previous: Option<Arc<ActiveContext>>,
}

impl ActiveContext {
    pub(crate) fn empty() -> Self {
        Self {
            id: next_id(),
            ..Self::default()
        }
    }

    fn copy(&self) -> Self {
        Self {
            id: next_id(),
            terms: self.terms.clone(),
            base: self.base.clone(),
            vocab: self.vocab.clone(),
            language: self.language.clone(),
            direction: self.direction.clone(),
            previous: self.previous.clone(),
        }
    }

    pub(crate) fn term(&self, term: &str) -> Option<&Arc<TermDef>> {
        self.terms.get(term)
    }
}

/// Options of one context-processing call that change its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Options {
    pub override_protected: bool,
    pub propagate: bool,
}

/// Remote contexts nested deeper than this are refused (the spec's
/// "context overflow").
const MAX_REMOTE_DEPTH: usize = 16;

/// §4.1.2 Context Processing. `remote` lists the URLs being processed
/// (cycle and depth guard); `validate_scoped` is false only while checking
/// a scoped context at definition time (step 21 of §4.2.2).
pub(crate) fn process(
    cache: &Cache,
    active: &Arc<ActiveContext>,
    local: &Value,
    opts: Options,
    remote: &mut Vec<String>,
    validate_scoped: bool,
) -> Result<Arc<ActiveContext>, ExpandError> {
    // 1)
    let mut result = active.copy();
    // 2)
    let mut propagate = opts.propagate;
    if let Some(p) = local.get("@propagate") {
        propagate = p.as_bool().ok_or(ExpandError::Invalid("@propagate"))?;
    }
    // 3)
    if !propagate && result.previous.is_none() {
        result.previous = Some(Arc::clone(active));
    }
    // 4)
    let items: &[Value] = match local {
        Value::Array(items) => items,
        other => std::slice::from_ref(other),
    };
    for context in items {
        match context {
            // 5.1)
            Value::Null => {
                if !opts.override_protected && result.terms.values().any(|d| d.protected) {
                    return Err(ExpandError::Invalid("invalid context nullification"));
                }
                let previous = Arc::new(result);
                result = ActiveContext::empty();
                if !propagate {
                    result.previous = Some(previous);
                }
            }
            // 5.2)
            Value::String(url) => {
                if !is_absolute_iri(url) {
                    return Err(ExpandError::Unsupported("relative context URL"));
                }
                if !validate_scoped && remote.iter().any(|u| u == url) {
                    continue;
                }
                if remote.len() >= MAX_REMOTE_DEPTH {
                    return Err(ExpandError::Invalid("context overflow"));
                }
                let loaded = cache.remote(url)?;
                remote.push(url.clone());
                let current = Arc::new(result);
                let processed = process(
                    cache,
                    &current,
                    &loaded,
                    // 5.2.6) passes neither option on.
                    Options {
                        override_protected: false,
                        propagate: true,
                    },
                    remote,
                    validate_scoped,
                )?;
                remote.pop();
                result = Arc::try_unwrap(processed).unwrap_or_else(|shared| shared.copy());
            }
            // 5.3) – 5.13)
            Value::Object(map) => {
                result = process_map(cache, result, map, opts, remote)?;
            }
            _ => return Err(ExpandError::Invalid("invalid local context")),
        }
    }
    Ok(Arc::new(result))
}

fn process_map(
    cache: &Cache,
    mut result: ActiveContext,
    map: &Map<String, Value>,
    opts: Options,
    remote: &mut [String],
) -> Result<ActiveContext, ExpandError> {
    // 5.5)
    if let Some(version) = map.get("@version")
        && version.as_f64() != Some(1.1)
    {
        return Err(ExpandError::Invalid("invalid @version value"));
    }
    // 5.6)
    if map.contains_key("@import") {
        return Err(ExpandError::Unsupported("@import"));
    }
    // 5.7)
    if let Some(base) = map.get("@base")
        && remote.is_empty()
    {
        match base {
            Value::Null => result.base = None,
            Value::String(b) if is_absolute_iri(b) => result.base = Some(b.clone()),
            _ => return Err(ExpandError::Unsupported("relative @base")),
        }
    }
    // 5.8)
    if let Some(vocab) = map.get("@vocab") {
        result.vocab = match vocab {
            Value::Null => None,
            Value::String(v) => match expand_iri(&result, v, true, true)? {
                Some(iri) if is_absolute_iri(&iri) => Some(iri),
                _ => return Err(ExpandError::Unsupported("relative or blank @vocab")),
            },
            _ => return Err(ExpandError::Invalid("invalid vocab mapping")),
        };
    }
    // 5.9)
    if let Some(language) = map.get("@language") {
        result.language = match language {
            Value::Null => None,
            Value::String(l) => Some(l.clone()),
            _ => return Err(ExpandError::Invalid("invalid default language")),
        };
    }
    // 5.10)
    if let Some(direction) = map.get("@direction") {
        result.direction = match direction.as_str() {
            None if direction.is_null() => None,
            Some(d @ ("ltr" | "rtl")) => Some(d.to_owned()),
            _ => return Err(ExpandError::Invalid("invalid base direction")),
        };
    }
    // 5.11)
    if let Some(p) = map.get("@propagate")
        && !p.is_boolean()
    {
        return Err(ExpandError::Invalid("invalid @propagate value"));
    }
    let protected = match map.get("@protected") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(ExpandError::Invalid("invalid @protected value")),
    };
    // 5.12) – 5.13)
    let mut defined = HashMap::new();
    let mut env = TermEnv {
        cache,
        local: map,
        defined: &mut defined,
        protected,
        override_protected: opts.override_protected,
    };
    for key in map.keys() {
        if matches!(
            key.as_str(),
            "@base"
                | "@direction"
                | "@import"
                | "@language"
                | "@propagate"
                | "@protected"
                | "@version"
                | "@vocab"
        ) {
            continue;
        }
        create_term(&mut env, &mut result, key)?;
    }
    Ok(result)
}

/// What §4.2.2 carries between recursive calls for one local context.
pub(crate) struct TermEnv<'a> {
    cache: &'a Cache,
    pub local: &'a Map<String, Value>,
    /// true: defined; false: being defined (cycle guard).
    pub defined: &'a mut HashMap<String, bool>,
    protected: bool,
    override_protected: bool,
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
